// A future that returns Pending without storing its waker anywhere: nothing
// can wake it, and the current-thread runtime waits for ever.
// DSL twin: a task [ops.pending()]: deadlock/lost_wake.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct Forgotten;
impl Future for Forgotten {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    Forgotten.await;
    println!("woken");
}
