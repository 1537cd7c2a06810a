//! What a client is made of, decided once for both drivers: its options, and the shared core
//! that starts calls and pagers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use workspace_types::{ListDesktopsConnectStatusRequest, ProjectId};

use crate::call::Call;
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::{ConfigError, Error};
use crate::iam::iam_endpoint;
use crate::profile::ServiceProfile;
use crate::request::{Config, ProjectSource};
use crate::retry::{ClockSkew, RetryBudget, RetryPolicy};

/// The default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit for one attempt, from sending the request to the end of the response.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client's options, as given. [`build`](Self::build) checks them.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    endpoint: Option<String>,
    fallback_endpoints: Vec<String>,
    iam_endpoint: Option<String>,
    region: Option<String>,
    project_id: Option<String>,
    credentials: Option<Credentials>,
    retry_policy: RetryPolicy,
    retry_budget: Option<RetryBudget>,
    user_agent_suffix: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            endpoint: None,
            fallback_endpoints: Vec::new(),
            iam_endpoint: None,
            region: None,
            project_id: None,
            credentials: None,
            retry_policy: RetryPolicy::standard(),
            retry_budget: Some(RetryBudget::default()),
            user_agent_suffix: None,
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

impl ClientOptions {
    /// Options with the defaults: the standard retry policy, a retry budget, 10 s to connect and
    /// 30 s per attempt.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends requests to this base URL (`https://host[:port]`, or `http://` on loopback).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Endpoints to fail over to, in order, when the endpoint (or the region's) cannot be
    /// reached. Service errors never fail over.
    pub fn fallback_endpoints<I, S>(mut self, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fallback_endpoints = urls.into_iter().map(Into::into).collect();
        self
    }

    /// The IAM endpoint that project discovery asks (default: the region's, else the global one).
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

    /// The credentials requests are authenticated with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The retry policy ([`RetryPolicy::disabled`] turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The retry budget shared by this client's calls; `None` for no budget.
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Appends `; {suffix}` to the `User-Agent`, to name your application.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The limit for one attempt, from sending the request to the end of the response.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit for one attempt.
    pub fn attempt_timeout(&self) -> Duration {
        self.timeout
    }

    /// The limit for establishing a connection.
    pub fn connection_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Checks the options. The error says what is missing or wrong, and nothing is sent.
    ///
    /// An endpoint URL, when given, overrides the region's endpoint; the region then still names
    /// the project to discover when no project id is given.
    pub fn build(&self) -> Result<ClientCore, Error> {
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::parse(url)?,
            (None, Some(region)) => Endpoint::region(region)?,
            (None, None) => {
                return Err(
                    ConfigError::new("no endpoint: set an endpoint URL or a region (such as cn-north-4)").into()
                );
            }
        };
        let fallbacks = self.fallback_endpoints.iter().map(|u| Endpoint::parse(u)).collect::<Result<Vec<_>, _>>()?;
        let project = match (&self.project_id, &self.region) {
            (Some(id), _) => ProjectSource::Id(ProjectId::new(id.as_str())?),
            (None, Some(region)) => {
                let iam = match &self.iam_endpoint {
                    Some(url) => Endpoint::parse(url)?,
                    None => iam_endpoint(region)?,
                };
                ProjectSource::Discover { region: region.clone(), iam }
            }
            (None, None) => {
                return Err(
                    ConfigError::new("no project id: set the project id, or a region to discover it from").into()
                );
            }
        };
        let credentials = self
            .credentials
            .clone()
            .ok_or_else(|| ConfigError::new("no credentials: set an AK/SK pair or an IAM token"))?;
        let mut config = Config::with_project(endpoint, project, credentials).with_fallback_endpoints(fallbacks);
        if let Some(suffix) = &self.user_agent_suffix {
            config = config.with_user_agent_suffix(suffix)?;
        }
        Ok(ClientCore::new(config, self.retry_policy.clone(), self.retry_budget.clone()))
    }
}

/// What every call of a client shares: configuration, retry policy, retry budget and the learnt
/// clock skew. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ClientCore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    policy: RetryPolicy,
    budget: Option<RetryBudget>,
    skew: ClockSkew,
    profile: ServiceProfile,
    project: OnceLock<ProjectId>,
    preferred_endpoint: AtomicUsize,
}

impl ClientCore {
    /// A core from its parts.
    pub fn new(config: Config, policy: RetryPolicy, budget: Option<RetryBudget>) -> Self {
        let project = OnceLock::new();
        if let Some(id) = config.project_id() {
            let _ = project.set(id.clone());
        }
        let inner = Inner {
            config,
            policy,
            budget,
            skew: ClockSkew::default(),
            profile: ServiceProfile::default(),
            project,
            preferred_endpoint: AtomicUsize::new(0),
        };
        Self { inner: Arc::new(inner) }
    }

    /// The project id: given, or once discovered.
    pub fn project_id(&self) -> Option<&ProjectId> {
        self.inner.project.get()
    }

    /// Records a discovered project id, for this client and its clones (nothing is shared
    /// between clients: to reuse a discovered id, give it to the next client's options).
    pub(crate) fn set_project_id(&self, id: ProjectId) {
        let _ = self.inner.project.set(id);
    }

    /// The index of the endpoint calls start with: the last one that could be reached.
    pub(crate) fn preferred_endpoint(&self) -> usize {
        self.inner.preferred_endpoint.load(Ordering::Relaxed) % self.inner.config.endpoints().len()
    }

    pub(crate) fn prefer_endpoint(&self, index: usize) {
        self.inner.preferred_endpoint.store(index, Ordering::Relaxed);
    }

    /// Starts a call of `request`; `jitter_seed` drives the backoff jitter.
    pub fn call(&self, request: ListDesktopsConnectStatusRequest, jitter_seed: u64) -> Call {
        Call::new(self.clone(), request, jitter_seed)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }

    /// The retry budget, if any.
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_ref()
    }

    /// The learnt clock skew.
    pub fn skew(&self) -> &ClockSkew {
        &self.inner.skew
    }

    /// What this client has learnt of the service's page cap and totals.
    pub fn profile(&self) -> &ServiceProfile {
        &self.inner.profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_conflicting_options_are_named() {
        let creds = Credentials::ak_sk("ak", "sk").unwrap();
        let cases = [
            (ClientOptions::new(), "no endpoint"),
            (ClientOptions::new().endpoint("https://example.com"), "no project id"),
            (ClientOptions::new().region("cn-north-4").project_id("p"), "no credentials"),
            (
                ClientOptions::new()
                    .region("cn-north-4")
                    .credentials(creds.clone())
                    .fallback_endpoints(["http://example.com"]),
                "loopback",
            ),
            (ClientOptions::new().region("atlantis").project_id("p").credentials(creds.clone()), "unknown region"),
            (ClientOptions::new().region("cn-north-4").project_id("a/b").credentials(creds.clone()), "project_id"),
        ];
        for (options, expected) in cases {
            let err = options.build().unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
        assert!(ClientOptions::new().region("cn-north-4").project_id("p").credentials(creds).build().is_ok());
    }
}
