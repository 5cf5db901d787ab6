// std::sync::RwLock on Linux (the futex RwLock, Rust 1.62+) prefers
// writers: a read blocks while a writer waits. With a forced window (the
// main thread holds a read guard, starts a writer thread, sleeps long
// enough for it to block in write(), then reads again):
// - `recursive`: the second read waits for the writer, which waits for the
//   first read guard. It hangs (the std docs' "Potential deadlock example").
// - `released`: the first guard is dropped before the writer starts; the
//   second read is taken after the writer is through. It finishes.
// DSL twin: tests/test_runtimes.py std_rwlock: deadlock/lock_cycle, ok.
use std::sync::{Arc, RwLock};
use std::time::Duration;

fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "recursive".into());
    let lock = Arc::new(RwLock::new(0));
    let first = lock.read().unwrap();
    println!("main reads");
    let released = mode == "released";
    if released {
        drop(first);
    }
    let writer = {
        let lock = lock.clone();
        std::thread::spawn(move || {
            let mut g = lock.write().unwrap();
            *g += 1;
            drop(g);
        })
    };
    std::thread::sleep(Duration::from_millis(200)); // the writer is blocked in write() by now
    let second = lock.read().unwrap();
    println!("main reads again");
    drop(second);
    if !released {
        // unreachable in `recursive`: the second read never returns
        println!("main done");
    }
    writer.join().unwrap();
    println!("writer done");
}
