//! What an emulator serves and how it behaves.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::faults::FaultRule;
use crate::fleet::FleetSpec;
use crate::model::Desktop;

/// The largest generated fleet.
pub const MAX_DESKTOPS: usize = 1_000_000;
/// The most random status transitions per second.
pub const MAX_CHURN: f64 = 1000.0;
/// The longest added latency.
pub const MAX_LATENCY: Duration = Duration::from_secs(60);
/// The highest rate limit, in requests per second (the lowest is 1).
pub const MAX_RATE_LIMIT: u32 = 1_000_000;
/// The largest page cap (the smallest is 1): the documented largest `limit`.
pub const MAX_PAGE_CAP: u32 = 2000;
/// The largest clock offset, either way: ten years.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 10 * 366 * 86_400;
/// The most status moves after each page served.
pub const MAX_MOVES_PER_PAGE: u32 = 10_000;
/// The most desktops created or deleted after each page served.
pub const MAX_FLEET_CHANGES_PER_PAGE: u32 = 100;

/// What `total_count` counts, which the documentation leaves open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TotalCount {
    /// The desktops that match the request's filters (the literal reading).
    #[default]
    Filtered,
    /// Every desktop of the project, whatever the filters.
    Unfiltered,
}

/// How the emulator answers where the documentation leaves the service's behaviour open.
/// `Behaviour::default()` is the documented, most literal reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// At most this many desktops per page, whatever `limit` asks (1 to 2000); `None`: as many as
    /// `limit` asks.
    pub page_cap: Option<u32>,
    /// What `total_count` counts.
    pub total_count: TotalCount,
    /// The error code of a stale `X-Sdk-Date` (status 401). `*.0303` codes get the documented
    /// `signature expired, signature time:…,server time:…` message; any other code gets
    /// `verify aksk signature fail`.
    pub skew_error: String,
    /// How many seconds the gateway's clock is ahead of the machine's (negative: behind), for the
    /// clock-skew check and the `Date` header; within ±10 years.
    pub clock_offset_secs: i64,
    /// Serve data a strict client chokes on: `null` entries, unknown fields and values, a desktop
    /// without its name (see `docs/emulator.md` for exactly what).
    pub odd_data: bool,
    /// After each page served, this many distinct desktops (all of them, when the fleet is
    /// smaller) move to a plausible next status, as churn moves them (0 to 10,000).
    pub moves_per_page: u32,
    /// After each page served, and after its moves, this many desktops are created or deleted at
    /// random positions (0 to 100).
    pub fleet_changes_per_page: u32,
    /// The seed of the movement after each page: the same seed and the same requests, in the same
    /// order, move the same desktops. Setting a different seed while running starts its sequence
    /// afresh.
    pub move_seed: u64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            page_cap: None,
            total_count: TotalCount::Filtered,
            skew_error: "APIGW.0303".to_owned(),
            clock_offset_secs: 0,
            odd_data: false,
            moves_per_page: 0,
            fleet_changes_per_page: 0,
            move_seed: 0,
        }
    }
}

impl Behaviour {
    /// Caps pages at `n` desktops.
    pub fn page_cap(mut self, n: u32) -> Self {
        self.page_cap = Some(n);
        self
    }

    /// Sets what `total_count` counts.
    pub fn total_count(mut self, t: TotalCount) -> Self {
        self.total_count = t;
        self
    }

    /// Sets the error code of a stale `X-Sdk-Date`.
    pub fn skew_error(mut self, code: impl Into<String>) -> Self {
        self.skew_error = code.into();
        self
    }

    /// Puts the gateway's clock `secs` seconds ahead of the machine's (negative: behind).
    pub fn clock_offset_secs(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    /// Serves odd data.
    pub fn odd_data(mut self, on: bool) -> Self {
        self.odd_data = on;
        self
    }

    /// Moves `n` desktops to a plausible next status after each page served.
    pub fn moves_per_page(mut self, n: u32) -> Self {
        self.moves_per_page = n;
        self
    }

    /// Creates or deletes `n` desktops after each page served.
    pub fn fleet_changes_per_page(mut self, n: u32) -> Self {
        self.fleet_changes_per_page = n;
        self
    }

    /// Draws the movement after each page from `seed`.
    pub fn move_seed(mut self, seed: u64) -> Self {
        self.move_seed = seed;
        self
    }

    /// Why these values are out of bounds, if they are.
    pub fn check(&self) -> Result<(), String> {
        if let Some(cap) = self.page_cap {
            if !(1..=MAX_PAGE_CAP).contains(&cap) {
                return Err(format!("page cap must be from 1 to {MAX_PAGE_CAP}, got {cap}"));
            }
        }
        if self.clock_offset_secs.abs() > MAX_CLOCK_OFFSET_SECS {
            return Err(format!(
                "clock offset must be within ±{MAX_CLOCK_OFFSET_SECS} seconds (10 years), got {}",
                self.clock_offset_secs
            ));
        }
        if self.moves_per_page > MAX_MOVES_PER_PAGE {
            return Err(format!("moves per page must be from 0 to {MAX_MOVES_PER_PAGE}, got {}", self.moves_per_page));
        }
        if self.fleet_changes_per_page > MAX_FLEET_CHANGES_PER_PAGE {
            return Err(format!(
                "fleet changes per page must be from 0 to {MAX_FLEET_CHANGES_PER_PAGE}, got {}",
                self.fleet_changes_per_page
            ));
        }
        check_skew_error(&self.skew_error)
    }

    /// The same values brought within bounds: the page cap to 1..=2000, the clock offset to
    /// ±10 years, an unusable skew error code back to `APIGW.0303`, the moves per page to at most
    /// 10,000, the fleet changes per page to at most 100.
    pub fn clamped(mut self) -> Self {
        self.page_cap = self.page_cap.map(|c| c.clamp(1, MAX_PAGE_CAP));
        self.moves_per_page = self.moves_per_page.min(MAX_MOVES_PER_PAGE);
        self.fleet_changes_per_page = self.fleet_changes_per_page.min(MAX_FLEET_CHANGES_PER_PAGE);
        self.clock_offset_secs = self.clock_offset_secs.clamp(-MAX_CLOCK_OFFSET_SECS, MAX_CLOCK_OFFSET_SECS);
        if check_skew_error(&self.skew_error).is_err() {
            self.skew_error = Behaviour::default().skew_error;
        }
        self
    }
}

/// Why an error code cannot be sent, if it cannot.
fn check_skew_error(code: &str) -> Result<(), String> {
    if code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("skew error code must be 1 to 64 visible ASCII characters, got {code:?}"));
    }
    Ok(())
}

/// Why a churn rate is out of bounds, if it is.
pub(crate) fn check_churn(per_second: f64) -> Result<(), String> {
    if per_second.is_finite() && (0.0..=MAX_CHURN).contains(&per_second) {
        Ok(())
    } else {
        Err(format!("churn must be from 0 to {MAX_CHURN} transitions per second, got {per_second}"))
    }
}

/// Why a latency is out of bounds, if it is.
pub(crate) fn check_latency(latency: Duration) -> Result<(), String> {
    if latency <= MAX_LATENCY {
        Ok(())
    } else {
        Err(format!("latency must be from 0 to {} ms, got {} ms", MAX_LATENCY.as_millis(), latency.as_millis()))
    }
}

/// Why a rate limit is out of bounds, if it is.
pub(crate) fn check_rate_limit(per_second: Option<u32>) -> Result<(), String> {
    match per_second {
        Some(n) if !(1..=MAX_RATE_LIMIT).contains(&n) => {
            Err(format!("rate limit must be from 1 to {MAX_RATE_LIMIT} requests per second, got {n}"))
        }
        _ => Ok(()),
    }
}

/// The demo access key id, accepted when no other credentials are configured.
pub const DEMO_AK: &str = "WKSEMULATORDEMOAK001";
/// The demo secret key that goes with [`DEMO_AK`]. It is published: never use it elsewhere.
pub const DEMO_SK: &str = "workspace-emulator-demo-secret-key-0001";
/// The demo project id, served when no project id is configured.
pub const DEMO_PROJECT_ID: &str = "5f0c6a1e9b7d4c2a8e3f1b0d7a6c9e21";
/// The region the demo project is named after.
pub const DEMO_REGION: &str = "cn-north-4";
/// The demo IAM token, accepted when no other credentials are configured.
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
    Desktops(Vec<Desktop>),
}

/// The emulator's configuration. Start from `EmulatorConfig::default()`: loopback on an
/// ephemeral port, the demo project and credentials, a generated fleet of 200 desktops, no faults,
/// the documented behaviour.
///
/// The builder methods store what they are given; [`crate::Emulator::start`] refuses a
/// configuration out of bounds with an `io::Error` of kind `InvalidInput` (see
/// [`EmulatorConfig::check`]).
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The one project that exists.
    pub project_id: String,
    /// The region the project is named after, as IAM's project discovery reports it.
    pub region: String,
    /// The access key pairs accepted. The demo pair and the demo token are accepted only while
    /// no other credentials are configured: any other key pair or token removes both at start.
    pub keys: Vec<KeyPair>,
    /// The IAM tokens accepted in `X-Auth-Token`.
    pub auth_tokens: Vec<String>,
    /// When set, every admin request must carry `Authorization: Bearer {token}`.
    pub admin_token: Option<String>,
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
    /// How it answers where the documentation leaves the service's behaviour open.
    pub behaviour: Behaviour,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            project_id: DEMO_PROJECT_ID.to_owned(),
            region: DEMO_REGION.to_owned(),
            keys: vec![KeyPair::new(DEMO_AK, DEMO_SK)],
            auth_tokens: vec![DEMO_AUTH_TOKEN.to_owned()],
            admin_token: None,
            fleet: Fleet::Generated(FleetSpec::default()),
            latency: Duration::ZERO,
            rate_limit: None,
            churn: 0.0,
            max_clock_skew: Duration::from_secs(15 * 60),
            faults: Vec::new(),
            behaviour: Behaviour::default(),
        }
    }
}

impl EmulatorConfig {
    /// Serves a generated fleet of `n` desktops (seed and mix unchanged); at most 1,000,000.
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
    pub fn fleet(mut self, desktops: Vec<Desktop>) -> Self {
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

    /// Accepts these key pairs instead of the demo pair; the demo token is no longer accepted
    /// either.
    pub fn keys(mut self, keys: Vec<KeyPair>) -> Self {
        self.keys = keys;
        self.auth_tokens.retain(|t| t != DEMO_AUTH_TOKEN);
        self
    }

    /// Accepts these IAM tokens instead of the demo token; the demo key pair is no longer
    /// accepted either.
    pub fn auth_tokens(mut self, tokens: Vec<String>) -> Self {
        self.auth_tokens = tokens;
        self.keys.retain(|k| k.ak != DEMO_AK);
        self
    }

    /// Requires `Authorization: Bearer {token}` on every admin request.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Answers as `behaviour` says where the documentation leaves the service open.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Adds `latency` to every API response; at most 60 s.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Serves at most `per_second` API requests per second; from 1 to 1,000,000.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Makes `per_second` random status transitions per second; from 0 to 1000.
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

    /// Why this configuration cannot be served, if it cannot: a setting out of bounds.
    pub fn check(&self) -> Result<(), String> {
        if let Fleet::Generated(spec) = &self.fleet {
            if spec.desktops > MAX_DESKTOPS {
                return Err(format!("desktops must be from 0 to {MAX_DESKTOPS}, got {}", spec.desktops));
            }
        }
        check_churn(self.churn)?;
        check_latency(self.latency)?;
        check_rate_limit(self.rate_limit)?;
        self.behaviour.check()
    }

    /// The configuration as served: the demo credentials only while no others are given.
    pub(crate) fn settled(mut self) -> io::Result<Self> {
        self.check().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let custom = self.keys.iter().any(|k| k.ak != DEMO_AK) || self.auth_tokens.iter().any(|t| t != DEMO_AUTH_TOKEN);
        if custom {
            self.keys.retain(|k| k.ak != DEMO_AK);
            self.auth_tokens.retain(|t| t != DEMO_AUTH_TOKEN);
        }
        Ok(self)
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
            .field("admin_token", &self.admin_token.as_ref().map(|_| "[redacted]"))
            .field("fleet", &fleet)
            .field("latency", &self.latency)
            .field("rate_limit", &self.rate_limit)
            .field("churn", &self.churn)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("faults", &self.faults)
            .field("behaviour", &self.behaviour)
            .finish()
    }
}
