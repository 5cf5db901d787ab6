// The fix the seed recommends: tokio::sync::Mutex. The contender's lock()
// is an await: it queues, the thread polls the holder, which releases and
// hands the lock over.
// DSL twin: the catalog's std-mutex-async-mutex.
use tokio::sync::Mutex;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let m = Mutex::new(());
    let holder = async {
        let guard = m.lock().await;
        println!("holder locked");
        tokio::task::yield_now().await;
        drop(guard);
        println!("holder unlocked");
    };
    let contender = async {
        let guard = m.lock().await;
        println!("contender locked");
        drop(guard);
    };
    tokio::join!(holder, contender);
}
