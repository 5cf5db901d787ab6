// tokio::sync::broadcast: a receiver made with the channel (capacity 2)
// falls behind by three sends before it first receives: Lagged(1), then
// the two values the ring still holds (2 and 3). Then, by mode:
// - `drop`: main drops its Sender before joining: the receiver, caught up,
//   gets Closed and ends (lagged 1, got, got, closed, joined);
// - `keep`: main joins the receiver while still holding its Sender and
//   never sending again: the receiver waits in recv for a value only the
//   joiner could send. It hangs.
// DSL twin: tests/test_runtimes.py broadcast: ok, deadlock.
use tokio::sync::broadcast::{self, error::RecvError};

async fn receiver(mut rx: broadcast::Receiver<u32>) {
    let mut got = Vec::new();
    loop {
        match rx.recv().await {
            Ok(v) => {
                got.push(v);
                println!("got");
            }
            Err(RecvError::Lagged(n)) => println!("lagged {}", n),
            Err(RecvError::Closed) => {
                println!("closed");
                break;
            }
        }
    }
    assert_eq!(got, vec![2, 3]); // the oldest value held, then the next
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "drop".into());
    let (tx, rx) = broadcast::channel(2);
    for v in 1..=3 {
        assert_eq!(tx.send(v).unwrap(), 1); // one receiver
    }
    let handle = tokio::spawn(receiver(rx));
    if mode == "drop" {
        drop(tx);
    }
    handle.await.unwrap(); // `keep`: main still holds tx here
    println!("joined");
}
