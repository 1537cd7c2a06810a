//! The emulator's shared state: the fleet, the fault script, the settings, the movement after
//! each page, the record of what moved, and the counters.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{Behaviour, EmulatorConfig, Fleet, MAX_DESKTOPS, TotalCount};
use crate::faults::{Fault, FaultRule};
use crate::fleet::{self, STATUSES};
use crate::model::{AttachedUser, Desktop};
use crate::query::Query;

/// With odd data, every 37th desktop of the fleet (36, 73, 110, ... from 0) is served as `null`:
/// a desktop the service lists and counts but fails to describe.
const NULL_EVERY: usize = 37;
/// The most status transitions made in one churn step.
const MAX_CHURN_STEP: usize = 10_000;
/// The ids of desktops created after a page: this prefix, then a counter in 12 hex digits, so
/// they have the generated ids' UUID form.
const CREATED_ID_PREFIX: &str = "c0000000-0000-4000-8000-";

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
    /// API requests whose client went away while their answer was held back (by the latency
    /// setting or a delay fault), before it was written.
    pub abandoned: u64,
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
    abandoned: AtomicU64,
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
    Abandoned,
}

/// The movement after each page: its random sequence and the counter of created ids.
struct Movement {
    rng: fastrand::Rng,
    /// The counter of the next created desktop's id, above every counter-shaped id ever in the
    /// fleet.
    next_id: u64,
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
    movement: Mutex<Movement>,
    /// The ids of desktops moved, created or deleted since start or since the record was cleared.
    touched: Mutex<BTreeSet<String>>,
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
        let movement = Movement {
            rng: fastrand::Rng::with_seed(config.behaviour.move_seed),
            next_id: next_created_id(&desktops, 1),
        };
        Self {
            behaviour: Mutex::new(config.behaviour.clone()),
            movement: Mutex::new(movement),
            touched: Mutex::new(BTreeSet::new()),
            faults: Mutex::new(config.faults.iter().cloned().collect()),
            fleet: RwLock::new(desktops),
            settings: Mutex::new(settings),
            window: Mutex::new((now, 0)),
            counters: Counters::default(),
            addr,
            config,
        }
    }

    /// The page `query` asks for, serialized (see [`render`]); then, with the fleet still locked,
    /// the movement the behaviour asks after each page.
    pub(crate) fn page(&self, query: &Query, behaviour: &Behaviour) -> Vec<u8> {
        let (moves, changes) = (behaviour.moves_per_page as usize, behaviour.fleet_changes_per_page as usize);
        if moves == 0 && changes == 0 {
            return render(&self.fleet.read().unwrap_or_else(PoisonError::into_inner), query, behaviour);
        }
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        let body = render(&fleet, query, behaviour);
        let mut movement = lock(&self.movement);
        let mut touched = lock(&self.touched);
        let Movement { rng, next_id } = &mut *movement;
        for i in distinct_indices(rng, fleet.len(), moves) {
            let d = &mut fleet[i];
            next_status(rng, &d.connect_status).clone_into(&mut d.connect_status);
            touched.insert(d.desktop_id.clone());
        }
        for _ in 0..changes {
            let create = fleet.is_empty() || (fleet.len() < MAX_DESKTOPS && rng.bool());
            if create {
                let d = created_desktop(rng, *next_id, &fleet);
                *next_id += 1;
                touched.insert(d.desktop_id.clone());
                let at = rng.usize(..=fleet.len());
                fleet.insert(at, d);
            } else {
                let at = rng.usize(..fleet.len());
                touched.insert(fleet.remove(at).desktop_id);
            }
        }
        body
    }

    /// The ids of desktops whose status changed, or which were created or deleted, since start or
    /// since the record was cleared.
    pub(crate) fn touched(&self) -> BTreeSet<String> {
        lock(&self.touched).clone()
    }

    pub(crate) fn clear_touched(&self) {
        lock(&self.touched).clear();
    }

    /// How it answers where the documentation is open.
    pub(crate) fn behaviour(&self) -> Behaviour {
        lock(&self.behaviour).clone()
    }

    /// Sets the behaviour; a different movement seed starts its sequence afresh.
    pub(crate) fn set_behaviour(&self, behaviour: Behaviour) {
        let mut current = lock(&self.behaviour);
        if current.move_seed != behaviour.move_seed {
            lock(&self.movement).rng = fastrand::Rng::with_seed(behaviour.move_seed);
        }
        *current = behaviour;
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

    /// Sets a desktop's status, recorded as touched when it changes; `false` when there is no
    /// such desktop.
    pub(crate) fn set_status(&self, desktop_id: &str, status: &str) -> bool {
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        match fleet.iter_mut().find(|d| d.desktop_id == desktop_id) {
            Some(d) => {
                if d.connect_status != status {
                    status.clone_into(&mut d.connect_status);
                    lock(&self.touched).insert(d.desktop_id.clone());
                }
                true
            }
            None => false,
        }
    }

    /// Moves `n` random desktops to a plausible next status, recorded as touched.
    pub(crate) fn churn(&self, rng: &mut fastrand::Rng, n: usize) {
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        if fleet.is_empty() {
            return;
        }
        let mut touched = lock(&self.touched);
        for _ in 0..n.min(MAX_CHURN_STEP) {
            let i = rng.usize(..fleet.len());
            let d = &mut fleet[i];
            next_status(rng, &d.connect_status).clone_into(&mut d.connect_status);
            if !touched.contains(&d.desktop_id) {
                touched.insert(d.desktop_id.clone());
            }
        }
    }

    /// Replaces the fleet (not recorded as touched); created ids stay above its ids.
    pub(crate) fn replace_fleet(&self, desktops: Vec<Desktop>) {
        let mut fleet = self.fleet.write().unwrap_or_else(PoisonError::into_inner);
        let mut movement = lock(&self.movement);
        movement.next_id = next_created_id(&desktops, movement.next_id);
        *fleet = desktops;
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
            Count::Abandoned => &c.abandoned,
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
            abandoned: get(&c.abandoned),
        }
    }
}

/// The page `query` asks for, serialized: matches in fleet order (with odd data, some served as
/// `null`), at most `limit` (and the page cap) of them from `offset`.
fn render(fleet: &[Desktop], query: &Query, behaviour: &Behaviour) -> Vec<u8> {
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

/// A plausible next status: `UNREGISTER` to `REGISTERED` to `CONNECTED` to `DISCONNECTED`, and
/// from there (or any other status) back to `CONNECTED` or `REGISTERED`.
fn next_status(rng: &mut fastrand::Rng, status: &str) -> &'static str {
    match status {
        "UNREGISTER" => "REGISTERED",
        "REGISTERED" => "CONNECTED",
        "CONNECTED" => "DISCONNECTED",
        _ if rng.bool() => "CONNECTED",
        _ => "REGISTERED",
    }
}

/// `n` distinct positions below `len` in random order (every position, in order, when `n` is not
/// below `len`).
fn distinct_indices(rng: &mut fastrand::Rng, len: usize, n: usize) -> Vec<usize> {
    if n >= len {
        return (0..len).collect();
    }
    if n.saturating_mul(2) >= len {
        let mut all: Vec<usize> = (0..len).collect();
        rng.shuffle(&mut all);
        all.truncate(n);
        return all;
    }
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let i = rng.usize(..len);
        if seen.insert(i) {
            out.push(i);
        }
    }
    out
}

/// The id of the `n`-th created desktop.
fn created_id(n: u64) -> String {
    format!("{CREATED_ID_PREFIX}{n:012x}")
}

/// The lowest counter from `floor` that is above the counter of every created-shaped id in
/// `fleet`.
fn next_created_id(fleet: &[Desktop], floor: u64) -> u64 {
    fleet
        .iter()
        .filter_map(|d| d.desktop_id.strip_prefix(CREATED_ID_PREFIX))
        .filter(|rest| rest.len() == 12)
        .filter_map(|rest| u64::from_str_radix(rest, 16).ok())
        .map(|n| n.saturating_add(1))
        .fold(floor, u64::max)
}

/// The `n`-th created desktop: a documented status, one user of the fleet attached (a new user
/// when the fleet has none).
fn created_desktop(rng: &mut fastrand::Rng, n: u64, fleet: &[Desktop]) -> Desktop {
    let user = existing_user(rng, fleet)
        .unwrap_or_else(|| AttachedUser::user(format!("{:032x}", rng.u128(..)), fleet::user_name(n as usize), "users"));
    let status = STATUSES[rng.usize(..STATUSES.len())];
    Desktop::new(created_id(n), format!("wks-new-{n:05}"), status, vec![user])
}

/// An attached user of the fleet: a random one of the first desktop with users from a random
/// position on.
fn existing_user(rng: &mut fastrand::Rng, fleet: &[Desktop]) -> Option<AttachedUser> {
    if fleet.is_empty() {
        return None;
    }
    let start = rng.usize(..fleet.len());
    fleet[start..].iter().chain(&fleet[..start]).find_map(|d| {
        let users: Vec<&AttachedUser> = d.attach_users.iter().filter(|u| u.attach_type == "USER").collect();
        (!users.is_empty()).then(|| users[rng.usize(..users.len())].clone())
    })
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
