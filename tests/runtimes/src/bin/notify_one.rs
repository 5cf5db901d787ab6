// notify_one with nobody waiting stores one permit: the late notified()
// takes it and completes.
// DSL twin: notify_one, then a late notified(): ok.
use std::sync::Arc;
use tokio::sync::Notify;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let n = Arc::new(Notify::new());
    n.notify_one();
    println!("notified");
    n.notified().await;
    println!("late waiter woken");
}
