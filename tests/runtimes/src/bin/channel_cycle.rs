// A wait cycle through a bounded channel and a oneshot: the producer sends
// two messages, then the oneshot; the consumer first waits for the
// oneshot. With capacity 1 (the argument) the producer waits for room the
// consumer never makes: it hangs. With capacity 2 both messages fit, the
// producer reaches its oneshot send and the consumer drains the channel.
// DSL twin: channel(capacity=N) + oneshot: deadlock/wait_cycle, or ok.
use tokio::sync::{mpsc, oneshot};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let capacity: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1);
    let (tx, mut rx) = mpsc::channel::<u32>(capacity);
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
