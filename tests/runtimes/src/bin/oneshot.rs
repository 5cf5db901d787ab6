// A oneshot whose sender never sends.
// - `dropped`: a spawned task drops the sender: recv fails with RecvError,
//   and main goes on. It finishes.
// - `held`: main itself keeps the sender alive while it awaits the
//   receiver: nothing can send or drop it. It hangs.
// DSL twin: tests/test_runtimes.py oneshot: ok, deadlock/never_woken.
use tokio::sync::oneshot;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "held".into());
    let (tx, rx) = oneshot::channel::<u32>();
    let _kept = if mode == "dropped" {
        tokio::spawn(async move { drop(tx) });
        None
    } else {
        Some(tx)
    };
    if rx.await.is_err() {
        println!("sender dropped");
    }
    println!("main goes on");
}
