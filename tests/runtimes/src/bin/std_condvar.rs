// std::sync::Condvar with a std Mutex<bool> flag. A notifier thread runs
// first (the main thread sleeps: a forced window), then the main thread
// waits in `while !ready { cv.wait(guard) }`:
// - `lost`: the notifier notifies without setting the flag; its notify came
//   while nobody waited, and a Condvar stores nothing: the main thread
//   waits for good. It hangs.
// - `fixed`: the notifier sets the flag under the lock before notifying;
//   the main thread finds it set and never waits. It finishes.
// DSL twin: tests/test_runtimes.py std_condvar: deadlock/never_woken, ok.
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "lost".into());
    let fixed = mode == "fixed";
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let notifier = {
        let pair = pair.clone();
        std::thread::spawn(move || {
            let (m, cv) = &*pair;
            let mut ready = m.lock().unwrap();
            if fixed {
                *ready = true;
            }
            cv.notify_one();
            drop(ready);
        })
    };
    std::thread::sleep(Duration::from_millis(200)); // the notifier is through by now
    let (m, cv) = &*pair;
    let mut ready = m.lock().unwrap();
    while !*ready {
        ready = cv.wait(ready).unwrap();
    }
    drop(ready);
    println!("main woken");
    notifier.join().unwrap();
    println!("notifier done");
}
