//! The `Blocking` driver: `workspace-blocking`, called as it is.

use std::time::Duration;

use workspace_blocking::{Client, Items, Pages, Watcher};
use workspace_core::op::{ItemsOp, PagesOp, WatchOp};
use workspace_core::test_util::{Replay, VirtualClock};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{ClientOptions, Error, Page, Query, StatusCounts, Transition};

use crate::driver::{Driver, FleetRun, Listing, SleepHook, StubTransport, Watch};

/// The blocking client.
#[derive(Clone, Copy, Debug, Default)]
pub struct Blocking;

impl Driver for Blocking {
    type Client = Client;

    const NAME: &'static str = "blocking";

    fn new() -> Self {
        Self
    }

    fn client(&self, options: ClientOptions) -> Result<Client, Error> {
        Client::new(options)
    }

    fn replay_client(&self, options: ClientOptions, replay: &Replay, clock: Option<&VirtualClock>) -> Client {
        let builder = Client::builder(options).transport(replay.clone());
        let builder = match clock {
            Some(clock) => builder.sleep(clock.clone()),
            None => builder.sleep(|_| {}),
        };
        builder.build().expect("a replayed client")
    }

    fn client_with_sleep(&self, options: ClientOptions, sleep: SleepHook) -> Client {
        Client::builder(options).sleep(move |d| sleep(d)).build().expect("a client")
    }

    fn client_with_transport(&self, options: ClientOptions, transport: StubTransport) -> Client {
        Client::builder(options).transport(move |r| transport(r)).sleep(|_| {}).build().expect("a client")
    }

    fn send(&self, client: &Client, query: &Query) -> Result<Page, Error> {
        client.send(query)
    }

    fn pages<'a>(&'a self, client: &Client, query: &Query) -> Box<dyn Listing<Item = Result<Page, Error>> + 'a> {
        Box::new(client.pages(query))
    }

    fn items<'a>(
        &'a self,
        client: &Client,
        query: &Query,
    ) -> Box<dyn Listing<Item = Result<ConnectDesktopsInfo, Error>> + 'a> {
        Box::new(client.items(query))
    }

    fn read_fleet(&self, client: &Client, query: &Query) -> FleetRun {
        let mut items = client.read_fleet(query);
        let results = items.by_ref().collect();
        FleetRun { results, requests: items.requests(), report: items.report() }
    }

    fn count_by_status(&self, client: &Client, query: &Query) -> Result<StatusCounts, Error> {
        client.count_by_status(query)
    }

    fn watch<'a>(
        &'a self,
        client: &Client,
        query: &Query,
        interval: Duration,
        max_polls: Option<u64>,
    ) -> Box<dyn Watch + 'a> {
        let watcher = client.watch(query, interval);
        Box::new(match max_polls {
            Some(n) => watcher.max_polls(n),
            None => watcher,
        })
    }
}

impl Watch for Watcher {
    fn next(&mut self) -> Option<Result<Transition, Error>> {
        Iterator::next(self)
    }

    fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        Watcher::poll(self)
    }

    fn polls(&self) -> u64 {
        WatchOp::polls(self)
    }
}

impl Listing for Pages {
    fn offset(&self) -> u32 {
        PagesOp::offset(self)
    }

    fn total_count(&self) -> Option<u64> {
        PagesOp::total_count(self)
    }
}

impl Listing for Items {
    fn offset(&self) -> u32 {
        ItemsOp::offset(self)
    }

    fn total_count(&self) -> Option<u64> {
        ItemsOp::total_count(self)
    }
}
