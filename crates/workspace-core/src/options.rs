//! A client's options: one value, checked when built, taken by both clients and by the sans-IO
//! functions alike.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderValue;
use workspace_types::ProjectId;

use crate::credentials::Credentials;
use crate::endpoint::{Endpoint, iam_endpoint};
use crate::error::{ConfigError, Error};
use crate::retry::{RetryBudget, RetryPolicy};

/// The `User-Agent` this SDK sends: its name and version.
pub const SDK_USER_AGENT: &str = concat!("workspace-rs/", env!("CARGO_PKG_VERSION"));

/// The default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit for one attempt, from sending the request to the end of the response.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body the built-in transports accept by default: 64 MiB (a page of 2,000
/// desktops is well under 1 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// How long the built-in transports keep an idle connection for reuse. Servers close idle
/// connections on their own schedule (the emulator after 10 s); a connection closed just as it is
/// reused costs a failed attempt and a retry, so one idle for longer is opened anew.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How many requests a whole-fleet read keeps in flight by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Where the project id comes from: given, or discovered from IAM by region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectSource {
    /// A known project id.
    Id(ProjectId),
    /// Discover the id of the project named after `region`, from the IAM endpoint `iam`
    /// (`GET /v3/projects?name={region}`, signed with the same credentials).
    Discover {
        /// The region, which is also the project's name.
        region: String,
        /// The IAM endpoint asked.
        iam: Endpoint,
    },
}

/// A client's options, checked: where requests go, for which project, who signs them, how calls
/// retry and time out. Build it with [`ClientOptions::builder`]; both clients and
/// [`build_request`](crate::build_request) take it.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    endpoints: Vec<Endpoint>,
    project: ProjectSource,
    credentials: Credentials,
    user_agent: HeaderValue,
    retry_policy: RetryPolicy,
    retry_budget: Option<u32>,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: u64,
    concurrency: usize,
    clock: Option<Clock>,
    jitter_seed: Option<u64>,
}

impl ClientOptions {
    /// A builder with the defaults: the standard retry policy, a retry budget of 500 tokens, 10 s
    /// to connect, 30 s per attempt, responses up to 64 MiB, 8 requests in flight for a fleet read.
    pub fn builder() -> ClientOptionsBuilder {
        ClientOptionsBuilder::default()
    }

    /// The first endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        // Never empty: built with one endpoint, only ever extended.
        &self.endpoints[0]
    }

    /// Every endpoint, in failover order.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Where the project id comes from.
    pub fn project(&self) -> &ProjectSource {
        &self.project
    }

    /// The project id, when it was given.
    pub fn project_id(&self) -> Option<&ProjectId> {
        match &self.project {
            ProjectSource::Id(id) => Some(id),
            ProjectSource::Discover { .. } => None,
        }
    }

    /// The credentials requests are authenticated with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        // Only ever built from printable ASCII.
        self.user_agent.to_str().unwrap_or(SDK_USER_AGENT)
    }

    pub(crate) fn user_agent_header(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// The capacity of a client's retry budget, if it has one.
    pub fn retry_budget(&self) -> Option<u32> {
        self.retry_budget
    }

    /// The limit for one attempt. Each request a call hands out carries the smaller of this and
    /// what remains of the policy's deadline, as an [`AttemptTimeout`](crate::AttemptTimeout).
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The limit for establishing a connection (for the built-in transports).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The largest response body accepted (for the built-in transports).
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// How many requests a whole-fleet read or a count keeps in flight, once the client's
    /// credentials were accepted (one at a time until then).
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The clock the clients read, when it is not the system clock.
    pub fn clock(&self) -> Option<&Clock> {
        self.clock.as_ref()
    }

    /// The seed of the backoff jitter, when it is fixed.
    pub fn jitter_seed(&self) -> Option<u64> {
        self.jitter_seed
    }

    /// A builder holding these options, to change some of them explicitly.
    pub fn to_builder(&self) -> ClientOptionsBuilder {
        let (region, iam) = match &self.project {
            ProjectSource::Discover { region, iam } => (Some(region.clone()), Some(iam.to_string())),
            ProjectSource::Id(_) => (None, None),
        };
        ClientOptionsBuilder {
            endpoint: Some(self.endpoint().to_string()),
            fallback_endpoints: self.endpoints[1..].iter().map(ToString::to_string).collect(),
            iam_endpoint: iam,
            region,
            project_id: self.project_id().map(|p| p.as_str().to_owned()),
            credentials: Some(self.credentials.clone()),
            user_agent_suffix: self
                .user_agent()
                .strip_prefix(SDK_USER_AGENT)
                .and_then(|s| s.strip_prefix("; "))
                .map(str::to_owned),
            ..ClientOptionsBuilder::default()
        }
        .retry_policy(self.retry_policy.clone())
        .retry_budget(self.retry_budget)
        .attempt_timeout(self.attempt_timeout)
        .connect_timeout(self.connect_timeout)
        .max_response_bytes(self.max_response_bytes)
        .concurrency(self.concurrency)
        .with_clock(self.clock.clone())
        .with_jitter_seed(self.jitter_seed)
    }
}

/// Where a client reads the time: a function of your own instead of the system clock, for
/// tests (the core itself never reads a clock).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl Clock {
    /// A clock that reads `now`.
    pub fn new(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The time.
    pub fn now(&self) -> SystemTime {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Builds [`ClientOptions`]; [`build`](Self::build) checks every value. Setting an option twice
/// keeps the last value; nothing is ever replaced behind the caller's back.
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientOptionsBuilder {
    endpoint: Option<String>,
    fallback_endpoints: Vec<String>,
    iam_endpoint: Option<String>,
    region: Option<String>,
    project_id: Option<String>,
    credentials: Option<Credentials>,
    retry_policy: RetryPolicy,
    retry_budget: Option<u32>,
    user_agent_suffix: Option<String>,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: u64,
    concurrency: usize,
    clock: Option<Clock>,
    jitter_seed: Option<u64>,
}

impl Default for ClientOptionsBuilder {
    fn default() -> Self {
        Self {
            endpoint: None,
            fallback_endpoints: Vec::new(),
            iam_endpoint: None,
            region: None,
            project_id: None,
            credentials: None,
            retry_policy: RetryPolicy::standard(),
            retry_budget: Some(RetryBudget::DEFAULT_CAPACITY),
            user_agent_suffix: None,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            concurrency: DEFAULT_CONCURRENCY,
            clock: None,
            jitter_seed: None,
        }
    }
}

impl ClientOptionsBuilder {
    /// Sends requests to this base URL (`https://host[:port]`, or `http://` on a loopback host).
    /// It overrides the region's endpoint; the region still names the project to discover.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Endpoints to fail over to, in order, when the endpoint cannot be reached (a connection or
    /// TLS handshake failure). Service errors never fail over.
    pub fn fallback_endpoints<I, S>(mut self, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fallback_endpoints = urls.into_iter().map(Into::into).collect();
        self
    }

    /// The IAM endpoint that project discovery asks (default: the region's where the official
    /// SDKs' table has one, else the global one).
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// Sends requests to this documented region's endpoint, such as `cn-north-4`. Without a
    /// project id, the id of the project named after the region is discovered from IAM.
    pub fn region(mut self, id: impl Into<String>) -> Self {
        self.region = Some(id.into());
        self
    }

    /// The project whose desktops are listed.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// The credentials: an AK/SK pair (optionally temporary) or an IAM token.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The retry policy ([`RetryPolicy::disabled`] turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The capacity of the retry budget a client's calls share (default 500 tokens); `None` for
    /// no budget.
    pub fn retry_budget(mut self, capacity: Option<u32>) -> Self {
        self.retry_budget = capacity;
        self
    }

    /// Appends `; {suffix}` to the `User-Agent`, to name your application.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The limit for one attempt, from sending the request to the end of the response (default
    /// 30 s; at least 1 ms).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The limit for establishing a connection (default 10 s; at least 1 ms).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest response body the built-in transports accept (default 64 MiB).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// How many requests a whole-fleet read or a count keeps in flight (default 8; 1 sends one
    /// request after the other).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// Reads the time from `now` instead of the system clock (for tests).
    pub fn clock(self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.with_clock(Some(Clock::new(now)))
    }

    /// Seeds the backoff jitter, so that waits are the same on every run (for tests); each call
    /// of a client draws the next seed.
    pub fn jitter_seed(self, seed: u64) -> Self {
        self.with_jitter_seed(Some(seed))
    }

    fn with_clock(mut self, clock: Option<Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn with_jitter_seed(mut self, seed: Option<u64>) -> Self {
        self.jitter_seed = seed;
        self
    }

    /// The region set, if any (for configuration loaders, which fill in what is not set).
    pub fn get_region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The endpoint set, if any.
    pub fn get_endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The project id set, if any.
    pub fn get_project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The IAM endpoint set, if any.
    pub fn get_iam_endpoint(&self) -> Option<&str> {
        self.iam_endpoint.as_deref()
    }

    /// Whether credentials were set.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// Checks every value. The error says what is missing or wrong; nothing is sent.
    pub fn build(self) -> Result<ClientOptions, Error> {
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::parse(url)?,
            (None, Some(region)) => Endpoint::region(region)?,
            (None, None) => {
                return Err(
                    ConfigError::missing("endpoint", "set an endpoint URL or a region (such as cn-north-4)").into()
                );
            }
        };
        let mut endpoints = vec![endpoint];
        for url in &self.fallback_endpoints {
            endpoints.push(Endpoint::parse(url)?);
        }
        let project = match (self.project_id, self.region) {
            (Some(id), _) => ProjectSource::Id(ProjectId::new(id)?),
            (None, Some(region)) => {
                let iam = match &self.iam_endpoint {
                    Some(url) => Endpoint::parse(url)?,
                    None => iam_endpoint(&region)?,
                };
                ProjectSource::Discover { region, iam }
            }
            (None, None) => {
                return Err(
                    ConfigError::missing("project id", "set the project id, or a region to discover it from").into()
                );
            }
        };
        let credentials =
            self.credentials.ok_or_else(|| ConfigError::missing("credentials", "set an AK/SK pair or an IAM token"))?;
        let user_agent = match &self.user_agent_suffix {
            None => HeaderValue::from_static(SDK_USER_AGENT),
            Some(suffix) => {
                let ua = format!("{SDK_USER_AGENT}; {suffix}");
                if suffix.trim().is_empty() || !ua.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
                    let why = "must be non-empty printable ASCII";
                    return Err(ConfigError::invalid("user agent suffix", suffix.as_str(), why).into());
                }
                HeaderValue::from_str(&ua)
                    .map_err(|_| ConfigError::invalid("user agent suffix", suffix.as_str(), "is not a header value"))?
            }
        };
        for (name, d) in [("attempt timeout", self.attempt_timeout), ("connect timeout", self.connect_timeout)] {
            if d < Duration::from_millis(1) {
                return Err(ConfigError::invalid_secret(format!("the {name}"), "must be at least 1 ms").into());
            }
        }
        if self.concurrency == 0 {
            return Err(ConfigError::invalid_secret("the concurrency", "must be at least 1").into());
        }
        Ok(ClientOptions {
            endpoints,
            project,
            credentials,
            user_agent,
            retry_policy: self.retry_policy,
            retry_budget: self.retry_budget,
            attempt_timeout: self.attempt_timeout,
            connect_timeout: self.connect_timeout,
            max_response_bytes: self.max_response_bytes,
            concurrency: self.concurrency,
            clock: self.clock,
            jitter_seed: self.jitter_seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_wrong_options_are_named() {
        let creds = Credentials::ak_sk("ak", "sk").unwrap();
        let b = ClientOptions::builder;
        let cases = [
            (b(), "no endpoint"),
            (b().endpoint("https://example.com"), "no project id"),
            (b().region("cn-north-4").project_id("p"), "no credentials"),
            (
                b().region("cn-north-4").credentials(creds.clone()).fallback_endpoints(["http://example.com"]),
                "loopback",
            ),
            (b().region("atlantis").project_id("p").credentials(creds.clone()), "region \"atlantis\" is unknown"),
            (b().region("cn-north-4").project_id("a/b").credentials(creds.clone()), "project_id"),
            (b().region("cn-north-4").project_id("p").credentials(creds.clone()).concurrency(0), "concurrency"),
            (
                b().region("cn-north-4").project_id("p").credentials(creds.clone()).user_agent_suffix("a\r\nb"),
                "user agent",
            ),
        ];
        for (builder, expected) in cases {
            let err = builder.build().unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
        let ok =
            b().region("cn-north-4").project_id("p").credentials(creds).user_agent_suffix("app/1").build().unwrap();
        assert_eq!(ok.user_agent(), format!("{SDK_USER_AGENT}; app/1"));
    }

    #[test]
    fn the_last_value_set_wins_and_a_builder_round_trips() {
        let creds = Credentials::ak_sk("ak", "sk").unwrap();
        let options = ClientOptions::builder()
            .region("cn-north-4")
            .endpoint("http://127.0.0.1:1")
            .endpoint("http://127.0.0.1:2")
            .fallback_endpoints(["http://127.0.0.1:3"])
            .credentials(creds)
            .concurrency(3)
            .build()
            .unwrap();
        assert_eq!(options.endpoint().port(), Some(2));
        let again = options.to_builder().build().unwrap();
        assert_eq!(again.endpoints(), options.endpoints());
        assert_eq!(again.project(), options.project());
        assert_eq!(again.concurrency(), 3);
        assert!(matches!(again.project(), ProjectSource::Discover { region, .. } if region == "cn-north-4"));
    }
}
