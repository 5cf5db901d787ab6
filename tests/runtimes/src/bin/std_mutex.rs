// "How to deadlock Tokio application in Rust with just a single mutex": on
// a current-thread runtime the holder keeps a std::sync::Mutex guard across
// an await; the contender's lock() blocks the only thread, so the holder is
// never polled again to release it. It hangs.
// DSL twin: the catalog's std-mutex-current-thread.
use std::sync::Mutex;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let m = Mutex::new(());
    let holder = async {
        let guard = m.lock().unwrap();
        println!("holder locked");
        tokio::task::yield_now().await;
        drop(guard);
        println!("holder unlocked");
    };
    let contender = async {
        let guard = m.lock().unwrap();
        println!("contender locked");
        drop(guard);
    };
    tokio::join!(holder, contender);
}
