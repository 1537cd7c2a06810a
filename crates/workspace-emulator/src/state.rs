//! The emulator's shared state: the fleet, the fault script, the settings and the counters.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use workspace_types::{ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest, limits::DEFAULT_LIMIT};

use crate::config::{EmulatorConfig, Fleet};
use crate::faults::{Fault, FaultRule};
use crate::fleet;

/// What the emulator has served so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// API requests received (admin requests are not counted).
    pub requests: u64,
    /// API requests answered with 200 and a page.
    pub pages_served: u64,
    /// API requests refused for their authentication (401).
    pub auth_failures: u64,
    /// API requests refused for their input (400).
    pub bad_requests: u64,
    /// API requests that got a scripted fault.
    pub faults_applied: u64,
    /// API requests refused by the rate limit (429).
    pub throttled: u64,
}

/// Settings that can change while the emulator runs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Settings {
    pub(crate) latency: Duration,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) churn: f64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    pages_served: AtomicU64,
    auth_failures: AtomicU64,
    bad_requests: AtomicU64,
    faults_applied: AtomicU64,
    throttled: AtomicU64,
}

/// A counter to bump.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Count {
    Request,
    Page,
    AuthFailure,
    BadRequest,
    Fault,
    Throttled,
}

/// Everything the server's tasks and the handle share.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    fleet: RwLock<Vec<ConnectDesktopsInfo>>,
    faults: Mutex<VecDeque<FaultRule>>,
    settings: Mutex<Settings>,
    window: Mutex<(Instant, u32)>,
    counters: Counters,
}

/// The body of a page: borrowed desktops, serialized in the API's shape.
#[derive(Serialize)]
struct PageBody<'a> {
    desktops: Vec<&'a ConnectDesktopsInfo>,
    total_count: u64,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, now: Instant) -> Self {
        let desktops = match &config.fleet {
            Fleet::Generated(spec) => fleet::generate(spec),
            Fleet::Desktops(d) => d.clone(),
        };
        let settings = Settings { latency: config.latency, rate_limit: config.rate_limit, churn: config.churn };
        Self {
            faults: Mutex::new(config.faults.iter().cloned().collect()),
            fleet: RwLock::new(desktops),
            settings: Mutex::new(settings),
            window: Mutex::new((now, 0)),
            counters: Counters::default(),
            config,
        }
    }

    /// The page `query` asks for, serialized: matches in fleet order, `total_count` = all matches.
    pub(crate) fn page(&self, query: &ListDesktopsConnectStatusRequest) -> Vec<u8> {
        let fleet = self.fleet.read().unwrap_or_else(PoisonError::into_inner);
        let offset = query.offset().unwrap_or(0) as usize;
        let limit = query.limit().unwrap_or(DEFAULT_LIMIT) as usize;
        let names = query.user_names();
        let mut total = 0u64;
        let mut desktops = Vec::with_capacity(limit.min(fleet.len()));
        for d in fleet.iter().filter(|d| matches(d, query.connect_status(), names)) {
            if total as usize >= offset && desktops.len() < limit {
                desktops.push(d);
            }
            total += 1;
        }
        serde_json::to_vec(&PageBody { desktops, total_count: total }).unwrap_or_default()
    }

    /// The next scripted fault, if any.
    pub(crate) fn next_fault(&self) -> Option<Fault> {
        let mut q = lock(&self.faults);
        let rule = q.front_mut()?;
        let fault = rule.fault.clone();
        rule.times -= 1;
        if rule.times == 0 {
            q.pop_front();
        }
        Some(fault)
    }

    pub(crate) fn push_faults(&self, rules: impl IntoIterator<Item = FaultRule>) {
        lock(&self.faults).extend(rules.into_iter().filter(|r| r.times > 0));
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn pending_faults(&self) -> Vec<FaultRule> {
        lock(&self.faults).iter().cloned().collect()
    }

    pub(crate) fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    pub(crate) fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut lock(&self.settings));
    }

    /// Whether one more request fits in the rate limit of the current one-second window.
    pub(crate) fn admit(&self, now: Instant) -> bool {
        let Some(limit) = self.settings().rate_limit else { return true };
        let mut w = lock(&self.window);
        if now.duration_since(w.0) >= Duration::from_secs(1) {
            *w = (now, 0);
        }
        w.1 += 1;
        w.1 <= limit
    }

    /// Sets a desktop's status; `false` when there is no such desktop.
    pub(crate) fn set_status(&self, desktop_id: &str, status: ConnectStatus) -> bool {
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        match fleet.iter_mut().find(|d| d.desktop_id.as_deref() == Some(desktop_id)) {
            Some(d) => {
                d.connect_status = Some(status);
                true
            }
            None => false,
        }
    }

    /// Moves `n` random desktops to a plausible next status.
    pub(crate) fn churn(&self, rng: &mut fastrand::Rng, n: usize) {
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        if fleet.is_empty() {
            return;
        }
        for _ in 0..n {
            let i = rng.usize(..fleet.len());
            let next = match fleet[i].connect_status {
                Some(ConnectStatus::Unregister) => ConnectStatus::Registered,
                Some(ConnectStatus::Registered) => ConnectStatus::Connected,
                Some(ConnectStatus::Connected) => ConnectStatus::Disconnected,
                _ if rng.bool() => ConnectStatus::Connected,
                _ => ConnectStatus::Registered,
            };
            fleet[i].connect_status = Some(next);
        }
    }

    pub(crate) fn replace_fleet(&self, desktops: Vec<ConnectDesktopsInfo>) {
        *self.fleet.write().unwrap_or_else(PoisonError::into_inner) = desktops;
    }

    pub(crate) fn desktops(&self) -> Vec<ConnectDesktopsInfo> {
        self.fleet.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn count(&self, what: Count) {
        let c = &self.counters;
        let counter = match what {
            Count::Request => &c.requests,
            Count::Page => &c.pages_served,
            Count::AuthFailure => &c.auth_failures,
            Count::BadRequest => &c.bad_requests,
            Count::Fault => &c.faults_applied,
            Count::Throttled => &c.throttled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stats(&self) -> Stats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            requests: get(&c.requests),
            pages_served: get(&c.pages_served),
            auth_failures: get(&c.auth_failures),
            bad_requests: get(&c.bad_requests),
            faults_applied: get(&c.faults_applied),
            throttled: get(&c.throttled),
        }
    }
}

/// Whether a desktop matches the filters: its status, and one of its attached users (type `USER`)
/// among `names` (sorted) when names are given.
fn matches(d: &ConnectDesktopsInfo, status: Option<&ConnectStatus>, names: &[String]) -> bool {
    if status.is_some_and(|s| d.connect_status.as_ref() != Some(s)) {
        return false;
    }
    names.is_empty() || d.user_names().any(|n| names.binary_search_by(|x| x.as_str().cmp(n)).is_ok())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
