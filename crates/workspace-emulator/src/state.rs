//! The emulator's shared state: the fleet, the fault script, the settings and the counters.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{Behaviour, EmulatorConfig, Fleet, TotalCount};
use crate::faults::{Fault, FaultRule};
use crate::fleet;
use crate::model::Desktop;
use crate::query::Query;

/// With odd data, every 37th desktop of the fleet (36, 73, 110, ... from 0) is served as `null`:
/// a desktop the service lists and counts but fails to describe.
const NULL_EVERY: usize = 37;
/// The most status transitions made in one churn step.
const MAX_CHURN_STEP: usize = 10_000;

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
    /// The address it listens on.
    pub(crate) addr: SocketAddr,
    fleet: RwLock<Vec<Desktop>>,
    faults: Mutex<VecDeque<FaultRule>>,
    settings: Mutex<Settings>,
    behaviour: Mutex<Behaviour>,
    window: Mutex<(Instant, u32)>,
    counters: Counters,
}

/// The body of a page, serialized in the API's shape.
#[derive(Serialize)]
struct PageBody<'a> {
    desktops: Vec<Entry<'a>>,
    total_count: u64,
    /// Unknown top-level fields, with odd data.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extra: Option<Value>,
}

/// One entry of `desktops`.
#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Desktop(&'a Desktop),
    Odd(Value),
    /// Serialized as `null`.
    Null,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, addr: SocketAddr, now: Instant) -> Self {
        let desktops = match &config.fleet {
            Fleet::Generated(spec) => fleet::generate(spec),
            Fleet::Desktops(d) => d.clone(),
        };
        let settings = Settings { latency: config.latency, rate_limit: config.rate_limit, churn: config.churn };
        Self {
            behaviour: Mutex::new(config.behaviour.clone()),
            faults: Mutex::new(config.faults.iter().cloned().collect()),
            fleet: RwLock::new(desktops),
            settings: Mutex::new(settings),
            window: Mutex::new((now, 0)),
            counters: Counters::default(),
            addr,
            config,
        }
    }

    /// The page `query` asks for, serialized: matches in fleet order (with odd data, some served
    /// as `null`), at most `limit` (and the page cap) of them from `offset`.
    pub(crate) fn page(&self, query: &Query, behaviour: &Behaviour) -> Vec<u8> {
        let fleet = self.fleet.read().unwrap_or_else(PoisonError::into_inner);
        let odd = behaviour.odd_data;
        let offset = query.offset as usize;
        let limit = behaviour.page_cap.map_or(query.limit, |cap| query.limit.min(cap)) as usize;
        let mut position = 0usize;
        let mut desktops = Vec::with_capacity(limit.min(fleet.len()));
        for (i, d) in fleet.iter().enumerate().filter(|(_, d)| matches(d, query)) {
            if position >= offset && desktops.len() < limit {
                desktops.push(match (odd, i % NULL_EVERY == NULL_EVERY - 1) {
                    (true, true) => Entry::Null,
                    (true, false) => Entry::Odd(odd_desktop(i, d)),
                    (false, _) => Entry::Desktop(d),
                });
            }
            position += 1;
        }
        let total_count = match behaviour.total_count {
            TotalCount::Filtered => position,
            TotalCount::Unfiltered => fleet.len(),
        } as u64;
        let extra = odd.then(|| json!({"site_id": "emulated-site-1", "marker": "emulated"}));
        serde_json::to_vec(&PageBody { desktops, total_count, extra }).unwrap_or_default()
    }

    /// How it answers where the documentation is open.
    pub(crate) fn behaviour(&self) -> Behaviour {
        lock(&self.behaviour).clone()
    }

    pub(crate) fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.behaviour) = behaviour;
    }

    /// The gateway's clock: the machine's, shifted by the behaviour's offset.
    pub(crate) fn now(&self) -> SystemTime {
        shifted(SystemTime::now(), lock(&self.behaviour).clock_offset_secs)
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
    pub(crate) fn set_status(&self, desktop_id: &str, status: &str) -> bool {
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        match fleet.iter_mut().find(|d| d.desktop_id == desktop_id) {
            Some(d) => {
                status.clone_into(&mut d.connect_status);
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
        for _ in 0..n.min(MAX_CHURN_STEP) {
            let i = rng.usize(..fleet.len());
            let next = match fleet[i].connect_status.as_str() {
                "UNREGISTER" => "REGISTERED",
                "REGISTERED" => "CONNECTED",
                "CONNECTED" => "DISCONNECTED",
                _ if rng.bool() => "CONNECTED",
                _ => "REGISTERED",
            };
            next.clone_into(&mut fleet[i].connect_status);
        }
    }

    pub(crate) fn replace_fleet(&self, desktops: Vec<Desktop>) {
        *self.fleet.write().unwrap_or_else(PoisonError::into_inner) = desktops;
    }

    pub(crate) fn desktops(&self) -> Vec<Desktop> {
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

/// Whether a desktop matches the filters: its status equals `connect_status`, and one of its
/// attached entries of type `USER` has one of the names, when names are given.
fn matches(d: &Desktop, query: &Query) -> bool {
    if query.connect_status.as_ref().is_some_and(|s| *s != d.connect_status) {
        return false;
    }
    query.user_names.is_empty() || d.user_names().any(|n| query.user_names.contains(n))
}

/// The `i`-th desktop of the fleet with odd data: unknown fields in it and in its users, an
/// unknown `user_group` (every 7th), a `null` user (every 11th), a `ROBOT` entry (every 17th),
/// no `desktop_name` (every 13th).
fn odd_desktop(i: usize, d: &Desktop) -> Value {
    let mut users: Vec<Value> = d
        .attach_users
        .iter()
        .enumerate()
        .map(|(j, u)| {
            let group = if j == 0 && i % 7 == 6 { "power users" } else { u.user_group.as_str() };
            json!({"id": u.id, "name": u.name, "user_group": group, "type": u.attach_type, "marker": format!("m{j}")})
        })
        .collect();
    if i % 17 == 16 {
        users.push(json!({
            "id": format!("{i:032x}"),
            "name": format!("robot_{i}"),
            "user_group": "users",
            "type": "ROBOT",
            "marker": "robot",
        }));
    }
    if i % 11 == 10 {
        users.insert(0, Value::Null);
    }
    let mut v = json!({
        "desktop_id": d.desktop_id,
        "connect_status": d.connect_status,
        "attach_users": users,
        "site_id": "emulated-site-1",
        "product": {"flavor_id": "workspace.x86.ultimate.large2", "vcpus": 2},
    });
    if i % 13 != 12 {
        v["desktop_name"] = json!(d.desktop_name);
    }
    v
}

/// `t` moved by `secs` seconds.
pub(crate) fn shifted(t: SystemTime, secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 { t.checked_add(d).unwrap_or(t) } else { t.checked_sub(d).unwrap_or(t) }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
