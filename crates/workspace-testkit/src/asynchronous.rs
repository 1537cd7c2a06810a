//! The `Async` driver: `workspace-async`, each future run to completion on a current-thread
//! tokio runtime the driver owns.

use std::time::Duration;

use tokio::runtime::Runtime;
use workspace_async::{Client, Items, Pages, Watcher};
use workspace_core::op::{ItemsOp, PagesOp, WatchOp};
use workspace_core::test_util::{Replay, VirtualClock};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{ClientOptions, Error, Page, Query, StatusCounts, Transition};

use crate::driver::{Driver, FleetRun, Listing, SleepHook, StubTransport, Watch};

/// The async client, on its own current-thread runtime.
#[derive(Debug)]
pub struct Async {
    runtime: Runtime,
}

impl Async {
    /// Runs `future` to completion on the driver's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// A stream of the async client, as an iterator on the driver's runtime.
struct Blocked<'a, S> {
    driver: &'a Async,
    stream: S,
}

impl Iterator for Blocked<'_, Pages> {
    type Item = Result<Page, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.driver.block_on(self.stream.next())
    }
}

impl Iterator for Blocked<'_, Items> {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.driver.block_on(self.stream.next())
    }
}

impl Watch for Blocked<'_, Watcher> {
    fn next(&mut self) -> Option<Result<Transition, Error>> {
        self.driver.block_on(self.stream.next())
    }

    fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        self.driver.block_on(self.stream.poll())
    }

    fn polls(&self) -> u64 {
        WatchOp::polls(&self.stream)
    }
}

impl Listing for Blocked<'_, Pages> {
    fn offset(&self) -> u32 {
        PagesOp::offset(&self.stream)
    }

    fn total_count(&self) -> Option<u64> {
        PagesOp::total_count(&self.stream)
    }
}

impl Listing for Blocked<'_, Items> {
    fn offset(&self) -> u32 {
        ItemsOp::offset(&self.stream)
    }

    fn total_count(&self) -> Option<u64> {
        ItemsOp::total_count(&self.stream)
    }
}

impl Driver for Async {
    type Client = Client;

    const NAME: &'static str = "async";

    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        Self { runtime }
    }

    fn client(&self, options: ClientOptions) -> Result<Client, Error> {
        Client::new(options)
    }

    fn replay_client(&self, options: ClientOptions, replay: &Replay, clock: Option<&VirtualClock>) -> Client {
        let builder = Client::builder(options).transport(replay.clone());
        let builder = match clock {
            Some(clock) => builder.sleep(clock.clone()),
            None => builder.sleep(|_| std::future::ready(())),
        };
        builder.build().expect("a replayed client")
    }

    fn client_with_sleep(&self, options: ClientOptions, sleep: SleepHook) -> Client {
        Client::builder(options)
            .sleep(move |d| {
                sleep(d);
                std::future::ready(())
            })
            .build()
            .expect("a client")
    }

    fn client_with_transport(&self, options: ClientOptions, transport: StubTransport) -> Client {
        Client::builder(options)
            .transport(move |r| std::future::ready(transport(r)))
            .sleep(|_| std::future::ready(()))
            .build()
            .expect("a client")
    }

    fn send(&self, client: &Client, query: &Query) -> Result<Page, Error> {
        self.block_on(client.send(query))
    }

    fn pages<'a>(&'a self, client: &Client, query: &Query) -> Box<dyn Listing<Item = Result<Page, Error>> + 'a> {
        Box::new(Blocked { driver: self, stream: client.pages(query) })
    }

    fn items<'a>(
        &'a self,
        client: &Client,
        query: &Query,
    ) -> Box<dyn Listing<Item = Result<ConnectDesktopsInfo, Error>> + 'a> {
        Box::new(Blocked { driver: self, stream: client.items(query) })
    }

    fn read_fleet(&self, client: &Client, query: &Query) -> FleetRun {
        let mut items = client.read_fleet(query);
        let results = self.block_on(async {
            let mut results = Vec::new();
            while let Some(r) = items.next().await {
                results.push(r);
            }
            results
        });
        FleetRun { results, requests: items.requests(), report: items.report() }
    }

    fn count_by_status(&self, client: &Client, query: &Query) -> Result<StatusCounts, Error> {
        self.block_on(client.count_by_status(query))
    }

    fn watch<'a>(
        &'a self,
        client: &Client,
        query: &Query,
        interval: Duration,
        max_polls: Option<u64>,
    ) -> Box<dyn Watch + 'a> {
        let watcher = client.watch(query, interval);
        let stream = match max_polls {
            Some(n) => watcher.max_polls(n),
            None => watcher,
        };
        Box::new(Blocked { driver: self, stream })
    }
}
