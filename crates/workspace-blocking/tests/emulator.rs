//! The blocking client against the emulator over real HTTP: the kit's emulator suite, then what
//! only this client has (threads sharing a client, ureq agents).
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use workspace_blocking::{Client, Query, UreqTransport};
use workspace_emulator::{Emulator, EmulatorConfig};
use workspace_testkit::{privacy, setup};

workspace_testkit::emulator_suite!(workspace_testkit::Blocking);

#[test]
fn the_client_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
    let emu = Emulator::start(EmulatorConfig::default().desktops(50)).unwrap();
    let c = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.items(&Query::new().limit(7)).count())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 50);
    }
}

#[test]
fn load_many_concurrent_readers_lose_and_repeat_nothing() {
    let emu = Arc::new(Emulator::start(EmulatorConfig::default().desktops(1500)).unwrap());
    let expected: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let client = Client::builder(setup::options(&emu).build().unwrap()).build().unwrap();
    let end = Instant::now() + Duration::from_secs(2);
    let readers: Vec<_> = (0..6)
        .map(|i| {
            let (client, expected) = (client.clone(), expected.clone());
            std::thread::spawn(move || {
                let mut reads = 0u64;
                // Bounded in time and count.
                while Instant::now() < end && reads < 200 {
                    let ids: Vec<String> = client
                        .items(&Query::new().limit([50, 100, 333, 2000][i % 4]))
                        .map(|d| d.unwrap().desktop_id.unwrap())
                        .collect();
                    assert_eq!(ids.len(), expected.len(), "nothing lost or repeated");
                    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let reads: u64 = readers.into_iter().map(|r| r.join().expect("no panic")).sum();
    assert!(reads >= 6);
    eprintln!("load: {reads} full reads of 1,500 desktops by 6 threads, {} requests", emu.stats().requests);
}

#[test]
fn an_agent_that_refuses_http_shows_no_user_name() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().https_only(true).build());
    let options = setup::options(&emu).retry_policy(workspace_blocking::RetryPolicy::disabled()).build().unwrap();
    let client = Client::builder(options).transport(UreqTransport::from_agent(agent)).build().unwrap();
    privacy::check_texts("an https-only agent", client.send(&privacy::marked_query())).unwrap();
}
