//! The behavioural suite, run through the async client.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
mod scenarios;

use scenarios::{JITTER_SEED, Observed, Operation, scenarios, start_time};
use workspace_async::{Client, Page, ReplayTransport};
use workspace_core::test_util::VirtualClock;

#[tokio::test]
async fn the_async_client_passes_every_scenario() {
    for s in scenarios() {
        let transport = ReplayTransport::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let now = clock.clone();
        let client = Client::builder(s.options())
            .transport(transport.clone())
            .clock(move || now.now())
            .sleep(clock.clone())
            .jitter_seed(JITTER_SEED)
            .build()
            .unwrap();
        let (pages, error): (Vec<Page>, Option<workspace_async::Error>) = match s.operation {
            Operation::Send { .. } => match client.send(&s.query()).await {
                Ok(p) => (vec![p], None),
                Err(e) => (vec![], Some(e)),
            },
            Operation::Pages { .. } => {
                let (mut pages, mut error) = (Vec::new(), None);
                let mut stream = client.pages(&s.query());
                while let Some(p) = stream.next().await {
                    match p {
                        Ok(p) => pages.push(p),
                        Err(e) => error = Some(e),
                    }
                }
                (pages, error)
            }
        };
        let observed = Observed { requests: transport.requests(), sleeps: clock.sleeps(), pages, error };
        s.check(&observed).unwrap_or_else(|e| panic!("{e}"));
    }
}
