// A user-defined waker (a std::task::Wake impl) whose wake() takes a std
// Mutex, then wakes the task it wraps. The waiter registers it in a
// futures AtomicWaker (AtomicWaker::register clones it) and waits; the
// notifier, on the same current-thread runtime, wakes the slot
// (AtomicWaker::wake takes the waker out and calls Waker::wake: the
// wake() runs inline, on the notifier's stack):
// - `held`: the notifier wakes while holding the mutex: wake() locks it
//   again on the same thread, which never returns. It hangs.
// - `released`: the notifier unlocks first: wake() takes the free mutex,
//   the waiter is woken and both finish.
// DSL twin: tests/test_runtimes.py custom_waker: deadlock/reentrant_lock, ok.
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};

use futures::future::poll_fn;
use futures::task::AtomicWaker;

struct LockingWaker {
    m: Arc<Mutex<()>>,
    task: Waker,
}

impl Wake for LockingWaker {
    fn wake(self: Arc<Self>) {
        let guard = self.m.lock().unwrap();
        drop(guard);
        self.task.wake_by_ref();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "held".into());
    let m = Arc::new(Mutex::new(()));
    let slot = Arc::new(AtomicWaker::new());
    let (wm, ws) = (m.clone(), slot.clone());
    let waiter = tokio::spawn(async move {
        // Park: register the user-defined waker, Pending; Ready once woken.
        let mut parked = false;
        poll_fn(|cx| {
            if parked {
                return Poll::Ready(());
            }
            parked = true;
            let w = Waker::from(Arc::new(LockingWaker { m: wm.clone(), task: cx.waker().clone() }));
            ws.register(&w);
            Poll::Pending
        })
        .await;
        println!("woken");
    });
    let notifier = tokio::spawn(async move {
        if mode == "held" {
            let guard = m.lock().unwrap();
            slot.wake();
            drop(guard);
        } else {
            drop(m.lock().unwrap());
            slot.wake();
        }
    });
    let _ = notifier.await;
    let _ = waiter.await;
}
