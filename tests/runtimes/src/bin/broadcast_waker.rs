// A tokio broadcast recv polled with a user-defined waker (a hand-written
// RawWakerVTable whose clone, wake and drop print; its wake then takes a
// std Mutex and wakes the task it wraps). Receiver `a` yields once, then
// waits in recv; `c` waits at once: `c` is first in the wait list. The
// sender yields, then sends one value: tokio 1.24.2 broadcast.rs
// recv_ref clones each waker into its Recv's waiter node ("c cloned", "a
// cloned"); Tail::notify_rx pops the waiters oldest first and wakes each
// by value, inside the send, under the tail lock ("c woke", "a woke"):
// - `released`: the sender holds no lock: both wakes take the mutex, both
//   receivers get the value and finish.
// - `held`: the sender sends while holding the mutex: c's wake() locks it
//   again on the same thread, which never returns. It hangs.
// DSL twin: tests/test_runtimes.py broadcast_waker: ok, deadlock/reentrant_lock.
use std::future::Future;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};
use std::task::{Context, RawWaker, RawWakerVTable, Waker};

use futures::future::poll_fn;
use tokio::sync::broadcast;

struct Inner {
    name: &'static str,
    lock: Arc<Mutex<()>>,
    task: Waker,
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

unsafe fn clone(p: *const ()) -> RawWaker {
    let inner = ManuallyDrop::new(Arc::from_raw(p as *const Inner));
    println!("{} cloned", inner.name);
    let again: Arc<Inner> = Arc::clone(&inner);
    RawWaker::new(Arc::into_raw(again) as *const (), &VTABLE)
}

unsafe fn wake(p: *const ()) {
    let inner = Arc::from_raw(p as *const Inner);
    println!("{} woke", inner.name);
    drop(inner.lock.lock().unwrap());
    inner.task.wake_by_ref();
}

unsafe fn wake_by_ref(p: *const ()) {
    let inner = ManuallyDrop::new(Arc::from_raw(p as *const Inner));
    println!("{} by_ref", inner.name);
    inner.task.wake_by_ref();
}

unsafe fn drop_waker(p: *const ()) {
    let inner = Arc::from_raw(p as *const Inner);
    println!("{} dropped", inner.name);
}

// The task's own handle on its waker is never dropped (the DSL's task
// waker is the executor's to keep): only the clones a primitive makes print.
fn printing_waker(name: &'static str, lock: Arc<Mutex<()>>, task: Waker) -> ManuallyDrop<Waker> {
    let inner = Arc::new(Inner { name, lock, task });
    let raw = RawWaker::new(Arc::into_raw(inner) as *const (), &VTABLE);
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

async fn recv_with(rx: &mut broadcast::Receiver<u32>, name: &'static str, lock: Arc<Mutex<()>>) -> u32 {
    let mut fut = Box::pin(rx.recv());
    let mut w: Option<ManuallyDrop<Waker>> = None;
    let got = poll_fn(|cx| {
        let w = w.get_or_insert_with(|| printing_waker(name, lock.clone(), cx.waker().clone()));
        let mut cx2 = Context::from_waker(&**w);
        fut.as_mut().poll(&mut cx2)
    })
    .await;
    got.unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "released".into());
    let m = Arc::new(Mutex::new(()));
    let (tx, mut rx_a) = broadcast::channel::<u32>(4);
    let mut rx_c = tx.subscribe();
    let ma = m.clone();
    let a = tokio::spawn(async move {
        tokio::task::yield_now().await;
        assert_eq!(recv_with(&mut rx_a, "a", ma).await, 7);
        println!("a got");
    });
    let mc = m.clone();
    let c = tokio::spawn(async move {
        assert_eq!(recv_with(&mut rx_c, "c", mc).await, 7);
        println!("c got");
    });
    let sender = tokio::spawn(async move {
        tokio::task::yield_now().await;
        if mode == "held" {
            let guard = m.lock().unwrap();
            tx.send(7).unwrap();
            drop(guard);
        } else {
            tx.send(7).unwrap();
        }
    });
    let _ = sender.await;
    let _ = a.await;
    let _ = c.await;
}
