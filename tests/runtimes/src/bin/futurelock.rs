// The seed's futurelock (rust-async-traps.txt), times in ms scaled down:
// select! over &mut xxx_future, which queues for a fair tokio Mutex held by
// simulate_contention; the sleep wins, do_yyy queues too; the release hands
// the lock to xxx_future, which nobody polls again: it hangs.
// DSL twin: the catalog's futurelock-select.
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
