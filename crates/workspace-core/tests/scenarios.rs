//! The behavioural suite, driven by hand over the sans-IO core: the reference the clients match.
#![allow(clippy::unwrap_used)]

use workspace_core::test_util::{JITTER_SEED, Observed, Operation, Replay, VirtualClock, scenarios, start_time};
use workspace_core::{Action, ClientCore, Error, Page, Pager};
use workspace_types::ListDesktopsConnectStatusRequest;

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
            _ => unreachable!(),
        }
    }
}

#[test]
fn the_core_passes_every_scenario() {
    for s in scenarios() {
        let replay = Replay::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let core = s.options().build().unwrap();
        let (mut pages, mut error) = (Vec::new(), None);
        match s.operation {
            Operation::Send { .. } => match call(&core, &replay, &clock, s.request()) {
                Ok(p) => pages.push(p),
                Err(e) => error = Some(e),
            },
            Operation::Pages { max_items, .. } => {
                let mut pager = Pager::new(s.request(), core.profile().clone()).max_items(max_items);
                while let Some(next) = pager.next_request() {
                    let result = next.and_then(|r| call(&core, &replay, &clock, r));
                    match pager.on_result(result) {
                        Ok(p) => pages.push(p),
                        Err(e) => error = Some(e),
                    }
                }
            }
        }
        let observed = Observed { requests: replay.requests(), sleeps: clock.sleeps(), pages, error };
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
