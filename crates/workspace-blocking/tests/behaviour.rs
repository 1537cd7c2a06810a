//! The behavioural suite of `workspace-core`, run through the blocking client.
#![allow(clippy::unwrap_used)]

use workspace_blocking::{Client, Page, ReplayTransport};
use workspace_core::test_util::{JITTER_SEED, Observed, Operation, VirtualClock, scenarios, start_time};

#[test]
fn the_blocking_client_passes_every_scenario() {
    for s in scenarios() {
        let transport = ReplayTransport::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let (now, sleep) = (clock.clone(), clock.clone());
        let client = Client::builder()
            .options(s.options())
            .transport(transport.clone())
            .clock(move || now.now())
            .sleep(move |d| sleep.sleep(d))
            .jitter_seed(JITTER_SEED)
            .build()
            .unwrap();
        let list = || client.list_desktops_connect_status().query(s.request().to_builder());
        let (pages, error): (Vec<Page>, Option<workspace_blocking::Error>) = match s.operation {
            Operation::Send { .. } => match list().send() {
                Ok(p) => (vec![p], None),
                Err(e) => (vec![], Some(e)),
            },
            Operation::Pages { max_items, .. } => {
                let mut l = list();
                if let Some(m) = max_items {
                    l = l.max_items(m);
                }
                let (mut pages, mut error) = (Vec::new(), None);
                for p in l.pages() {
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
