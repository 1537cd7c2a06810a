//! The behavioural suite of `workspace-core`, run through the async client.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use workspace_async::{AsyncClient, AsyncSleep, Page, ReplayTransport, async_trait};
use workspace_core::test_util::{JITTER_SEED, Observed, Operation, VirtualClock, scenarios, start_time};

/// Sleeping moves the virtual clock on, at once.
#[derive(Debug)]
struct VirtualSleep(VirtualClock);

#[async_trait]
impl AsyncSleep for VirtualSleep {
    async fn sleep(&self, d: Duration) {
        self.0.sleep(d);
    }
}

#[tokio::test]
async fn the_async_client_passes_every_scenario() {
    for s in scenarios() {
        let transport = ReplayTransport::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let now = clock.clone();
        let client = AsyncClient::builder()
            .options(s.options())
            .transport(transport.clone())
            .clock(move || now.now())
            .sleep(VirtualSleep(clock.clone()))
            .jitter_seed(JITTER_SEED)
            .build()
            .unwrap();
        let list = || client.list_desktops_connect_status().query(s.request().to_builder());
        let (pages, error): (Vec<Page>, Option<workspace_async::Error>) = match s.operation {
            Operation::Send { .. } => match list().send().await {
                Ok(p) => (vec![p], None),
                Err(e) => (vec![], Some(e)),
            },
            Operation::Pages { max_items, .. } => {
                let mut l = list();
                if let Some(m) = max_items {
                    l = l.max_items(m);
                }
                let (mut pages, mut error) = (Vec::new(), None);
                let mut stream = l.pages();
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
