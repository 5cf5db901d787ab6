// tokio::sync::RwLock is fair: a batch semaphore whose queue is FIFO, so a
// reader that asks after a queued writer waits for it, even while only
// readers hold the lock. Forced windows by sleeps: `a` reads at once and
// holds its guard for 100 ms; `w` asks to write at 20 ms, `r` to read at
// 40 ms.
// - `fair`: `r` is served after `w` (a reader-preferring lock would let it
//   in at 40 ms, next to `a`). It finishes: a reads, a done, w writes, r reads.
// - `recursive`: `a` reads again at 100 ms, before dropping its first
//   guard: queued behind `w`, which waits for `a`. It hangs.
// DSL twin: tests/test_runtimes.py tokio_rwlock: ok, deadlock/lock_cycle.
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;
use tokio::time::sleep;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let recursive = std::env::args().nth(1).as_deref() == Some("recursive");
    let lock = Arc::new(RwLock::new(0));
    let a = {
        let lock = lock.clone();
        tokio::spawn(async move {
            let g = lock.read().await;
            println!("a reads");
            sleep(Duration::from_millis(100)).await;
            if recursive {
                let again = lock.read().await;
                drop(again);
            }
            println!("a done");
            drop(g);
        })
    };
    let w = {
        let lock = lock.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(20)).await;
            let mut g = lock.write().await;
            *g += 1;
            println!("w writes");
        })
    };
    let r = {
        let lock = lock.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(40)).await;
            let _g = lock.read().await;
            println!("r reads");
        })
    };
    let _ = a.await;
    let _ = w.await;
    let _ = r.await;
}
