// The fixed variant of lost_wake: the future wakes its own waker before
// returning Pending (tokio::task::yield_now), so it is polled again.
// DSL twin: a task [ops.yield_(), ops.print("woken")]: ok.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    tokio::task::yield_now().await;
    println!("woken");
}
