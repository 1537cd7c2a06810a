//! The blocking client: a thin loop around the core's call state machine.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use workspace_core::types::ListDesktopsConnectStatusRequest;
use workspace_core::{Action, ClientCore, ClientOptions, ConfigError, Error, Page};

use crate::list::ListDesktopsConnectStatus;
use crate::transport::Transport;

/// Where the client reads the time (the system clock unless replaced).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// How the client waits between attempts (`std::thread::sleep` unless replaced).
pub type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// A blocking client of `GET /v2/{project_id}/connect-desktops`. Cheap to clone; clones share
/// the connection pool, the retry budget and the learnt clock skew.
///
/// ```no_run
/// use workspace_blocking::{Client, Credentials};
/// use workspace_blocking::types::ConnectStatus;
///
/// let client = Client::builder()
///     .region("cn-north-4")
///     .project_id("your-project-id")
///     .credentials(Credentials::ak_sk("your-ak", "your-sk")?)
///     .build()?;
/// for desktop in client.list_desktops_connect_status().connect_status(ConnectStatus::Connected).items() {
///     println!("{:?}", desktop?.desktop_name);
/// }
/// # Ok::<(), workspace_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    core: ClientCore,
    transport: Arc<dyn Transport>,
    clock: Clock,
    sleep: Sleep,
    seeds: Arc<Seeds>,
}

/// Jitter seeds: a random start (or a fixed one, for tests), one per call.
struct Seeds {
    next: AtomicU64,
}

impl Client {
    /// A builder: set an endpoint or region, a project id and credentials.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Lists desktops and their connection statuses: set filters, then `send()` one page or
    /// iterate `pages()` or `items()`.
    pub fn list_desktops_connect_status(&self) -> ListDesktopsConnectStatus<'_> {
        ListDesktopsConnectStatus::new(self)
    }

    /// Sends a prepared request, with retries as the policy says.
    pub fn send(&self, request: &ListDesktopsConnectStatusRequest) -> Result<Page, Error> {
        self.execute(request.clone())
    }

    /// The shared core: configuration, policy, budget, skew.
    pub fn core(&self) -> &ClientCore {
        &self.core
    }

    /// The time, from the client's clock.
    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Waits, with the client's sleep.
    pub(crate) fn wait(&self, d: Duration) {
        (self.sleep)(d);
    }

    pub(crate) fn execute(&self, request: ListDesktopsConnectStatusRequest) -> Result<Page, Error> {
        let mut call = self.core.call(request, self.seeds.next.fetch_add(1, Ordering::Relaxed));
        loop {
            match call.poll((self.clock)()) {
                Action::Send(req) => {
                    let outcome = self.transport.send(req);
                    call.handle(outcome, (self.clock)());
                }
                Action::Sleep(d) => (self.sleep)(d),
                Action::Done(result) => return result,
                _ => return Err(ConfigError::new("this client does not know an action of workspace-core").into()),
            }
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("core", &self.core).field("transport", &self.transport).finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    options: ClientOptions,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Clock>,
    sleep: Option<Sleep>,
    jitter_seed: Option<u64>,
}

impl ClientBuilder {
    workspace_core::client_option_setters!();

    /// Sends requests with this transport instead of the built-in one.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Sends requests with this shared transport.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Reads the time from `clock` instead of the system clock (for tests).
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Waits with `sleep` instead of `std::thread::sleep` (for tests).
    pub fn sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Seeds the backoff jitter, so that waits are the same on every run (for tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Checks the options and builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        let core = self.options.build()?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport(&self.options)?,
        };
        let seed = self.jitter_seed.unwrap_or_else(|| RandomState::new().hash_one(0u8));
        Ok(Client {
            core,
            transport,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
            sleep: self.sleep.unwrap_or_else(|| Arc::new(std::thread::sleep)),
            seeds: Arc::new(Seeds { next: AtomicU64::new(seed) }),
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
    Ok(Arc::new(crate::UreqTransport::new(options.connection_timeout(), options.attempt_timeout())))
}

#[cfg(not(feature = "ureq"))]
fn default_transport(_: &ClientOptions) -> Result<Arc<dyn Transport>, Error> {
    Err(ConfigError::new("no transport: enable the `ureq` feature or give one with `.transport(...)`").into())
}
