// tokio::sync::watch's borrow: main reads the Sender's borrow of a watch
// made with 0 ("zero", Sender::borrow, line 815), sends 2, reads the value
// with its receiver and branches on it ("two"), then awaits changed() while
// still holding the Sender. By mode:
// - `borrow`: Receiver::borrow marks nothing seen (tokio 1.24.2 watch.rs
//   line 388): changed() returns at once for the version sent ("changed").
// - `update`: borrow_and_update marks it seen (line 431): changed() waits
//   for a newer version only main could send. It hangs.
// DSL twin: tests/test_runtimes.py watch_borrow: ok, deadlock/never_woken.
use tokio::sync::watch;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "borrow".into());
    let (tx, mut rx) = watch::channel(0u32);
    if *tx.borrow() == 0 {
        println!("zero");
    }
    tx.send(2).unwrap();
    let v = if mode == "update" { *rx.borrow_and_update() } else { *rx.borrow() };
    if v == 2 {
        println!("two");
    } else {
        println!("other");
    }
    rx.changed().await.unwrap();
    println!("changed");
    drop(tx);
}
