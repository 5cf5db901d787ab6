// The ngx-rust PR #295 reproducer on async-task: h2's Streams::drop takes
// the connection's `inner` lock (a std Mutex) and, holding it, wakes the
// Connection task; the request task drops its stream inside its own poll.
// The executor is async-task with one of two schedule closures:
//   inline:   run the woken task right away, on the waker's stack (ngx-rust
//             before PR #295): the Connection's poll takes `inner` again,
//             under the Drop that holds it: with lock() the thread
//             deadlocks, with try_lock() it panics;
//   deferred: push it on a queue the loop runs after the current poll (PR
//             #295, tokio's LocalSet): the lock is free by then.
// Arguments: inline|deferred lock|try_lock.
// DSL twin: the catalog's h2-drop-wake-nested (ngx_inline: reentrant_lock;
// fifo: ok).
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

struct Inner {
    streams: u32,
    conn_waker: Option<Waker>,
}

static QUEUE: Mutex<Vec<async_task::Runnable>> = Mutex::new(Vec::new());

fn take(inner: &Mutex<Inner>, try_lock: bool) -> MutexGuard<'_, Inner> {
    if try_lock {
        inner.try_lock().expect("inner is already locked: a re-entrant lock")
    } else {
        inner.lock().unwrap()
    }
}

struct Conn {
    inner: Arc<Mutex<Inner>>,
    try_lock: bool,
}

impl Future for Conn {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut g = take(&self.inner, self.try_lock);
        if g.streams == 0 {
            return Poll::Ready(());
        }
        g.conn_waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

struct Stream {
    inner: Arc<Mutex<Inner>>,
    try_lock: bool,
}

impl Drop for Stream {
    fn drop(&mut self) {
        let mut g = take(&self.inner, self.try_lock);
        g.streams -= 1;
        if let Some(w) = g.conn_waker.take() {
            w.wake(); // while holding `inner`
        }
    }
}

fn main() {
    wakebench_runtimes::watchdog(2);
    let args: Vec<String> = std::env::args().collect();
    let inline = args.get(1).map(|s| s == "inline").unwrap_or(true);
    let try_lock = args.get(2).map(|s| s == "try_lock").unwrap_or(false);
    let schedule = move |r: async_task::Runnable| {
        if inline {
            r.run();
        } else {
            QUEUE.lock().unwrap().push(r);
        }
    };
    let inner = Arc::new(Mutex::new(Inner { streams: 1, conn_waker: None }));
    let conn = Conn { inner: inner.clone(), try_lock };
    let (r1, t1) = async_task::spawn(
        async move {
            conn.await;
            println!("connection closed");
        },
        schedule,
    );
    let stream = Stream { inner, try_lock };
    let (r2, t2) = async_task::spawn(
        async move {
            let _stream = stream;
            println!("response sent");
        },
        schedule,
    );
    r1.schedule();
    r2.schedule();
    loop {
        let next = {
            let mut q = QUEUE.lock().unwrap();
            if q.is_empty() { None } else { Some(q.remove(0)) }
        };
        match next {
            Some(r) => {
                r.run();
            }
            None => break,
        }
    }
    t1.detach();
    t2.detach();
}
