//! The behavioural suite, driven by hand over the sans-IO core: the reference the clients match.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/scenarios.rs"]
#[allow(dead_code, unreachable_pub)]
mod scenarios;

use scenarios::{JITTER_SEED, Observed, Operation, scenarios, start_time};
use workspace_core::test_util::{Replay, VirtualClock};
use workspace_core::types::ListDesktopsConnectStatusRequest;
use workspace_core::{Action, ClientCore, Error, Page};

fn call(
    core: &ClientCore,
    replay: &Replay,
    clock: &VirtualClock,
    req: ListDesktopsConnectStatusRequest,
) -> Result<Page, Error> {
    let mut call = core.call(req, JITTER_SEED);
    loop {
        match call.poll(clock.now()) {
            Action::Send(r) => call.handle(replay.respond(r), clock.now()),
            Action::Sleep(d) => clock.sleep(d),
            Action::Done(result) => return result,
        }
    }
}

#[test]
fn the_core_passes_every_scenario() {
    for s in scenarios() {
        let replay = Replay::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let core = ClientCore::new(s.options());
        let results = match s.operation {
            Operation::Send { .. } => vec![s.query().request().and_then(|r| call(&core, &replay, &clock, r))],
            Operation::Pages { .. } => {
                let mut pager = s.query().pager(&core);
                let mut results = Vec::new();
                while let Some(next) = pager.next_request() {
                    results.push(pager.on_result(next.and_then(|r| call(&core, &replay, &clock, r))));
                }
                results
            }
        };
        let observed = Observed::new(replay.requests(), clock.sleeps(), results);
        s.check(&observed).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_checks_can_fail() {
    let all = scenarios();
    assert!(all.len() >= 30, "{} scenarios", all.len());
    for s in &all {
        let nothing = Observed { requests: vec![], sleeps: vec![], pages: vec![], error: None };
        assert!(s.check(&nothing).is_err(), "{} accepts a client that did nothing", s.name);
    }
}
