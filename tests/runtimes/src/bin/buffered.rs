// The Buffered-stream deadlock (buffered-streams-deadlock.txt): A waits for
// B's message, B comes after A in the stream, and buffered(1) never polls
// the wrapped stream while A is in flight: B never runs. It hangs.
// DSL twin: the catalog's buffered-stream.
use futures::stream::{self, StreamExt};
use futures::FutureExt;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let size: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let a = async move {
        let _ = rx.await;
        println!("A got B's message");
    }
    .boxed();
    let b = async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let _ = tx.send(());
        println!("B sent");
    }
    .boxed();
    let mut items = vec![a, b];
    for _ in 0..7 {
        items.push(tokio::time::sleep(Duration::from_millis(10)).boxed());
    }
    stream::iter(items).buffered(size).for_each(|_| async {}).await;
    println!("stream done");
}
