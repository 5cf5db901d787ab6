// A producer and a consumer that never wait in the channel: the producer
// try_sends two messages into a channel of capacity 1, yielding while it is
// Full, then drops its Sender; the consumer try_recvs, yielding while it is
// Empty, until Disconnected (tokio 1.24 mpsc: only once every Sender is
// dropped and the channel is drained). It finishes.
// DSL twin: try_recv_loop in tests/test_runtimes.py.
use tokio::sync::mpsc::error::{TryRecvError, TrySendError};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
    tokio::spawn(async move {
        for i in 0..2 {
            loop {
                match tx.try_send(i) {
                    Ok(()) => break,
                    Err(TrySendError::Full(_)) => tokio::task::yield_now().await,
                    Err(TrySendError::Closed(_)) => return,
                }
            }
        }
    }); // tx dropped here
    loop {
        match rx.try_recv() {
            Ok(_) => println!("got"),
            Err(TryRecvError::Empty) => tokio::task::yield_now().await,
            Err(TryRecvError::Disconnected) => {
                println!("disconnected");
                break;
            }
        }
    }
}
