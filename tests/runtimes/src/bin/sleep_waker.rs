// A tokio Sleep polled with a user-defined waker (lib.rs custom_waker).
// tokio 1.24.2 runtime/time: each poll registers the waker in the timer
// entry's AtomicWaker ("cloned"); the driver fires the entry under its
// lock, takes the waker out and wakes it by value after the lock
// ("woke"); the Ready poll registers again ("cloned") and the Sleep's drop
// at the end of the await drops that clone ("dropped"):
// - `plain`: cloned, woke, cloned, dropped, slept. It finishes.
// - `held`: the wake takes a std Mutex main holds across the sleep; the
//   timer fires on main's thread (the current-thread runtime parks on the
//   driver) while main is suspended: that thread blocks on the lock its
//   own suspended task holds. It hangs.
// DSL twin: tests/test_runtimes.py sleep_waker: ok, deadlock/blocked_thread.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wakebench_runtimes::custom_waker::{poll_with, Locks};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "plain".into());
    let m = Arc::new(Mutex::new(()));
    let locks = Locks { wake: true, drop: false };
    let guard = if mode == "held" { Some(m.lock().unwrap()) } else { None };
    poll_with(Box::pin(tokio::time::sleep(Duration::from_millis(5))), m.clone(), locks).await;
    drop(guard);
    println!("slept");
}
