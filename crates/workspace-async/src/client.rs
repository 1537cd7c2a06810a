//! The async client: the same thin loop as the blocking one, with `.await`.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use workspace_core::types::ListDesktopsConnectStatusRequest;
use workspace_core::{Action, ClientCore, ClientOptions, ConfigError, Error, Page};

use crate::list::ListDesktopsConnectStatus;
use crate::transport::{AsyncSleep, AsyncTransport};

/// Where the client reads the time (the system clock unless replaced).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// An async client of `GET /v2/{project_id}/connect-desktops`. Cheap to clone; clones share the
/// connection pool, the retry budget and the learnt clock skew. Its futures are `Send`, and
/// dropping one cancels the call.
///
/// ```no_run
/// use workspace_async::{AsyncClient, Credentials};
/// use workspace_async::types::ConnectStatus;
///
/// # async fn run() -> Result<(), workspace_async::Error> {
/// let client = AsyncClient::builder()
///     .region("cn-north-4")
///     .project_id("your-project-id")
///     .credentials(Credentials::ak_sk("your-ak", "your-sk")?)
///     .build()?;
/// let mut items = client.list_desktops_connect_status().connect_status(ConnectStatus::Connected).items();
/// while let Some(desktop) = items.next().await {
///     println!("{:?}", desktop?.desktop_name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncClient {
    core: ClientCore,
    transport: Arc<dyn AsyncTransport>,
    sleep: Option<Arc<dyn AsyncSleep>>,
    clock: Clock,
    seeds: Arc<AtomicU64>,
}

impl AsyncClient {
    /// A builder: set an endpoint or region, a project id and credentials.
    pub fn builder() -> AsyncClientBuilder {
        AsyncClientBuilder::default()
    }

    /// Lists desktops and their connection statuses: set filters, then `send().await` one page
    /// or iterate `pages()` or `items()`.
    pub fn list_desktops_connect_status(&self) -> ListDesktopsConnectStatus<'_> {
        ListDesktopsConnectStatus::new(self)
    }

    /// Sends a prepared request, with retries as the policy says.
    pub async fn send(&self, request: &ListDesktopsConnectStatusRequest) -> Result<Page, Error> {
        self.execute(request.clone()).await
    }

    /// The shared core: configuration, policy, budget, skew.
    pub fn core(&self) -> &ClientCore {
        &self.core
    }

    /// The time, from the client's clock.
    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// The client's sleeper, if any.
    pub(crate) fn sleeper(&self) -> Option<Arc<dyn AsyncSleep>> {
        self.sleep.clone()
    }

    pub(crate) async fn execute(&self, request: ListDesktopsConnectStatusRequest) -> Result<Page, Error> {
        let mut call = self.core.call(request, self.seeds.fetch_add(1, Ordering::Relaxed));
        loop {
            match call.poll((self.clock)()) {
                Action::Send(req) => {
                    let outcome = self.transport.send(req).await;
                    call.handle(outcome, (self.clock)());
                }
                Action::Sleep(d) => match &self.sleep {
                    Some(sleep) => sleep.sleep(d).await,
                    None => return Err(ConfigError::new("a retry must wait, but the client has no AsyncSleep").into()),
                },
                Action::Done(result) => return result,
                _ => return Err(ConfigError::new("this client does not know an action of workspace-core").into()),
            }
        }
    }
}

impl fmt::Debug for AsyncClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncClient")
            .field("core", &self.core)
            .field("transport", &self.transport)
            .field("sleep", &self.sleep)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AsyncClient`].
#[derive(Default)]
#[must_use]
pub struct AsyncClientBuilder {
    options: ClientOptions,
    transport: Option<Arc<dyn AsyncTransport>>,
    sleep: Option<Arc<dyn AsyncSleep>>,
    clock: Option<Clock>,
    jitter_seed: Option<u64>,
}

impl AsyncClientBuilder {
    workspace_core::client_option_setters!();

    /// Sends requests with this transport instead of the built-in one.
    pub fn transport(mut self, transport: impl AsyncTransport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Sends requests with this shared transport.
    pub fn shared_transport(mut self, transport: Arc<dyn AsyncTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Waits between attempts with `sleep` (tokio's timer by default, with the `reqwest` feature).
    pub fn sleep(mut self, sleep: impl AsyncSleep + 'static) -> Self {
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

    /// Checks the options and builds the client. Nothing is sent.
    pub fn build(self) -> Result<AsyncClient, Error> {
        let core = self.options.build()?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport(&self.options)?,
        };
        let sleep = self.sleep.or_else(default_sleep);
        if sleep.is_none() && core.policy().max_attempts() > 1 {
            return Err(ConfigError::new(
                "retries need a way to wait: enable the `reqwest` feature (tokio) or give an AsyncSleep with `.sleep(...)`",
            )
            .into());
        }
        let seed = self.jitter_seed.unwrap_or_else(|| RandomState::new().hash_one(0u8));
        Ok(AsyncClient {
            core,
            transport,
            sleep,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
            seeds: Arc::new(AtomicU64::new(seed)),
        })
    }
}

impl fmt::Debug for AsyncClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncClientBuilder").field("options", &self.options).finish_non_exhaustive()
    }
}

#[cfg(feature = "reqwest")]
fn default_transport(options: &ClientOptions) -> Result<Arc<dyn AsyncTransport>, Error> {
    let t = crate::ReqwestTransport::new(options.connection_timeout(), options.attempt_timeout())?;
    Ok(Arc::new(t))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport(_: &ClientOptions) -> Result<Arc<dyn AsyncTransport>, Error> {
    Err(ConfigError::new("no transport: enable the `reqwest` feature or give one with `.transport(...)`").into())
}

#[cfg(feature = "reqwest")]
fn default_sleep() -> Option<Arc<dyn AsyncSleep>> {
    Some(Arc::new(crate::TokioSleep))
}

#[cfg(not(feature = "reqwest"))]
fn default_sleep() -> Option<Arc<dyn AsyncSleep>> {
    None
}
