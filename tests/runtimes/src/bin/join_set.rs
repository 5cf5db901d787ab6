// tokio::task::JoinSet (tokio 1.24.2 src/task/join_set.rs): by mode,
// - `order`: a is spawned first but waits for `go`, which main sends only
//   once it has joined b: join_next yields b, then a (completion order, not
//   spawn order), then None (b done, joined b, a done, joined a, none);
// - `hang`: the task in the set waits for a oneshot main sends only after
//   join_next returns: main waits for the set, the set's task for main. It
//   hangs;
// - `drop`: the task in the set waits for good; main drops the set, which
//   aborts it: its future is dropped with the Sender it holds, and main's
//   receiver sees RecvError (cancelled).
// DSL twin: tests/test_runtimes.py join_set: ok, deadlock, ok.
use tokio::sync::oneshot;
use tokio::task::JoinSet;

async fn order() {
    let mut set = JoinSet::new();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    set.spawn(async move {
        go_rx.await.unwrap();
        println!("a done");
        "a"
    });
    set.spawn(async {
        println!("b done");
        "b"
    });
    let mut go = Some(go_tx);
    while let Some(res) = set.join_next().await {
        if res.unwrap() == "a" {
            println!("joined a");
        } else {
            println!("joined b");
            go.take().unwrap().send(()).unwrap();
        }
    }
    println!("none");
}

async fn hang() {
    let mut set = JoinSet::new();
    let (tx, rx) = oneshot::channel::<()>();
    set.spawn(async move {
        rx.await.unwrap();
    });
    set.join_next().await; // the task waits for tx, sent below
    tx.send(()).unwrap();
    println!("joined");
}

async fn drop_set() {
    let mut set = JoinSet::new();
    let (never_tx, never_rx) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    set.spawn(async move {
        let _guard = done_tx; // dropped with the future
        let _ = never_rx.await;
    });
    tokio::task::yield_now().await; // the task runs and waits
    drop(set);
    if done_rx.await.is_err() {
        println!("cancelled");
    }
    drop(never_tx);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    wakebench_runtimes::watchdog(2);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "order".into());
    match mode.as_str() {
        "order" => order().await,
        "hang" => hang().await,
        _ => drop_set().await,
    }
}
