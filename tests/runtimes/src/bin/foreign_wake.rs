// A waker woken from a foreign thread: the task waits on a oneshot whose
// sender a std::thread (a sidecar) sends on; the send wakes the task's
// stored waker from that thread and the runtime polls it.
// DSL twin: a thread sends on a oneshot the task receives: ok.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let sidecar = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(10));
        let _ = tx.send(());
    });
    let _ = rx.await;
    println!("woken by the sidecar");
    sidecar.join().unwrap();
}
