//! The behavioural suite, run through the async client.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
#[macro_use]
mod scenarios;

use scenarios::{Observed, Operation, scenarios};
use workspace_core::test_util::Scripted;

#[tokio::test]
async fn the_async_client_passes_every_scenario() {
    for s in scenarios() {
        let (client, transport, clock) = replay_client!(workspace_async, s);
        let results = match s.operation {
            Operation::Send { .. } => vec![client.send(&s.query()).await],
            Operation::Pages { .. } => {
                let (mut pages, mut results) = (client.pages(&s.query()), Vec::new());
                while let Some(page) = pages.next().await {
                    results.push(page);
                }
                results
            }
        };
        let observed = Observed::new(transport.requests(), clock.sleeps(), results);
        s.check(&observed).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn a_failed_read_yields_its_error_once_after_the_released_desktops_and_sends_no_more() {
    // The probe reads 100 of 500; the next pages all fail with a permanent error.
    let script =
        [Scripted::page(0, 100, 500)].into_iter().chain(std::iter::repeat_n(Scripted::error(403, "WKS.0001"), 4));
    let transport = workspace_async::ReplayTransport::new(script);
    let client = workspace_async::Client::builder(scenarios::replay_options())
        .transport(transport.clone())
        .sleep(|_| async {})
        .build()
        .unwrap();
    let mut items = client.read_fleet(&workspace_async::Query::new().limit(100));
    let mut results = Vec::new();
    while let Some(result) = items.next().await {
        results.push(result);
    }
    assert_eq!(results.len(), 101, "the probe's desktops, then the error, once");
    assert!(results[..100].iter().all(Result::is_ok));
    assert_eq!(results[100].as_ref().unwrap_err().status().map(|s| s.as_u16()), Some(403));
    // A sliding window of `concurrency` (4) pages after the probe: how many of them went out
    // before the first failure came back depends on the scheduler, but nothing after it.
    let sent = transport.requests().len();
    assert!((2..=5).contains(&sent), "{sent} requests");
}
