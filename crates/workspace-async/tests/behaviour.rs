//! The behavioural suite, run through the async client.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
#[macro_use]
mod scenarios;

use scenarios::{Observed, Operation, scenarios};
use workspace_async::Page;

#[tokio::test]
async fn the_async_client_passes_every_scenario() {
    for s in scenarios() {
        let (client, transport, clock) = replay_client!(workspace_async, s);
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
