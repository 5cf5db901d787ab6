// The seed's futurelock with a fair tokio Semaphore of one permit in place
// of the mutex: the release assigns the permit to xxx_future, first in
// line, which nobody polls again. It hangs.
// DSL twin: the catalog's futurelock-select-semaphore.
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

async fn do_xxx(permit: Arc<Semaphore>) {
    println!("xxx started");
    let _p = permit.acquire().await.unwrap();
    println!("xxx done");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let permit = Arc::new(Semaphore::new(1));
    let contention = permit.clone();
    tokio::spawn(async move {
        let _p = contention.acquire().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        println!("simulate contention done");
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut xxx_future = Box::pin(do_xxx(permit.clone()));
    tokio::select! {
        _ = &mut xxx_future => println!("first branch has been run"),
        _ = tokio::time::sleep(Duration::from_millis(100)) => {
            println!("second branch has been run");
            println!("yyy started");
            let _p = permit.acquire().await.unwrap();
            println!("yyy done");
        }
    }
}
