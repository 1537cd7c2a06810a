//! The blocking client: the core's operations, run by [`Drive`].

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use workspace_core::op::{CountOp, FleetOp, ItemsOp, Operation, PagesOp, SendOp, WatchOp};
use workspace_core::{ClientCore, ClientOptions, Clock, Error, Page, Query, StatusCounts};

use crate::drive::Drive;
use crate::iterators::{FleetItems, Items, Pages, Watcher};
use crate::transport::{Sleep, ThreadSleep, Transport};

/// A blocking client of `GET /v2/{project_id}/connect-desktops`. Cheap to clone; clones share
/// the connection pool, the retry budget and what the client learnt of the service. Iterators
/// and watchers own a clone, so they can be moved to another thread. It dereferences to its
/// [`ClientCore`]: the options, and what the client has learnt (project id, profile).
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
#[derive(Clone, Debug)]
pub struct Client {
    core: ClientCore,
    pub(crate) transport: Arc<dyn Transport>,
    sleep: Arc<dyn Sleep>,
}

impl Client {
    /// A client with the built-in transport (feature `ureq`). Nothing is sent.
    pub fn new(options: ClientOptions) -> Result<Self, Error> {
        Self::builder(options).build()
    }

    /// A builder, to bring a transport or a sleep of your own (the clock and the jitter seed
    /// are options: [`ClientOptionsBuilder::clock`](crate::ClientOptionsBuilder::clock)).
    pub fn builder(options: ClientOptions) -> ClientBuilder {
        ClientBuilder { options, sleep: Arc::new(ThreadSleep), transport: None }
    }

    /// One page of what `query` matches, with retries as the policy says.
    pub fn send(&self, query: &Query) -> Result<Page, Error> {
        self.once(SendOp::new(&self.core, query))
    }

    /// Every page of `query`, one request each, from its offset (0 by default), in pages of its
    /// limit (2000 when unset or 0); an error ends the iteration.
    pub fn pages(&self, query: &Query) -> Pages {
        Pages(self.run(PagesOp::new(&self.core, query)))
    }

    /// Every desktop of every page of `query`, fetched as the iteration goes.
    pub fn items(&self, query: &Query) -> Items {
        Items(self.run(ItemsOp::new(&self.core, query)))
    }

    /// Every desktop `query` matches, whatever the size of the fleet: more than 100 user names
    /// are read in batches, a query with more matches than one query reaches is split by status
    /// and then by user names, and each desktop comes once, in a stable order. Up to
    /// `concurrency` requests are in flight at once, sent by as many threads at most (the
    /// caller's included), kept for the whole read.
    pub fn read_fleet(&self, query: &Query) -> FleetItems {
        FleetItems(self.run(FleetOp::new(&self.core, query)))
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
        Watcher(self.run(WatchOp::new(&self.core, query, interval)))
    }

    pub(crate) fn run<O: Operation>(&self, op: O) -> Drive<O> {
        Drive::new(self.clone(), op)
    }

    /// Runs an operation that yields one result.
    pub(crate) fn once<T>(&self, op: impl Operation<Output = Result<T, Error>>) -> Result<T, Error> {
        self.run(op).next().unwrap_or_else(|| unreachable!("the operation yields its result"))
    }

    /// The time, from the options' clock or the system's.
    pub(crate) fn now(&self) -> SystemTime {
        self.core.options().clock().map_or_else(SystemTime::now, Clock::now)
    }

    /// Waits, with the client's sleep.
    pub(crate) fn wait(&self, d: Duration) {
        self.sleep.sleep(d);
    }
}

impl Deref for Client {
    type Target = ClientCore;

    fn deref(&self) -> &ClientCore {
        &self.core
    }
}

/// Builds a [`Client`] with parts of your own.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    options: ClientOptions,
    sleep: Arc<dyn Sleep>,
    transport: Option<Arc<dyn Transport>>,
}

impl ClientBuilder {
    /// Sends requests with this transport (or closure) instead of the built-in one.
    pub fn transport(self, transport: impl Transport + 'static) -> Self {
        Self { transport: Some(Arc::new(transport)), ..self }
    }

    /// Waits between attempts and polls with `sleep` instead of the thread's sleep (for tests).
    pub fn sleep(self, sleep: impl Sleep + 'static) -> Self {
        Self { sleep: Arc::new(sleep), ..self }
    }

    /// Builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        let transport = match self.transport {
            Some(t) => t,
            #[cfg(feature = "ureq")]
            None => Arc::new(crate::UreqTransport::new(&self.options)?),
            #[cfg(not(feature = "ureq"))]
            None => {
                let hint = "enable the `ureq` feature or give one with `.transport(...)`";
                return Err(workspace_core::ConfigError::missing("transport", hint).into());
            }
        };
        Ok(Client { core: ClientCore::new(self.options), transport, sleep: self.sleep })
    }
}
