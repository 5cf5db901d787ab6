// The seed's cancellation-safety trap (rust-async-traps.txt): a transfer
// under a tokio Mutex, debit, an await (100 ms), credit, raced by a 50 ms
// timeout in select!.
// - `select`: the timeout wins while the transfer awaits between its debit
//   and its credit; select! drops the transfer future, its guard unlocks,
//   and the accounts are left half-updated. main checks the invariant
//   after the transfer would have finished, and panics.
// - `abort`: the transfer is spawned and JoinHandle::abort() cancels it
//   50 ms in, between debit and credit: the same half-update, and panic.
// - `spawned`: the seed's remedy, tokio::spawn(transfer): losing the select
//   drops only the JoinHandle; the task finishes its transfer. It finishes.
// DSL twin: the catalog's cancel-critical-section(-spawned):
// interrupted_critical_section, ok; `abort`: tests/test_runtimes.py
// abort_transfer: interrupted_critical_section.
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

struct Accounts {
    checking: i64,
    savings: i64,
}

async fn transfer(accounts: Arc<Mutex<Accounts>>) {
    let mut a = accounts.lock().await;
    a.checking -= 10;
    tokio::time::sleep(Duration::from_millis(100)).await; // write the debit to the database
    a.savings += 10;
    drop(a);
    println!("transfer done");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let accounts = Arc::new(Mutex::new(Accounts { checking: 100, savings: 0 }));
    let deadline = tokio::time::sleep(Duration::from_millis(50));
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode == "abort" {
        let handle = tokio::spawn(transfer(accounts.clone()));
        deadline.await;
        handle.abort();
        println!("aborted");
    } else if mode == "spawned" {
        let handle = tokio::spawn(transfer(accounts.clone()));
        tokio::select! {
            _ = handle => {}
            _ = deadline => println!("timed out"),
        }
    } else {
        tokio::select! {
            _ = transfer(accounts.clone()) => {}
            _ = deadline => println!("timed out"),
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await; // the transfer's time, and more
    let a = accounts.lock().await;
    assert_eq!(a.checking + a.savings, 100, "the accounts are half-updated");
}
