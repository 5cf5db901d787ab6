// tokio::sync::Notify::notify_waiters notifies who waits now and stores
// nothing: a task that starts waiting later waits for ever. It hangs.
// DSL twin: notify_waiters, then a late notified(): deadlock/never_woken.
use std::sync::Arc;
use tokio::sync::Notify;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let n = Arc::new(Notify::new());
    n.notify_waiters();
    println!("notified");
    n.notified().await;
    println!("late waiter woken");
}
