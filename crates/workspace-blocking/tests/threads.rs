//! The blocking client's threads: a request that goes alone is sent on the caller's thread, and a
//! whole read sends on at most `concurrency` threads for its whole life, the caller's included.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use workspace_blocking::{Client, Query, UreqTransport};
use workspace_emulator::{Emulator, EmulatorConfig};

/// A client of `emu` whose transport records the thread of every request it sends.
fn recording(emu: &Emulator, concurrency: usize) -> (Client, Arc<Mutex<Vec<ThreadId>>>) {
    let options = emu.client_options().unwrap().concurrency(concurrency).build().unwrap();
    let ureq = UreqTransport::new(&options).unwrap();
    let threads = Arc::new(Mutex::new(Vec::new()));
    let seen = threads.clone();
    let transport = move |request: http::Request<Vec<u8>>| {
        seen.lock().unwrap().push(std::thread::current().id());
        workspace_blocking::Transport::send(&ureq, request)
    };
    (Client::builder(options).transport(transport).build().unwrap(), threads)
}

#[test]
fn a_lone_request_is_sent_on_the_callers_thread() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(300)).unwrap();
    let (client, threads) = recording(&emu, 8);
    client.send(&Query::new().limit(10)).unwrap();
    assert_eq!(client.pages(&Query::new().limit(50)).count(), 6 + 1, "pages, and the empty one after");
    client.count_by_status(&Query::new()).unwrap();
    let threads = threads.lock().unwrap();
    let here = std::thread::current().id();
    // Paging goes one request at a time, and so does a count until the credentials are proven.
    assert!(threads[..8].iter().all(|t| *t == here), "{threads:?}");
}

#[test]
fn a_whole_read_sends_on_at_most_concurrency_threads() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(6000)).unwrap();
    for concurrency in [1, 3] {
        let (client, threads) = recording(&emu, concurrency);
        assert_eq!(client.read_fleet(&Query::new().limit(100)).filter(Result::is_ok).count(), 6000);
        let threads = threads.lock().unwrap();
        let here = std::thread::current().id();
        let distinct: HashSet<&ThreadId> = threads.iter().collect();
        assert!(threads.len() > 60, "{} requests", threads.len());
        assert!(distinct.len() <= concurrency, "{} threads for concurrency {concurrency}", distinct.len());
        assert!(distinct.contains(&here), "the caller's thread sends its share");
        if concurrency == 1 {
            assert_eq!(distinct.len(), 1, "one at a time: all on the caller's thread");
        }
    }
}
