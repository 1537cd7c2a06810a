//! Fleet-scale reads against the emulator through the async client: the kit's fleet suite, then
//! what only a stream has (a read left unfinished by a cancelled `next()`).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use workspace_async::{Client, Query};
use workspace_emulator::{Emulator, EmulatorConfig};
use workspace_testkit::setup;

workspace_testkit::fleet_suite!(workspace_testkit::Async);

#[tokio::test]
async fn a_manual_poll_replaces_a_read_the_stream_left_unfinished() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    emu.set_latency(Duration::from_millis(200));
    let naps = Arc::new(AtomicUsize::new(0));
    let counted = naps.clone();
    let client = Client::builder(setup::options(&emu).build().unwrap())
        .sleep(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            async {}
        })
        .build()
        .unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_secs(60)).max_polls(2);
    // `next()` is polled once, starts the baseline read (answered 200 ms later) and is dropped.
    tokio::select! {
        biased;
        _ = watcher.next() => panic!("the read cannot be answered before the emulator's latency"),
        () = std::future::ready(()) => {}
    }
    assert!(watcher.poll().await.unwrap().unwrap().is_empty(), "the baseline, read afresh");
    assert!(watcher.next().await.is_none(), "one wait, the second read, no change");
    assert_eq!((watcher.polls(), naps.load(Ordering::SeqCst)), (2, 1));
}
