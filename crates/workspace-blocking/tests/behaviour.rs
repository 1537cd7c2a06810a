//! The behavioural suite, run through the blocking client.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
#[macro_use]
mod scenarios;

use scenarios::{Observed, Operation, scenarios};

#[test]
fn the_blocking_client_passes_every_scenario() {
    for s in scenarios() {
        let (client, transport, clock) = replay_client!(workspace_blocking, s);
        let results = match s.operation {
            Operation::Send { .. } => vec![client.send(&s.query())],
            Operation::Pages { .. } => client.pages(&s.query()).collect(),
        };
        let observed = Observed::new(transport.requests(), clock.sleeps(), results);
        s.check(&observed).unwrap_or_else(|e| panic!("{e}"));
    }
}
