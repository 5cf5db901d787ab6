// One task acquires two permits of a tokio Semaphore, holding the first
// while it waits for the second. With 1 permit (the argument) the second
// acquire waits for a release only this task could make: it hangs. With 2
// it finishes.
// DSL twin: tests/test_runtimes.py semaphore: deadlock/never_woken, ok.
use tokio::sync::Semaphore;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let permits: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1);
    let sem = Semaphore::new(permits);
    let _first = sem.acquire().await.unwrap();
    let _second = sem.acquire().await.unwrap();
    println!("two permits");
}
