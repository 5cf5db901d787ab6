// tokio::sync::watch: two sends before the receiver (made with the
// channel) first looks coalesce into one change (changed() takes the
// newest version: it sees 2). Then, by mode:
// - `drop`: main drops its Sender before joining: changed() fails
//   (RecvError) and the receiver ends (changed, closed, joined);
// - `keep`: main joins the receiver while still holding its Sender and
//   never sending again: the receiver waits in changed() for good. It hangs.
// DSL twin: tests/test_runtimes.py watch: ok, deadlock.
use tokio::sync::watch;

async fn receiver(mut rx: watch::Receiver<u32>) {
    while rx.changed().await.is_ok() {
        assert_eq!(*rx.borrow(), 2); // the newest value
        println!("changed");
    }
    println!("closed");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "drop".into());
    let (tx, rx) = watch::channel(0);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let handle = tokio::spawn(receiver(rx));
    if mode == "drop" {
        drop(tx);
    }
    handle.await.unwrap(); // `keep`: main still holds tx here
    println!("joined");
}
