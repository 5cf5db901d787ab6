// pschyska's sidecar (ngx-rust PR #295 thread, footnote 3): a !Send handler
// future on the main thread (async-task's spawn_local, which panics if the
// task is polled on another thread) awaits a result a sidecar thread sends;
// the send wakes the handler's waker on the sidecar thread, where the
// schedule closure runs.
//   inline: the closure runs the task right away (ngx-rust before PR #295):
//           the handler is polled on the sidecar thread; async-task panics
//           ("local task polled by a thread that didn't spawn it"), and
//           panics again dropping the future there while unwinding: the
//           process aborts.
//   notify: the closure pushes the task on a thread-safe inbox and notifies
//           the main thread, which polls it (ngx-tickle, tokio's LocalSet).
//           It finishes.
// DSL twin: tests/test_runtimes.py sidecar under ngx_inline: wrong_thread;
// under thread_notify: ok.
use std::sync::{Condvar, Mutex};
use std::time::Duration;

static INBOX: Mutex<Vec<async_task::Runnable>> = Mutex::new(Vec::new()); // FIFO: push, then remove(0)
static NOTIFY: Condvar = Condvar::new();

fn main() {
    wakebench_runtimes::watchdog(2);
    let inline = std::env::args().nth(1).as_deref() != Some("notify");
    let schedule = move |r: async_task::Runnable| {
        if inline {
            r.run();
        } else {
            INBOX.lock().unwrap().push(r);
            NOTIFY.notify_one();
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (runnable, task) = async_task::spawn_local(
        async move {
            let _ = rx.await;
            println!("handler resumed");
        },
        schedule,
    );
    runnable.schedule(); // the handler's first poll, on the main thread
    let sidecar = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10)); // the handler waits by then
        let _ = tx.send(());
    });
    let mut sidecar = Some(sidecar);
    while !task.is_finished() {
        if sidecar.as_ref().map_or(false, |t| t.is_finished()) {
            join(sidecar.take().unwrap());
        }
        let next = {
            let q = INBOX.lock().unwrap();
            let (mut q, _) = NOTIFY.wait_timeout(q, Duration::from_millis(1)).unwrap();
            if q.is_empty() { None } else { Some(q.remove(0)) }
        };
        if let Some(r) = next {
            r.run();
        }
    }
    if let Some(t) = sidecar {
        join(t);
    }
}

// The sidecar's panic (a task polled on the wrong thread) ends the program.
fn join(t: std::thread::JoinHandle<()>) {
    if let Err(panic) = t.join() {
        std::panic::resume_unwind(panic);
    }
}
