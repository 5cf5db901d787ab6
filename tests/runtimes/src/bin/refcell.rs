// A RefCell shared by two tasks on one thread (a LocalSet: Rc<RefCell> is
// !Send). `a` takes a shared borrow, then awaits; `b` runs meanwhile and
// takes borrow_mut.
//   held: a's Ref lives across the await: b's borrow_mut panics ("already
//     borrowed: BorrowMutError"); tokio catches it (the task ends,
//     JoinError::Panic), a goes on; main unwraps b's JoinHandle: exit 101;
//   scoped: a drops its Ref before the await: b borrows, both finish.
// Argument: held|scoped.
// DSL twin: refcell_await in tests/test_runtimes.py.
use std::cell::RefCell;
use std::rc::Rc;

fn main() {
    wakebench_runtimes::watchdog(2);
    let held = std::env::args().nth(1).map(|s| s == "held").unwrap_or(true);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let cell = Rc::new(RefCell::new(0u32));
        let c1 = cell.clone();
        let a = tokio::task::spawn_local(async move {
            if held {
                let r = c1.borrow();
                tokio::task::yield_now().await; // b runs while the Ref is held
                drop(r);
            } else {
                {
                    let _r = c1.borrow();
                }
                tokio::task::yield_now().await;
            }
            println!("a done");
        });
        let c2 = cell.clone();
        let b = tokio::task::spawn_local(async move {
            {
                let mut w = c2.borrow_mut();
                *w += 1;
            }
            println!("b done");
        });
        a.await.unwrap();
        b.await.unwrap();
    });
}
