// futures::lock::Mutex keeps a waiter that an unlock woke in its Slab, as
// Waiter::Woken, at the head; a later unlock wakes the first entry only,
// which is that one (a no-op: futures-util lock/mutex.rs `unlock`,
// `Waiter::wake`). Here the woken waiter is xxx, a future select! borrowed
// and main never polls again: w2, queued behind it, is never woken.
// Arguments:
//   try:   main takes the mutex with a try_lock loop; it hangs;
//   lock:  main takes it with lock().await (a barger on its first poll); it hangs;
//   owned: select! owns xxx, so the timer's win drops it, and its drop wakes
//          the next entry (remove_waker(.., true)); it finishes.
// DSL twin: tests/test_runtimes.py barging_wake: deadlock/never_woken, ok.
use futures::lock::Mutex;
use std::sync::Arc;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "try".into());
    let m = Arc::new(Mutex::new(()));
    let c = m.clone();
    tokio::spawn(async move {
        let _g = c.lock().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        println!("contention done");
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    let mx = m.clone();
    let mut xxx = Box::pin(async move {
        let _g = mx.lock().await;
        println!("xxx locked");
    });
    if mode == "owned" {
        tokio::select! {
            _ = xxx => println!("xxx won"),
            _ = tokio::time::sleep(Duration::from_millis(20)) => println!("timer won"),
        }
    } else {
        tokio::select! {
            _ = &mut xxx => println!("xxx won"),
            _ = tokio::time::sleep(Duration::from_millis(20)) => println!("timer won"),
        }
    }
    let m2 = m.clone();
    let w2 = tokio::spawn(async move {
        let _g = m2.lock().await;
        println!("w2 locked");
    });
    tokio::time::sleep(Duration::from_millis(5)).await; // w2 queues behind xxx
    if mode == "try" {
        let g = loop {
            if let Some(g) = m.try_lock() {
                break g;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        println!("main locked");
        drop(g);
    } else {
        let g = m.lock().await;
        println!("main locked");
        drop(g);
    }
    w2.await.unwrap();
    println!("main done");
}
