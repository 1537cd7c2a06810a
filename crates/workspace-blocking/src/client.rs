//! The blocking client: the core's operations, run by [`Drive`](crate::drive::Drive).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use workspace_core::op::{CountOp, FleetOp, ItemsOp, Operation, PagesOp, SendOp, WatchOp};
use workspace_core::{ClientCore, ClientOptions, Error, Page, Query, StatusCounts};

use crate::drive::Drive;
use crate::list::{FleetItems, Items, Pages};
use crate::transport::{Sleep, Transport};
use crate::watch::Watcher;

/// Where a client reads the time (the system clock unless replaced, for tests).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A blocking client of `GET /v2/{project_id}/connect-desktops`. Cheap to clone; clones share
/// the connection pool, the retry budget and what the client learnt of the service. Iterators
/// and watchers own a clone, so they can be moved to another thread.
///
/// ```no_run
/// use workspace_blocking::{Client, ClientOptions, Credentials, Query};
/// use workspace_blocking::types::ConnectStatus;
///
/// let options = ClientOptions::builder()
///     .region("cn-north-4")
///     .project_id("your-project-id")
///     .credentials(Credentials::ak_sk("your-ak", "your-sk")?)
///     .build()?;
/// let client = Client::new(options)?;
/// for desktop in client.items(&Query::new().connect_status(ConnectStatus::Connected)) {
///     println!("{}", desktop?.name());
/// }
/// # Ok::<(), workspace_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    core: ClientCore,
    transport: Arc<dyn Transport>,
    sleep: Arc<dyn Sleep>,
    clock: Clock,
}

impl Client {
    /// A client with the built-in transport (feature `ureq`). Nothing is sent.
    pub fn new(options: ClientOptions) -> Result<Self, Error> {
        Self::builder(options).build()
    }

    /// A builder, to bring a transport, a sleep, a clock or a jitter seed of your own.
    pub fn builder(options: ClientOptions) -> ClientBuilder {
        ClientBuilder { options, transport: None, sleep: None, clock: None, jitter_seed: None }
    }

    /// The options.
    pub fn options(&self) -> &ClientOptions {
        self.core.options()
    }

    /// The shared core: the options and what the client has learnt (project id, profile).
    pub fn core(&self) -> &ClientCore {
        &self.core
    }

    /// One page of what `query` matches, with retries as the policy says.
    pub fn send(&self, query: &Query) -> Result<Page, Error> {
        self.once(SendOp::new(&self.core, query))
    }

    /// Every page of `query`, one request each, from its offset (0 by default), in pages of its
    /// limit (2000 when unset or 0); an error ends the iteration.
    pub fn pages(&self, query: &Query) -> Pages {
        Pages(Drive::new(self.clone(), PagesOp::new(&self.core, query)))
    }

    /// Every desktop of every page of `query`, fetched as the iteration goes.
    pub fn items(&self, query: &Query) -> Items {
        Items(Drive::new(self.clone(), ItemsOp::new(&self.core, query)))
    }

    /// Every desktop `query` matches, whatever the size of the fleet: more than 100 user names
    /// are read in batches, a query with more matches than one query reaches is split by status
    /// and then by user names, and each desktop comes once, in a stable order. Up to
    /// `concurrency` requests are in flight at once, sent by as many threads at most, kept for
    /// the whole read.
    pub fn read_fleet(&self, query: &Query) -> FleetItems {
        FleetItems(Drive::new(self.clone(), FleetOp::new(&self.core, query)))
    }

    /// How many desktops match the user names of `query` (if any), in all and per status: from
    /// five `limit=0` requests (the first alone until the client's credentials were accepted)
    /// when their totals follow the filters, else by reading the desktops (the documentation
    /// does not say what `total_count` counts).
    pub fn count_by_status(&self, query: &Query) -> Result<StatusCounts, Error> {
        self.once(CountOp::new(&self.core, query))
    }

    /// Watches what `query` matches: reads it all every `interval` and yields each change once.
    /// A failed poll is yielded as an error; the watch goes on at the next tick unless the error
    /// is permanent (such as a 401 or 403), which ends it.
    pub fn watch(&self, query: &Query, interval: Duration) -> Watcher {
        Watcher(Drive::new(self.clone(), WatchOp::new(&self.core, query, interval)))
    }

    /// Runs an operation that yields one result.
    fn once<T>(&self, op: impl Operation<Output = Result<T, Error>>) -> Result<T, Error> {
        Drive::new(self.clone(), op).next().unwrap_or_else(|| unreachable!("the operation yields its result"))
    }

    /// The time, from the client's clock.
    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Waits, with the client's sleep.
    pub(crate) fn wait(&self, d: Duration) {
        self.sleep.sleep(d);
    }

    pub(crate) fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("core", &self.core).field("transport", &self.transport).finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with parts of your own.
#[must_use]
pub struct ClientBuilder {
    options: ClientOptions,
    transport: Option<Arc<dyn Transport>>,
    sleep: Option<Arc<dyn Sleep>>,
    clock: Option<Clock>,
    jitter_seed: Option<u64>,
}

impl ClientBuilder {
    /// Sends requests with this transport instead of the built-in one.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Waits between attempts and polls with `sleep` instead of the thread's sleep (for tests).
    pub fn sleep(mut self, sleep: impl Sleep + 'static) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Reads the time from `clock` instead of the system clock (for tests).
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Seeds the backoff jitter, so that waits are the same on every run (for tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport(&self.options)?,
        };
        let seed = self.jitter_seed.unwrap_or_else(|| RandomState::new().hash_one(0u8));
        Ok(Client {
            core: ClientCore::with_jitter_seed(self.options, seed),
            transport,
            sleep: self.sleep.unwrap_or_else(|| Arc::new(crate::ThreadSleep)),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder").field("options", &self.options).finish_non_exhaustive()
    }
}

#[cfg(feature = "ureq")]
fn default_transport(options: &ClientOptions) -> Result<Arc<dyn Transport>, Error> {
    Ok(Arc::new(crate::UreqTransport::new(options)?))
}

#[cfg(not(feature = "ureq"))]
fn default_transport(_: &ClientOptions) -> Result<Arc<dyn Transport>, Error> {
    Err(workspace_core::ConfigError::new("no transport: enable the `ureq` feature or give one with `.transport(...)`")
        .into())
}
