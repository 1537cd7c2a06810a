//! The async client against the emulator over real HTTP: the kit's emulator suite, then what
//! only this client has (cancellation by dropping a future, tasks).
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_core::Stream;
use workspace_async::{Client, Query};
use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};
use workspace_testkit::setup;

workspace_testkit::emulator_suite!(workspace_testkit::Async);

fn client(emu: &Emulator) -> Client {
    Client::new(setup::options(emu).build().unwrap()).unwrap()
}

/// Polls a stream to its end without a helper crate.
async fn collect<S: Stream + Unpin>(mut s: S) -> Vec<S::Item> {
    let mut out = Vec::new();
    while let Some(x) = std::future::poll_fn(|cx| Pin::new(&mut s).poll_next(cx)).await {
        out.push(x);
    }
    out
}

#[tokio::test]
async fn dropping_the_future_cancels_the_call() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_secs(3600)), 1)]);
    let c = client(&emu);
    let query = Query::new();
    let mut call = Box::pin(c.send(&query));
    // The call runs until its request is with the emulator (whose answer comes an hour later),
    // then is dropped. Polled, not slept on: the bound only ends a test that would otherwise
    // never end.
    let bound = Instant::now() + Duration::from_secs(60);
    while emu.stats().requests == 0 {
        assert!(Instant::now() < bound, "the request never reached the emulator");
        tokio::select! {
            outcome = &mut call => panic!("the call ended before its delayed answer: {outcome:?}"),
            () = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
    }
    drop(call);
    // The emulator sees the client go away before its delayed answer.
    while emu.stats().abandoned == 0 {
        assert!(Instant::now() < bound, "the emulator never saw the request abandoned");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emu.stats().abandoned, 1);
    // The client is still usable; the next request is answered normally.
    assert_eq!(c.send(&Query::new()).await.unwrap().total_count(), Some(5));
    assert_eq!(emu.stats().abandoned, 1);
}

#[tokio::test]
async fn pages_can_move_into_a_task() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_static<T: 'static>(_: &T) {}
    let emu = Emulator::start(EmulatorConfig::default().desktops(40)).unwrap();
    let c = client(&emu);
    let pages = c.pages(&Query::new().limit(7));
    assert_send(&pages);
    assert_static(&pages);
    let query = Query::new();
    let send_future = c.send(&query);
    assert_send(&send_future);
    drop(send_future);
    let count = tokio::spawn(async move { collect(pages).await.len() }).await.unwrap();
    assert_eq!(count, 8, "pages of 7 overlapping by 2: 40 desktops in 8 pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_many_concurrent_tasks_lose_and_repeat_nothing() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500)).unwrap();
    let expected: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let client = Client::builder(setup::options(&emu).build().unwrap()).build().unwrap();
    let end = Instant::now() + Duration::from_secs(2);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (client, expected) = (client.clone(), expected.clone());
            tokio::spawn(async move {
                let mut reads = 0u64;
                while Instant::now() < end && reads < 200 {
                    let mut items = client.items(&Query::new().limit([50, 100, 333, 2000][i % 4]));
                    let mut ids = Vec::new();
                    while let Some(d) = items.next().await {
                        ids.push(d.unwrap().desktop_id.unwrap());
                    }
                    assert_eq!(ids.len(), expected.len(), "nothing lost or repeated");
                    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let mut reads = 0;
    for t in tasks {
        reads += t.await.expect("no panic");
    }
    assert!(reads >= 16);
    eprintln!("load: {reads} full reads of 1,500 desktops by 16 tasks, {} requests", emu.stats().requests);
}
