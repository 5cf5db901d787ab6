// A future that is never ready and never registers its waker
// (futures::future::pending), awaited
// - `with` tokio::time::timeout of 50 ms: the deadline's timer wakes main,
//   the future is dropped. It finishes.
// - `without`: nothing can wake main. It hangs.
// DSL twin: tests/test_runtimes.py timeout: ok, deadlock/lost_wake.
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let never = futures::future::pending::<()>();
    if std::env::args().nth(1).as_deref() == Some("without") {
        never.await;
        println!("never");
    } else if tokio::time::timeout(Duration::from_millis(50), never).await.is_err() {
        println!("timed out");
    }
}
