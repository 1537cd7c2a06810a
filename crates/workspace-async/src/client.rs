//! The async client: the core's operations, run as streams by [`Drive`].

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use workspace_core::op::{CountOp, FleetOp, ItemsOp, Operation, PagesOp, SendOp, WatchOp};
use workspace_core::{ClientCore, ClientOptions, Clock, Error, Page, Query, StatusCounts};

use crate::drive::Drive;
use crate::streams::{FleetItems, Items, Pages, Watcher};
use crate::transport::{Sleep, Transport};

/// An async client of `GET /v2/{project_id}/connect-desktops`. Cheap to clone; clones share the
/// connection pool, the retry budget and what the client learnt of the service. Streams and
/// watchers own a clone, so they can be moved into a task. Its futures are `Send`, and dropping
/// one cancels the call. It dereferences to its [`ClientCore`]: the options, and what the client
/// has learnt (project id, profile).
///
/// ```no_run
/// use workspace_async::{Client, ClientOptions, Credentials, Query};
/// use workspace_async::types::ConnectStatus;
///
/// # async fn run() -> Result<(), workspace_async::Error> {
/// let options = ClientOptions::builder()
///     .region("cn-north-4")
///     .project_id("your-project-id")
///     .credentials(Credentials::ak_sk("your-ak", "your-sk")?)
///     .build()?;
/// let client = Client::new(options)?;
/// let mut items = client.items(&Query::new().connect_status(ConnectStatus::Connected));
/// while let Some(desktop) = items.next().await {
///     println!("{}", desktop?.name());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    core: ClientCore,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) sleep: Arc<dyn Sleep>,
}

impl Deref for Client {
    type Target = ClientCore;

    fn deref(&self) -> &ClientCore {
        &self.core
    }
}

impl Client {
    /// A client with the built-in transport and tokio's timer (feature `reqwest`). Nothing is
    /// sent.
    pub fn new(options: ClientOptions) -> Result<Self, Error> {
        Self::builder(options).build()
    }

    /// A builder, to bring a transport or a sleep of your own (the clock and the jitter seed
    /// are options: [`ClientOptionsBuilder::clock`](crate::ClientOptionsBuilder::clock)).
    pub fn builder(options: ClientOptions) -> ClientBuilder {
        ClientBuilder { options, transport: None, sleep: None }
    }

    /// One page of what `query` matches, with retries as the policy says.
    pub async fn send(&self, query: &Query) -> Result<Page, Error> {
        self.first(SendOp::new(&self.core, query)).await
    }

    /// Every page of `query`, one request each, from its offset (0 by default), in pages of its
    /// limit (2000 when unset or 0); an error ends the stream.
    pub fn pages(&self, query: &Query) -> Pages {
        Pages(self.stream(PagesOp::new(&self.core, query)))
    }

    /// Every desktop of every page of `query`, fetched as the stream goes.
    pub fn items(&self, query: &Query) -> Items {
        Items(self.stream(ItemsOp::new(&self.core, query)))
    }

    /// Every desktop `query` matches, whatever the size of the fleet: more than 100 user names
    /// are read in batches, a query with more matches than one query reaches is split by status
    /// and then by user names, and each desktop comes once, in a stable order. Up to
    /// `concurrency` requests are in flight at once, as futures polled by the stream's task.
    pub fn read_fleet(&self, query: &Query) -> FleetItems {
        FleetItems(self.stream(FleetOp::new(&self.core, query)))
    }

    /// How many desktops match the user names of `query` (if any), in all and per status: from
    /// five `limit=0` requests (the first alone until the client's credentials were accepted)
    /// when their totals follow the filters, else by reading the desktops (the documentation
    /// does not say what `total_count` counts).
    pub async fn count_by_status(&self, query: &Query) -> Result<StatusCounts, Error> {
        self.first(CountOp::new(&self.core, query)).await
    }

    /// Watches what `query` matches: reads it all every `interval` and yields each change once.
    /// A failed poll is yielded as an error; the watch goes on at the next tick unless the error
    /// is permanent (such as a 401 or 403), which ends it.
    pub fn watch(&self, query: &Query, interval: Duration) -> Watcher {
        Watcher(self.stream(WatchOp::new(&self.core, query, interval)))
    }

    pub(crate) fn stream<O: Operation + Unpin>(&self, op: O) -> Drive<O> {
        Drive::new(self.clone(), op)
    }

    /// The first output of an operation that yields one result.
    pub(crate) async fn first<T, O>(&self, op: O) -> Result<T, Error>
    where
        O: Operation<Output = Result<T, Error>> + Unpin,
    {
        self.stream(op).next().await.unwrap_or_else(|| unreachable!("the operation yields its result"))
    }

    /// The time, from the options' clock or the system's.
    pub(crate) fn now(&self) -> SystemTime {
        self.core.options().clock().map_or_else(SystemTime::now, Clock::now)
    }
}

/// Builds a [`Client`] with parts of your own.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    options: ClientOptions,
    transport: Option<Arc<dyn Transport>>,
    sleep: Option<Arc<dyn Sleep>>,
}

impl ClientBuilder {
    /// Sends requests with this transport (or closure) instead of the built-in one.
    pub fn transport(self, transport: impl Transport + 'static) -> Self {
        Self { transport: Some(Arc::new(transport)), ..self }
    }

    /// Waits between attempts and polls with `sleep` (a closure returning a future, say)
    /// instead of tokio's timer.
    pub fn sleep(self, sleep: impl Sleep + 'static) -> Self {
        Self { sleep: Some(Arc::new(sleep)), ..self }
    }

    /// Builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        #[cfg(feature = "reqwest")]
        let (transport, sleep) = match (self.transport, self.sleep) {
            (Some(t), s) => (t, s.unwrap_or_else(|| Arc::new(crate::TokioSleep))),
            (None, s) => (
                Arc::new(crate::ReqwestTransport::new(&self.options)?) as Arc<dyn Transport>,
                s.unwrap_or_else(|| Arc::new(crate::TokioSleep)),
            ),
        };
        #[cfg(not(feature = "reqwest"))]
        let (Some(transport), Some(sleep)) = (self.transport, self.sleep) else {
            let hint = "enable the `reqwest` feature or give both";
            return Err(workspace_core::ConfigError::missing("transport or sleep", hint).into());
        };
        Ok(Client { core: ClientCore::new(self.options), transport, sleep })
    }
}
