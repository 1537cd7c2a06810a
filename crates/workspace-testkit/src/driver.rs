//! The `Driver` trait: what the suites ask of a client, synchronously.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use workspace_core::test_util::{Replay, VirtualClock};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{
    ClientCore, ClientOptions, Error, Page, Query, ReadReport, StatusCounts, Transition, TransportError,
};

/// A transport the suites write as a closure: it answers each request at once.
pub type StubTransport = Arc<dyn Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync>;

/// Ids read, or those read before the error that ended the read, and the error.
pub type IdsRead = Result<Vec<String>, (Vec<String>, Error)>;

/// A sleep the suites write as a closure: it is where a test changes the world between polls.
pub type SleepHook = Arc<dyn Fn(Duration) + Send + Sync>;

/// One client crate, driven synchronously: the suites run against this, so both clients run
/// literally the same tests. A driver value owns whatever runs its client (a runtime, for the
/// async one); its methods return when the client's answer is complete.
pub trait Driver: Sized {
    /// The client.
    type Client: Clone + Send + Sync + 'static + Deref<Target = ClientCore>;

    /// The driver's name, for messages.
    const NAME: &'static str;

    /// A driver, with what it needs to run its client.
    fn new() -> Self;

    /// A client with the built-in transport and sleep.
    fn client(&self, options: ClientOptions) -> Result<Self::Client, Error>;

    /// A client answered by `replay`; it sleeps on `clock` when given, not at all otherwise.
    fn replay_client(&self, options: ClientOptions, replay: &Replay, clock: Option<&VirtualClock>) -> Self::Client;

    /// A client with the built-in transport whose sleeps are `sleep` (which returns at once).
    fn client_with_sleep(&self, options: ClientOptions, sleep: SleepHook) -> Self::Client;

    /// A client whose transport is `transport`, and which never sleeps.
    fn client_with_transport(&self, options: ClientOptions, transport: StubTransport) -> Self::Client;

    /// One call.
    fn send(&self, client: &Self::Client, query: &Query) -> Result<Page, Error>;

    /// The pages of a listing, one request each, as they come.
    fn pages<'a>(&'a self, client: &Self::Client, query: &Query) -> Box<dyn Listing<Item = Result<Page, Error>> + 'a>;

    /// The desktops of a listing, as they come.
    fn items<'a>(
        &'a self,
        client: &Self::Client,
        query: &Query,
    ) -> Box<dyn Listing<Item = Result<ConnectDesktopsInfo, Error>> + 'a>;

    /// A whole read, to its end.
    fn read_fleet(&self, client: &Self::Client, query: &Query) -> FleetRun;

    /// The five counts.
    fn count_by_status(&self, client: &Self::Client, query: &Query) -> Result<StatusCounts, Error>;

    /// A watch of `query` every `interval`, stopping after `max_polls` polls when given.
    fn watch<'a>(
        &'a self,
        client: &Self::Client,
        query: &Query,
        interval: Duration,
        max_polls: Option<u64>,
    ) -> Box<dyn Watch + 'a>;
}

/// A running watch.
pub trait Watch {
    /// The next transition or poll error, or `None` once the watch is over.
    fn next(&mut self) -> Option<Result<Transition, Error>>;

    /// Reads now: the transitions since the last read, the poll's error, or `None` once over.
    fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>>;

    /// How many reads the watch made.
    fn polls(&self) -> u64;
}

/// A listing (pages, or their desktops) as it comes, and where it stands.
pub trait Listing: Iterator {
    /// Where the page after the last one delivered starts.
    fn offset(&self) -> u32;

    /// The `total_count` of the last page.
    fn total_count(&self) -> Option<u64>;
}

/// What a whole read gave: every result in order (an error ends them), the requests it sent and
/// its report.
#[derive(Debug)]
pub struct FleetRun {
    /// The results, in order.
    pub results: Vec<Result<ConnectDesktopsInfo, Error>>,
    /// The requests the read sent.
    pub requests: u64,
    /// The read's report.
    pub report: ReadReport,
}

impl FleetRun {
    /// The ids read, and the error that ended the read, if any.
    pub fn ids(self) -> Result<Vec<String>, (Vec<String>, Error)> {
        collect_ids(self.results.into_iter())
    }

    /// The ids read, or the error that ended the read.
    pub fn ids_or_error(self) -> Result<Vec<String>, Error> {
        self.ids().map_err(|(_, e)| e)
    }

    /// The error that ended the read, if any.
    pub fn error(self) -> Option<Error> {
        self.results.into_iter().find_map(Result::err)
    }
}

/// The ids of desktops as they come, and the error that ended them, if any.
pub fn collect_ids(
    items: impl Iterator<Item = Result<ConnectDesktopsInfo, Error>>,
) -> Result<Vec<String>, (Vec<String>, Error)> {
    let mut ids = Vec::new();
    for d in items {
        match d {
            Ok(d) => ids.push(d.id().to_owned()),
            Err(e) => return Err((ids, e)),
        }
    }
    Ok(ids)
}

/// The ids of the desktops of pages as they come, and the error that ended them, if any.
pub fn page_ids(pages: impl Iterator<Item = Result<Page, Error>>) -> Result<Vec<String>, (Vec<String>, Error)> {
    let mut ids = Vec::new();
    for page in pages {
        match page {
            Ok(p) => ids.extend(p.desktops().iter().map(|d| d.id().to_owned())),
            Err(e) => return Err((ids, e)),
        }
    }
    Ok(ids)
}
