// A oneshot Receiver polled with a user-defined waker (lib.rs
// custom_waker) whose drop takes a std Mutex. tokio 1.24.2 sync/oneshot.rs:
// poll_recv clones it into the Inner's rx_task ("cloned"); the send's
// Inner::complete wakes it by reference ("by_ref") and leaves it there;
// main's next poll takes the value, `self.inner = None` releases the last
// Arc<Inner>, and the Inner's Drop drops the waker inside that poll:
// - `held`: main holds the mutex across the recv: the drop locks it again
//   on the same thread, which never returns. It hangs.
// - `released`: no lock held: "dropped", then "got". It finishes.
// DSL twin: tests/test_runtimes.py oneshot_waker: deadlock/reentrant_lock, ok.
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use wakebench_runtimes::custom_waker::{poll_with, Locks};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "held".into());
    let m = Arc::new(Mutex::new(()));
    let (tx, rx) = oneshot::channel::<u32>();
    let locks = Locks { wake: false, drop: true };
    let guard = if mode == "held" { Some(m.lock().unwrap()) } else { None };
    tokio::spawn(async move {
        let _ = tx.send(1);
    });
    let _ = poll_with(rx, m.clone(), locks).await;
    drop(guard);
    println!("got");
}
