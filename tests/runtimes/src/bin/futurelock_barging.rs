// The seed's futurelock with futures::lock::Mutex, which barges: its unlock
// frees the lock and wakes one waiter without handing it over
// (futures-util lock/mutex.rs `unlock`), so xxx_future, never polled again,
// holds nothing and do_yyy takes the free lock. It finishes. (Times in ms
// scaled down as in futurelock.rs.)
// DSL twin: the catalog's futurelock-select-barging: ok.
use futures::lock::Mutex;
use std::sync::Arc;
use std::time::Duration;

async fn do_xxx(lock: Arc<Mutex<()>>) {
    println!("xxx started");
    let _g = lock.lock().await;
    println!("xxx done");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let lock = Arc::new(Mutex::new(()));
    let contention = lock.clone();
    tokio::spawn(async move {
        let _g = contention.lock().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        println!("simulate contention done");
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut xxx_future = Box::pin(do_xxx(lock.clone()));
    tokio::select! {
        _ = &mut xxx_future => println!("first branch has been run"),
        _ = tokio::time::sleep(Duration::from_millis(100)) => {
            println!("second branch has been run");
            println!("yyy started");
            let _g = lock.lock().await;
            println!("yyy done");
        }
    }
}
