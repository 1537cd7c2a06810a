//! Configuration end to end: credentials from the environment, project discovery, failover.
#![allow(clippy::unwrap_used)]

use workspace_blocking::{Client, RetryPolicy};
use workspace_blocking::{ClientOptions, Query};
use workspace_config::{ConfigLoader, MapEnvironment};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig};

#[test]
fn only_ak_sk_and_a_region_are_enough() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    let env = MapEnvironment::new()
        .var("HUAWEICLOUD_SDK_AK", DEMO_AK)
        .var("HUAWEICLOUD_SDK_SK", DEMO_SK)
        .var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", &emu.base_url())
        .var("HUAWEICLOUD_SDK_IAM_ENDPOINT", &emu.base_url());
    let options =
        ConfigLoader::with_environment(env).load(ClientOptions::builder().region("cn-north-4")).unwrap().into_options();
    let client = Client::builder(options).build().unwrap();
    assert_eq!(client.core().project_id(), None, "not known before the first call");
    let n = client.items(&Query::new()).count();
    assert_eq!(n, 30);
    assert_eq!(client.core().project_id().unwrap().as_str(), emu.project_id());
    // One discovery, then one page.
    assert_eq!(emu.stats().pages_served, 1);
}

#[test]
fn an_unreachable_endpoint_fails_over_and_the_next_call_starts_with_the_good_one() {
    let dead = Emulator::start(EmulatorConfig::default()).unwrap();
    let dead_url = dead.base_url();
    dead.stop();
    let live = Emulator::start(EmulatorConfig::default().desktops(12)).unwrap();
    let env = MapEnvironment::new()
        .var("HUAWEICLOUD_SDK_AK", DEMO_AK)
        .var("HUAWEICLOUD_SDK_SK", DEMO_SK)
        .var("HUAWEICLOUD_SDK_PROJECT_ID", live.project_id())
        .var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", &format!("{dead_url},{}", live.base_url()));
    let explicit = ClientOptions::builder().region("cn-north-4").retry_policy(RetryPolicy::disabled());
    let client = Client::new(ConfigLoader::with_environment(env).load(explicit).unwrap().into_options()).unwrap();
    assert_eq!(client.send(&Query::new()).unwrap().total_count(), Some(12));
    assert_eq!(client.send(&Query::new()).unwrap().total_count(), Some(12));
    assert_eq!(live.stats().requests, 2);
}
