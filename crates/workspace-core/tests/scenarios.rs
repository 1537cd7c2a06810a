//! The behavioural suite, driven by hand over the sans-IO core: the reference the clients match.
#![allow(clippy::unwrap_used)]

use workspace_core::ClientCore;
use workspace_core::op::{Operation as Op, PagesOp, SendOp, Step};
use workspace_core::test_util::{Replay, VirtualClock};
use workspace_testkit::scenarios::{JITTER_SEED, Observed, Operation, scenarios, start_time};

/// Every output of `op`, sending one request at a time through `replay`.
fn drive<O: Op>(mut op: O, replay: &Replay, clock: &VirtualClock) -> Vec<O::Output> {
    let mut out = Vec::new();
    loop {
        match op.step(clock.now()) {
            Step::Send(ticket, r) => op.complete(ticket, replay.respond(r), clock.now()).unwrap(),
            Step::Sleep(d) => clock.sleep(d),
            Step::Yield(item) => out.push(item),
            Step::Await => panic!("nothing is in flight"),
            Step::Done => return out,
        }
    }
}

#[test]
fn the_core_passes_every_scenario() {
    for s in scenarios() {
        let replay = Replay::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let core = ClientCore::new(s.options().to_builder().jitter_seed(JITTER_SEED).build().unwrap());
        let results = match s.operation {
            Operation::Send { .. } => drive(SendOp::new(&core, &s.query()), &replay, &clock),
            Operation::Pages { .. } => drive(PagesOp::new(&core, &s.query()), &replay, &clock),
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
