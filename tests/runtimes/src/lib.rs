//! What every program of the pairs shares: a watchdog that ends a hung
//! program with a known exit code, so a deadlock is an outcome, not a hang
//! of the test suite.

use std::time::Duration;

/// Exit code of a program its watchdog stopped: it hung.
pub const HUNG: i32 = 3;

/// Start the watchdog: after `secs` seconds the process exits with HUNG.
/// A program that finishes first exits 0 (a panic exits 101).
pub fn watchdog(secs: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(secs));
        println!("watchdog: no progress in {} s", secs);
        std::process::exit(HUNG);
    });
}

/// A user-defined waker written as a `RawWakerVTable` (std
/// core/src/task/wake.rs), the twin of `s.waker(wake=, wake_by_ref=,
/// clone=, drop=)`: each function prints its name (`cloned`, `woke`,
/// `by_ref`, `dropped`), and the ones named in `locks` take `m` around the
/// print, as a program `[m.lock(), ops.print(..), m.unlock()]` does. Its
/// wakes wake the task that polls the future wrapped (`PollWith`).
pub mod custom_waker {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

    /// Which functions take the mutex.
    #[derive(Clone, Copy)]
    pub struct Locks {
        pub wake: bool,
        pub drop: bool,
    }

    struct Data {
        m: Arc<Mutex<()>>,
        locks: Locks,
        task: Waker,
    }

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

    fn say(d: &Data, what: &str, lock: bool) {
        if lock {
            let _g = d.m.lock().unwrap();
            println!("{}", what);
        } else {
            println!("{}", what);
        }
    }

    unsafe fn clone(p: *const ()) -> RawWaker {
        let d = Arc::from_raw(p as *const Data);
        let c = d.clone();
        std::mem::forget(d);
        say(&c, "cloned", false);
        RawWaker::new(Arc::into_raw(c) as *const (), &VTABLE)
    }

    // Waker::wake consumes the waker: `drop` does not run after it.
    unsafe fn wake(p: *const ()) {
        let d = Arc::from_raw(p as *const Data);
        say(&d, "woke", d.locks.wake);
        d.task.wake_by_ref();
    }

    unsafe fn wake_by_ref(p: *const ()) {
        let d = &*(p as *const Data);
        say(d, "by_ref", false);
        d.task.wake_by_ref();
    }

    unsafe fn drop_waker(p: *const ()) {
        let d = Arc::from_raw(p as *const Data);
        say(&d, "dropped", d.locks.drop);
    }

    /// Polls `inner` with the user-defined waker (made at the first poll
    /// from the task's own), as `s.task(..., waker=w)` does. The waker it
    /// holds is never dropped (the twin's task waker runs no `drop`).
    pub struct PollWith<F> {
        inner: F,
        m: Arc<Mutex<()>>,
        locks: Locks,
        waker: Option<Waker>,
    }

    pub fn poll_with<F: Future + Unpin>(inner: F, m: Arc<Mutex<()>>, locks: Locks) -> PollWith<F> {
        PollWith { inner, m, locks, waker: None }
    }

    impl<F: Future + Unpin> Future for PollWith<F> {
        type Output = F::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let this = &mut *self;
            if this.waker.is_none() {
                let d = Arc::new(Data { m: this.m.clone(), locks: this.locks, task: cx.waker().clone() });
                let raw = RawWaker::new(Arc::into_raw(d) as *const (), &VTABLE);
                this.waker = Some(unsafe { Waker::from_raw(raw) });
            }
            let mut c = Context::from_waker(this.waker.as_ref().unwrap());
            Pin::new(&mut this.inner).poll(&mut c)
        }
    }

    impl<F> Drop for PollWith<F> {
        fn drop(&mut self) {
            if let Some(w) = self.waker.take() {
                std::mem::forget(w);
            }
        }
    }
}
