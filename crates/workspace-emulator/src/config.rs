//! What an emulator serves and how it behaves.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use workspace_types::ConnectDesktopsInfo;

use crate::faults::FaultRule;
use crate::fleet::FleetSpec;

/// The demo access key id, accepted when no keys are configured.
pub const DEMO_AK: &str = "WKSEMULATORDEMOAK001";
/// The demo secret key that goes with [`DEMO_AK`]. It is published: never use it elsewhere.
pub const DEMO_SK: &str = "workspace-emulator-demo-secret-key-0001";
/// The demo project id, served when no project id is configured.
pub const DEMO_PROJECT_ID: &str = "5f0c6a1e9b7d4c2a8e3f1b0d7a6c9e21";
/// The region the demo project is named after.
pub const DEMO_REGION: &str = "cn-north-4";
/// The demo IAM token, accepted when no tokens are configured.
pub const DEMO_AUTH_TOKEN: &str = "workspace-emulator-demo-token";

/// An access key pair the emulator accepts, with its security token for temporary credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// The access key id.
    pub ak: String,
    /// The secret key.
    pub sk: String,
    /// The security token that must come with this pair, for temporary credentials.
    pub security_token: Option<String>,
}

impl KeyPair {
    /// A permanent pair.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { ak: ak.into(), sk: sk.into(), security_token: None }
    }

    /// A temporary pair: requests must also carry `X-Security-Token: {token}`.
    pub fn temporary(ak: impl Into<String>, sk: impl Into<String>, token: impl Into<String>) -> Self {
        Self { ak: ak.into(), sk: sk.into(), security_token: Some(token.into()) }
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("ak", &self.ak)
            .field("sk", &"[redacted]")
            .field("security_token", &self.security_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Where the fleet comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Fleet {
    /// Generated from a spec.
    Generated(FleetSpec),
    /// Exactly these desktops.
    Desktops(Vec<ConnectDesktopsInfo>),
}

/// The emulator's configuration. Start from `EmulatorConfig::default()`: loopback on an
/// ephemeral port, the demo project and credentials, a generated fleet of 200 desktops, no faults.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The one project that exists.
    pub project_id: String,
    /// The region the project is named after, as IAM's project discovery reports it.
    pub region: String,
    /// The access key pairs accepted.
    pub keys: Vec<KeyPair>,
    /// The IAM tokens accepted in `X-Auth-Token`.
    pub auth_tokens: Vec<String>,
    /// The desktops served.
    pub fleet: Fleet,
    /// Latency added to every API response.
    pub latency: Duration,
    /// At most this many API requests per second are served; the rest get 429 `APIGW.0308`.
    pub rate_limit: Option<u32>,
    /// Random status transitions per second.
    pub churn: f64,
    /// How far `X-Sdk-Date` may be from the emulator's clock (15 minutes, as the gateway).
    pub max_clock_skew: Duration,
    /// Faults for the first API requests, in order.
    pub faults: Vec<FaultRule>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            project_id: DEMO_PROJECT_ID.to_owned(),
            region: DEMO_REGION.to_owned(),
            keys: vec![KeyPair::new(DEMO_AK, DEMO_SK)],
            auth_tokens: vec![DEMO_AUTH_TOKEN.to_owned()],
            fleet: Fleet::Generated(FleetSpec::default()),
            latency: Duration::ZERO,
            rate_limit: None,
            churn: 0.0,
            max_clock_skew: Duration::from_secs(15 * 60),
            faults: Vec::new(),
        }
    }
}

impl EmulatorConfig {
    /// Serves a generated fleet of `n` desktops (seed and mix unchanged).
    pub fn desktops(mut self, n: usize) -> Self {
        self.fleet = Fleet::Generated(FleetSpec { desktops: n, ..self.spec() });
        self
    }

    /// Generates the fleet from `seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.fleet = Fleet::Generated(FleetSpec { seed, ..self.spec() });
        self
    }

    /// Generates the fleet with these relative weights of `UNREGISTER`, `REGISTERED`,
    /// `CONNECTED` and `DISCONNECTED`.
    pub fn status_weights(mut self, weights: [u32; 4]) -> Self {
        self.fleet = Fleet::Generated(FleetSpec { status_weights: weights, ..self.spec() });
        self
    }

    /// Serves exactly these desktops.
    pub fn fleet(mut self, desktops: Vec<ConnectDesktopsInfo>) -> Self {
        self.fleet = Fleet::Desktops(desktops);
        self
    }

    /// Serves this project id instead of the demo one.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = id.into();
        self
    }

    /// Names the project after this region (for IAM's project discovery).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Accepts only this key pair (instead of the demo pair).
    pub fn keys(mut self, keys: Vec<KeyPair>) -> Self {
        self.keys = keys;
        self
    }

    /// Accepts only these IAM tokens (instead of the demo token).
    pub fn auth_tokens(mut self, tokens: Vec<String>) -> Self {
        self.auth_tokens = tokens;
        self
    }

    /// Adds `latency` to every API response.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Serves at most `per_second` API requests per second.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Makes `per_second` random status transitions per second.
    pub fn churn(mut self, per_second: f64) -> Self {
        self.churn = per_second;
        self
    }

    /// Applies `rules` to the first API requests.
    pub fn faults(mut self, rules: Vec<FaultRule>) -> Self {
        self.faults = rules;
        self
    }

    /// Listens on `addr`.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    fn spec(&self) -> FleetSpec {
        match &self.fleet {
            Fleet::Generated(spec) => spec.clone(),
            Fleet::Desktops(_) => FleetSpec::default(),
        }
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fleet = match &self.fleet {
            Fleet::Generated(spec) => format!("{spec:?}"),
            Fleet::Desktops(d) => format!("{} desktops", d.len()),
        };
        f.debug_struct("EmulatorConfig")
            .field("listen", &self.listen)
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("keys", &self.keys)
            .field("auth_tokens", &format_args!("[{} redacted]", self.auth_tokens.len()))
            .field("fleet", &fleet)
            .field("latency", &self.latency)
            .field("rate_limit", &self.rate_limit)
            .field("churn", &self.churn)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("faults", &self.faults)
            .finish()
    }
}
