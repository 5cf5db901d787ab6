// A worker draining an mpsc channel and branching on each message, as
// `while let Some(msg) = rx.recv().await { match msg { .. } }` does: 1 is a
// job, 0 asks it to stop. The client sends two jobs, then, by mode:
// - `stop`: sends 0 and joins the worker: it finishes (job, job, stop);
// - `drop`: drops its Sender and joins: recv returns None once drained,
//   the worker ends (job, job, closed);
// - `keep`: joins the worker while still holding its Sender, never sending
//   0: the worker waits in recv for a message only the joiner could send.
//   It hangs.
// DSL twin: tests/test_runtimes.py values: ok, ok, deadlock.
use tokio::sync::mpsc;

async fn worker(mut rx: mpsc::UnboundedReceiver<u32>) {
    loop {
        match rx.recv().await {
            Some(0) => {
                println!("stop");
                break;
            }
            Some(_) => println!("job"),
            None => {
                println!("closed");
                break;
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "stop".into());
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = tokio::spawn(worker(rx));
    tx.send(1).unwrap();
    tx.send(1).unwrap();
    if mode == "stop" {
        tx.send(0).unwrap();
    }
    if mode == "drop" {
        drop(tx);
    }
    handle.await.unwrap(); // `stop`, `keep`: main still holds tx here
    println!("joined");
}
