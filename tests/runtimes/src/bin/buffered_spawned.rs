// "If you buffered it, then you should have put a spawn() on it": B is
// spawned and the stream holds its JoinHandle; B runs on its own, A gets
// its message, the stream finishes.
// DSL twin: the catalog's buffered-stream-spawned.
use futures::stream::{self, StreamExt};
use futures::FutureExt;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let a = async move {
        let _ = rx.await;
        println!("A got B's message");
    }
    .boxed();
    let b = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let _ = tx.send(());
        println!("B sent");
    });
    let mut items = vec![a, async move { let _ = b.await; }.boxed()];
    for _ in 0..7 {
        items.push(tokio::time::sleep(Duration::from_millis(10)).boxed());
    }
    stream::iter(items).buffered(1).for_each(|_| async {}).await;
    println!("stream done");
}
