// std::sync::Barrier: the main thread and one other thread wait on it.
// - `short`: Barrier::new(3): two arrive, the third never does. It hangs.
// - `two`: Barrier::new(2): the second arrival is the leader and both go
//   on; exactly one BarrierWaitResult::is_leader() is true. It finishes.
// DSL twin: tests/test_runtimes.py std_barrier: deadlock/never_woken, ok.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "short".into());
    let n = if mode == "two" { 2 } else { 3 };
    let barrier = Arc::new(Barrier::new(n));
    let leaders = Arc::new(AtomicUsize::new(0));
    let other = {
        let (barrier, leaders) = (barrier.clone(), leaders.clone());
        std::thread::spawn(move || {
            if barrier.wait().is_leader() {
                leaders.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    if barrier.wait().is_leader() {
        leaders.fetch_add(1, Ordering::SeqCst);
    }
    other.join().unwrap();
    println!("released, leaders: {}", leaders.load(Ordering::SeqCst));
}
