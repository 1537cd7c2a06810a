//! A local Huawei Cloud Workspace service for tests, demos and your own tests.
//!
//! It serves `GET /v2/{project_id}/connect-desktops` as documented, over real HTTP on loopback,
//! and behaves like the service where it matters to a client: SDK-HMAC-SHA256 signatures are
//! verified (401 `APIGW.0301` when wrong, `APIGW.0303` when `X-Sdk-Date` is more than 15 minutes
//! off), bad input gets 400 `WKS.0001`, pages never overlap or skip, and faults (throttling,
//! server errors, resets, truncated, malformed or stalled bodies, latency) happen on demand.
//!
//! It is an independent witness: its models, its query checks and its clock formats are written
//! from the documentation, not taken from the SDK, so a test against it can disagree with the
//! SDK's assumptions. It shares only the signer, which the official golden vectors pin. Where
//! the documentation leaves the service open (a page cap, what `total_count` counts, the code
//! of a stale signature date, the gateway's clock, data a strict client chokes on), a
//! [`Behaviour`] picks the answer. The fleet can move while a client reads it (churn per second,
//! or moves and creations and deletions after each page, from a seed), and
//! [`Emulator::touched`] says which desktops moved.
//!
//! Pick it to test code that calls the API without a cloud account; it is what this SDK's own
//! tests run against.
//!
//! ```
//! use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};
//!
//! let emulator = Emulator::start(EmulatorConfig::default().desktops(1500).seed(7))?;
//! println!("serving {} for project {}", emulator.base_url(), emulator.project_id());
//! emulator.push_faults([FaultRule::new(Fault::status(503), 2)]); // the next 2 requests get 503
//! assert_eq!(emulator.desktops().len(), 1500);
//! emulator.stop();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The command-line program `workspace-emulator` serves the same (see `docs/emulator.md`).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod config;
mod faults;
pub mod fleet;
mod model;
mod query;
mod reply;
mod server;
mod service;
mod state;
mod time;

use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use workspace_core::{ClientOptions, ClientOptionsBuilder, ConfigError, Credentials};

pub use config::{
    Behaviour, DEMO_AK, DEMO_AUTH_TOKEN, DEMO_PROJECT_ID, DEMO_REGION, DEMO_SK, EmulatorConfig, Fleet, KeyPair,
    MAX_CHURN, MAX_CLOCK_OFFSET_SECS, MAX_DESKTOPS, MAX_FLEET_CHANGES_PER_PAGE, MAX_LATENCY, MAX_MOVES_PER_PAGE,
    MAX_PAGE_CAP, MAX_RATE_LIMIT, TotalCount,
};
pub use faults::{Fault, FaultRule};
pub use fleet::FleetSpec;
pub use model::{AttachedUser, Desktop};
pub use state::Stats;

use state::Shared;

/// A running emulator. It serves on its own thread and runtime, so it works the same from
/// blocking and async code; it stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds `config.listen` and starts serving. A configuration out of bounds (see
    /// [`EmulatorConfig::check`]) is refused with an error of kind `InvalidInput`.
    pub fn start(config: EmulatorConfig) -> io::Result<Self> {
        let config = config.settled()?;
        let std_listener = std::net::TcpListener::bind(config.listen)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("workspace-emulator")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let shared = Arc::new(Shared::new(config, addr, Instant::now()));
        let (tx, rx) = oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new().name("workspace-emulator".into()).spawn(move || {
            runtime.block_on(server::serve(listener, serving, rx));
            // Dropping the runtime ends every connection still open, stalled ones included.
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
        Ok(Self { addr, shared, shutdown: Some(tx), thread: Some(thread) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to point a client at, such as `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The project id it serves.
    pub fn project_id(&self) -> &str {
        &self.shared.config.project_id
    }

    /// The region its project is named after.
    pub fn region(&self) -> &str {
        &self.shared.config.region
    }

    /// The first access key pair it accepts (the demo pair unless other credentials were given).
    pub fn key_pair(&self) -> Option<&KeyPair> {
        self.shared.config.keys.first()
    }

    /// The first IAM token it accepts (the demo token unless other credentials were given).
    pub fn auth_token(&self) -> Option<&str> {
        self.shared.config.auth_tokens.first().map(String::as_str)
    }

    /// A client's options for this emulator: its base URL, its project id and its first key pair
    /// (with the pair's security token), else its first IAM token. Set anything else on the
    /// builder, then `build()` it. This is for clients only: the emulator checks what they send
    /// on its own.
    ///
    /// ```
    /// use workspace_emulator::{Emulator, EmulatorConfig};
    ///
    /// let emulator = Emulator::start(EmulatorConfig::default())?;
    /// let options = emulator.client_options()?.build()?;
    /// assert_eq!(options.endpoints()[0].base_url(), emulator.base_url());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client_options(&self) -> Result<ClientOptionsBuilder, ConfigError> {
        let credentials = match (self.key_pair(), self.auth_token()) {
            (Some(KeyPair { ak, sk, security_token: None }), _) => Credentials::ak_sk(ak, sk)?,
            (Some(KeyPair { ak, sk, security_token: Some(token) }), _) => Credentials::temporary(ak, sk, token)?,
            (None, Some(token)) => Credentials::token(token)?,
            (None, None) => return Err(ConfigError::missing("credentials", "the emulator accepts none")),
        };
        Ok(ClientOptions::builder().endpoint(self.base_url()).project_id(self.project_id()).credentials(credentials))
    }

    /// A copy of the fleet as it is now, in the order pages list it.
    pub fn desktops(&self) -> Vec<Desktop> {
        self.shared.desktops()
    }

    /// Replaces the fleet. The replacement is not recorded in [`Emulator::touched`].
    pub fn replace_fleet(&self, desktops: Vec<Desktop>) {
        self.shared.replace_fleet(desktops);
    }

    /// Sets a desktop's connection status (any string: the documented four or another);
    /// `false` when no desktop has that id.
    pub fn set_status(&self, desktop_id: &str, status: &str) -> bool {
        self.shared.set_status(desktop_id, status)
    }

    /// The ids of the desktops whose status changed (by the movement after each page, by churn or
    /// by [`Emulator::set_status`]), or which were created or deleted after a page, since start or
    /// since the last [`Emulator::clear_touched`]. The desktops of a fleet read before, minus
    /// these, kept their status throughout.
    pub fn touched(&self) -> BTreeSet<String> {
        self.shared.touched()
    }

    /// Empties the record that [`Emulator::touched`] reads.
    pub fn clear_touched(&self) {
        self.shared.clear_touched();
    }

    /// How it answers where the documentation leaves the service open.
    pub fn behaviour(&self) -> Behaviour {
        self.shared.behaviour()
    }

    /// Changes how it answers where the documentation leaves the service open; values out of
    /// bounds are clamped (see [`Behaviour::clamped`]).
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.shared.set_behaviour(behaviour.clamped());
    }

    /// Appends fault rules: the next API requests get them, in order.
    pub fn push_faults(&self, rules: impl IntoIterator<Item = FaultRule>) {
        self.shared.push_faults(rules);
    }

    /// Drops every fault not yet applied.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Sets the latency added to every API response, clamped to at most 60 s.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.update_settings(|s| s.latency = latency.min(MAX_LATENCY));
    }

    /// Sets or removes the rate limit (API requests per second), clamped to 1..=1,000,000.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.shared.update_settings(|s| s.rate_limit = per_second.map(|n| n.clamp(1, MAX_RATE_LIMIT)));
    }

    /// Sets the number of random status transitions per second, clamped to 0..=1000 (a rate that
    /// is not a number is 0).
    pub fn set_churn(&self, per_second: f64) {
        let churn = if per_second.is_nan() { 0.0 } else { per_second.clamp(0.0, MAX_CHURN) };
        self.shared.update_settings(|s| s.churn = churn);
    }

    /// What it has served so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Stops serving and closes the listening socket; connections still open are closed.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).field("config", &self.shared.config).finish()
    }
}
