// The same, passing xxx_future to select! by value: when the sleep wins,
// select! drops it, it leaves the lock's queue, and do_yyy gets the lock.
// DSL twin: the catalog's futurelock-select-owned.
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

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
    let xxx_future = Box::pin(do_xxx(lock.clone()));
    tokio::select! {
        _ = xxx_future => println!("first branch has been run"),
        _ = tokio::time::sleep(Duration::from_millis(100)) => {
            println!("second branch has been run");
            println!("yyy started");
            let _g = lock.lock().await;
            println!("yyy done");
        }
    }
}
