// A ready flag (an AtomicBool) and an AtomicWaker, as futures' AtomicWaker
// documents the protocol: the waiter registers its waker, then checks the
// flag; the setter sets the flag, then wakes. The setter's `swap` returns
// the flag's old value, so only the first to set it wakes. A forced window
// (a oneshot handshake: the setter task runs to its end inside it) stands
// between the waiter's two steps, so the outcome does not depend on luck:
// - `check-first`: the waiter checks (false), the setter sets the flag and
//   wakes an empty slot, then the waiter registers and waits without
//   checking again: the wake was lost. It hangs.
// - `register-first`: the waiter registers, the setter sets the flag and
//   wakes the registered waker, then the waiter checks: it finishes.
// DSL twin: tests/test_runtimes.py flag_wake: deadlock/lost_wake, ok.
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;

use futures::future::poll_fn;
use futures::task::AtomicWaker;
use tokio::sync::oneshot;

struct Flag {
    ready: AtomicBool,
    waker: AtomicWaker,
}

async fn setter(flag: Arc<Flag>, go: oneshot::Receiver<()>, done: oneshot::Sender<()>) {
    let _ = go.await;
    if !flag.ready.swap(true, SeqCst) {
        println!("set");
        flag.waker.wake();
    }
    let _ = done.send(());
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "check-first".into());
    let flag = Arc::new(Flag { ready: AtomicBool::new(false), waker: AtomicWaker::new() });
    let (go_tx, go_rx) = oneshot::channel();
    let (done_tx, done_rx) = oneshot::channel();
    tokio::spawn(setter(flag.clone(), go_rx, done_tx));
    let window = async move {
        let _ = go_tx.send(());
        let _ = done_rx.await;
    };
    if mode == "check-first" {
        if !flag.ready.load(SeqCst) {
            window.await;
            // Register, return Pending; Ready once woken (the twin's park).
            let mut parked = false;
            poll_fn(|cx| {
                if parked {
                    return Poll::Ready(());
                }
                parked = true;
                flag.waker.register(cx.waker());
                Poll::Pending
            })
            .await;
        }
    } else {
        poll_fn(|cx| {
            flag.waker.register(cx.waker());
            Poll::Ready(())
        })
        .await;
        window.await;
        // Register, then check (the twin's wait_until).
        poll_fn(|cx| {
            flag.waker.register(cx.waker());
            if flag.ready.load(SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
    println!("ready");
}
