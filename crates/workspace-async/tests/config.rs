//! Configuration end to end: credentials from the environment, project discovery, failover.
#![allow(clippy::unwrap_used)]

use workspace_async::{Client, Credentials, RetryPolicy};
use workspace_async::{ClientOptions, Query};
use workspace_config::{ConfigLoader, MapEnvironment};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig};

#[tokio::test]
async fn only_ak_sk_and_a_region_are_enough() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    let env = MapEnvironment::new()
        .var("HUAWEICLOUD_SDK_AK", DEMO_AK)
        .var("HUAWEICLOUD_SDK_SK", DEMO_SK)
        .var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", &emu.base_url())
        .var("HUAWEICLOUD_SDK_IAM_ENDPOINT", &emu.base_url());
    let options =
        ConfigLoader::with_environment(env).load(ClientOptions::builder().region("cn-north-4")).unwrap().into_options();
    let client = Client::builder(options).build().unwrap();
    let mut items = client.items(&Query::new());
    let mut n = 0;
    while let Some(d) = items.next().await {
        d.unwrap();
        n += 1;
    }
    assert_eq!(n, 30);
    assert_eq!(client.core().project_id().unwrap().as_str(), emu.project_id());
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_over() {
    let dead = Emulator::start(EmulatorConfig::default()).unwrap();
    let dead_url = dead.base_url();
    dead.stop();
    let live = Emulator::start(EmulatorConfig::default().desktops(12)).unwrap();
    let client = Client::builder(
        ClientOptions::builder()
            .endpoint(dead_url)
            .fallback_endpoints([live.base_url()])
            .project_id(live.project_id())
            .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK).unwrap())
            .retry_policy(RetryPolicy::disabled())
            .build()
            .unwrap(),
    )
    .build()
    .unwrap();
    assert_eq!(client.send(&Query::new()).await.unwrap().total_count(), Some(12));
}
