// Two tasks on two workers take two tokio Mutexes, with a forced window: a
// oneshot handshake makes each wait for the other before its second lock,
// so the schedule that deadlocks is the one that runs (no luck needed).
// - `opposite`: t1 takes a then b, t2 takes b then a, the handshake between
//   their two locks: each waits for the lock the other holds. It hangs.
// - `handshake`: both take a then b, the handshake between the locks: t2
//   waits for a, held by t1, which waits for t2's handshake. It hangs,
//   through a lock and a oneshot.
// - `same`: the handshake first, then both take a then b. It finishes.
// DSL twin: tests/test_runtimes.py lock_cycle: deadlock/lock_cycle,
// deadlock/wait_cycle, ok.
use std::sync::Arc;
use tokio::sync::{oneshot, Mutex};

async fn worker(
    first: Arc<Mutex<()>>,
    second: Arc<Mutex<()>>,
    mine: oneshot::Sender<()>,
    theirs: oneshot::Receiver<()>,
    handshake_first: bool,
) {
    if handshake_first {
        let _ = mine.send(());
        let _ = theirs.await;
        let _a = first.lock().await;
        let _b = second.lock().await;
    } else {
        let _a = first.lock().await;
        let _ = mine.send(());
        let _ = theirs.await;
        let _b = second.lock().await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "opposite".into());
    let (a, b) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
    let (tx1, rx1) = oneshot::channel();
    let (tx2, rx2) = oneshot::channel();
    let (t2_first, t2_second) = if mode == "opposite" { (b.clone(), a.clone()) } else { (a.clone(), b.clone()) };
    let early = mode == "same";
    let t1 = tokio::spawn(worker(a, b, tx1, rx2, early));
    let t2 = tokio::spawn(worker(t2_first, t2_second, tx2, rx1, early));
    let _ = t1.await;
    let _ = t2.await;
    println!("done");
}
