// The seed's futurelock (rust-async-traps.txt), times in ms scaled down:
// simulate_contention holds the lock; select! races xxx_future (which
// queues for the lock) against a sleep; the sleep wins and do_yyy queues
// too; then contention releases the lock. Arguments:
//   lock:   fair      tokio::sync::Mutex: the release hands the lock to
//                     xxx_future, first in line;
//           barging   futures::lock::Mutex: the release wakes xxx_future's
//                     waiter and hands nothing over, do_yyy takes it;
//           semaphore a tokio Semaphore of one permit: FIFO-fair like the
//                     mutex, the permit assigned to xxx_future;
//   select: borrowed  `&mut xxx_future`: alive, never polled again;
//           owned     `xxx_future` by value: the sleep's win drops it, and it
//                     leaves the queue.
// fair or semaphore, borrowed: it hangs; the rest finish.
// DSL twins: the catalog's futurelock-select(-barging, -owned, -semaphore).
use std::sync::Arc;
use std::time::Duration;

macro_rules! seed {
    ($new:expr, $owned:expr, $($take:tt)+) => {{
        let lock = Arc::new($new);
        let contention = lock.clone();
        tokio::spawn(async move {
            let _g = contention.$($take)+;
            tokio::time::sleep(Duration::from_millis(300)).await;
            println!("simulate contention done");
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let x = lock.clone();
        let mut xxx_future = Box::pin(async move {
            println!("xxx started");
            let _g = x.$($take)+;
            println!("xxx done");
        });
        let do_yyy = async {
            println!("second branch has been run");
            println!("yyy started");
            let _g = lock.$($take)+;
            println!("yyy done");
        };
        let sleep = tokio::time::sleep(Duration::from_millis(100));
        if $owned {
            tokio::select! {
                _ = xxx_future => println!("first branch has been run"),
                _ = sleep => do_yyy.await,
            }
        } else {
            tokio::select! {
                _ = &mut xxx_future => println!("first branch has been run"),
                _ = sleep => do_yyy.await,
            }
        }
    }};
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let args: Vec<String> = std::env::args().collect();
    let owned = args.get(2).map(|s| s == "owned").unwrap_or(false);
    match args.get(1).map(String::as_str).unwrap_or("fair") {
        "barging" => seed!(futures::lock::Mutex::new(()), owned, lock().await),
        "semaphore" => seed!(tokio::sync::Semaphore::new(1), owned, acquire().await.unwrap()),
        _ => seed!(tokio::sync::Mutex::new(()), owned, lock().await),
    }
}
