//! The behavioural suite, run through the async client.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
#[macro_use]
mod scenarios;

use scenarios::{Observed, Operation, scenarios};

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
