//! What a client's calls share: its options, and what it learns while it runs.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use workspace_types::ProjectId;

use crate::options::ClientOptions;
use crate::profile::ServiceProfile;
use crate::retry::{ClockSkew, RetryBudget};

/// A client's options and its shared state: the retry budget, the learnt clock skew and
/// [`ServiceProfile`], the discovered project id, the endpoint that last answered. Cheap to clone;
/// clones share the state. Nothing is shared between cores built separately.
#[derive(Clone, Debug)]
pub struct ClientCore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: ClientOptions,
    budget: Option<RetryBudget>,
    skew: ClockSkew,
    profile: ServiceProfile,
    project: OnceLock<ProjectId>,
    preferred_endpoint: AtomicUsize,
    /// No call sends before this time: the service throttled one of them.
    throttled_until: Mutex<Option<SystemTime>>,
    seeds: AtomicU64,
}

impl ClientCore {
    /// A core for `options`, with nothing learnt yet.
    pub fn new(options: ClientOptions) -> Self {
        let project = OnceLock::new();
        if let Some(id) = options.project_id() {
            let _ = project.set(id.clone());
        }
        // Without a fixed seed, each core draws its own, so that clients do not retry in step.
        let options_seed = options.jitter_seed().unwrap_or_else(|| RandomState::new().hash_one(0u8));
        let inner = Inner {
            budget: options.retry_budget().map(RetryBudget::new),
            options,
            skew: ClockSkew::default(),
            profile: ServiceProfile::default(),
            project,
            preferred_endpoint: AtomicUsize::new(0),
            throttled_until: Mutex::new(None),
            seeds: AtomicU64::new(options_seed),
        };
        Self { inner: Arc::new(inner) }
    }

    /// The options.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The project id: given, or once discovered.
    pub fn project_id(&self) -> Option<&ProjectId> {
        self.inner.project.get()
    }

    /// What this client has learnt of the service's page cap and totals.
    pub fn profile(&self) -> &ServiceProfile {
        &self.inner.profile
    }

    /// The jitter seed of the next call.
    pub(crate) fn next_seed(&self) -> u64 {
        self.inner.seeds.fetch_add(1, Ordering::Relaxed)
    }

    /// Records a discovered project id, for this core and its clones (nothing is shared between
    /// cores: to reuse a discovered id, give it to the next client's options).
    pub(crate) fn set_project_id(&self, id: ProjectId) {
        let _ = self.inner.project.set(id);
    }

    /// The index of the endpoint calls start with: the last one that could be reached.
    pub(crate) fn preferred_endpoint(&self) -> usize {
        self.inner.preferred_endpoint.load(Ordering::Relaxed) % self.inner.options.endpoints().len()
    }

    pub(crate) fn prefer_endpoint(&self, index: usize) {
        self.inner.preferred_endpoint.store(index, Ordering::Relaxed);
    }

    /// Holds every call of this client back until `until`: one call was throttled, so all wait.
    pub(crate) fn throttle(&self, until: SystemTime) {
        let mut t = self.inner.throttled_until.lock().unwrap_or_else(PoisonError::into_inner);
        if t.is_none_or(|current| current < until) {
            *t = Some(until);
        }
    }

    /// How long a call must still wait at `now` before sending, after a throttled one.
    pub(crate) fn throttled_for(&self, now: SystemTime) -> Option<Duration> {
        let t = self.inner.throttled_until.lock().unwrap_or_else(PoisonError::into_inner);
        t.and_then(|until| until.duration_since(now).ok()).filter(|d| !d.is_zero())
    }

    pub(crate) fn budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_ref()
    }

    pub(crate) fn skew(&self) -> &ClockSkew {
        &self.inner.skew
    }
}

/// A core for tests: a cn-north-4 endpoint, project `p`, keys `ak`/`sk`.
#[cfg(test)]
pub(crate) fn test_core() -> ClientCore {
    let options = ClientOptions::builder()
        .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
        .project_id("p")
        .credentials(crate::Credentials::ak_sk("ak", "sk").expect("test keys"))
        .build()
        .expect("test options");
    ClientCore::new(options)
}
