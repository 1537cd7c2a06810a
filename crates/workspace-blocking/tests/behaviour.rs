//! The behavioural suite, run through the blocking client.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
#[macro_use]
mod scenarios;

use scenarios::{Observed, Operation, scenarios};
use workspace_blocking::Page;

#[test]
fn the_blocking_client_passes_every_scenario() {
    for s in scenarios() {
        let (client, transport, clock) = replay_client!(workspace_blocking, s);
        let (pages, error): (Vec<Page>, Option<workspace_blocking::Error>) = match s.operation {
            Operation::Send { .. } => match client.send(&s.query()) {
                Ok(p) => (vec![p], None),
                Err(e) => (vec![], Some(e)),
            },
            Operation::Pages { .. } => {
                let (mut pages, mut error) = (Vec::new(), None);
                for p in client.pages(&s.query()) {
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
