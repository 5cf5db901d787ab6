// try_lock right after an unlock while another task waits in lock().await:
// main holds the mutex, `b` queues on it, main unlocks and at once calls
// try_lock, then joins `b`.
//   fair (tokio::sync::Mutex): the unlock assigned the lock's one permit to
//     the queued `b` (batch_semaphore add_permits_locked), and try_lock is
//     try_acquire(1) on the permit count: it fails; b locks; it finishes;
//   barging (futures::lock::Mutex): the unlock frees it and wakes `b`;
//     try_lock takes it (fetch_or IS_LOCKED); main joins `b` while holding
//     it, `b` waits for it: it hangs.
// Argument: fair|barging.
// DSL twin: try_lock_handoff in tests/test_runtimes.py.
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let fair = std::env::args().nth(1).map(|s| s == "fair").unwrap_or(true);
    if fair {
        let m = Arc::new(tokio::sync::Mutex::new(()));
        let g = m.lock().await;
        let m2 = m.clone();
        let b = tokio::spawn(async move {
            let _g = m2.lock().await;
            println!("b locked");
        });
        tokio::task::yield_now().await; // b runs and queues
        drop(g);
        match m.try_lock() {
            Ok(g) => {
                println!("try_lock took it");
                b.await.unwrap();
                drop(g);
            }
            Err(_) => {
                println!("try_lock failed");
                b.await.unwrap();
            }
        };
    } else {
        let m = Arc::new(futures::lock::Mutex::new(()));
        let g = m.lock().await;
        let m2 = m.clone();
        let b = tokio::spawn(async move {
            let _g = m2.lock().await;
            println!("b locked");
        });
        tokio::task::yield_now().await; // b runs and queues
        drop(g);
        match m.try_lock() {
            Some(g) => {
                println!("try_lock took it");
                b.await.unwrap();
                drop(g);
            }
            None => {
                println!("try_lock failed");
                b.await.unwrap();
            }
        };
    }
    println!("done");
}
