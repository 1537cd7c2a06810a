//! Configuration end to end: credentials from the environment, project discovery, failover.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use workspace_async::{Client, Query};
use workspace_emulator::{Emulator, EmulatorConfig};

#[tokio::test]
async fn only_ak_sk_and_a_region_are_enough() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    let client = Client::new(setup::options_from_environment(&emu)).unwrap();
    assert_eq!(client.project_id(), None, "not known before the first call");
    let mut items = client.items(&Query::new());
    let mut n = 0;
    while let Some(d) = items.next().await {
        d.unwrap();
        n += 1;
    }
    assert_eq!(n, 30);
    assert_eq!(client.project_id().unwrap().as_str(), emu.project_id());
    // One discovery, then one page.
    assert_eq!(emu.stats().pages_served, 1);
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_over_and_the_next_call_starts_with_the_good_one() {
    let dead = setup::dead_url();
    let live = Emulator::start(EmulatorConfig::default().desktops(12)).unwrap();
    let client = Client::new(setup::options_failing_over(&dead, &live)).unwrap();
    for _ in 0..2 {
        assert_eq!(client.send(&Query::new()).await.unwrap().total_count(), Some(12));
    }
    assert_eq!(live.stats().requests, 2);
}
