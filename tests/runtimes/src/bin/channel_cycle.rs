// A wait cycle through a bounded channel and a oneshot: the producer fills
// the channel (capacity 1) and waits for room; the consumer first waits for
// a oneshot the producer sends only after its sends. It hangs.
// DSL twin: channel(capacity=1) + oneshot: deadlock/wait_cycle.
use tokio::sync::{mpsc, oneshot};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let (tx, mut rx) = mpsc::channel::<u32>(1);
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
