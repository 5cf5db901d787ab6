// The fixed variant: room for both messages (capacity 2), so the producer
// reaches its oneshot send and the consumer drains the channel.
// DSL twin: channel(capacity=2) + oneshot: ok.
use tokio::sync::{mpsc, oneshot};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    let (ready_tx, ready_rx) = oneshot::channel::<()>();
    let producer = tokio::spawn(async move {
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        let _ = ready_tx.send(());
    });
    let consumer = tokio::spawn(async move {
        let _ = ready_rx.await;
        while rx.recv().await.is_some() {}
    });
    let _ = producer.await;
    let _ = consumer.await;
    println!("done");
}
