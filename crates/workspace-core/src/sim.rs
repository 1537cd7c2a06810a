//! A simulated service for the state machines' tests: filters, offset and limit as documented,
//! each behaviour the documentation leaves open (page cap, what `total_count` counts, `null`
//! entries), and a fleet that moves while it is read: status moves, creations and deletions at
//! random positions after every request served, all from a seed.

use std::cell::RefCell;
use std::collections::HashSet;

use http::HeaderMap;
use workspace_types::{
    AttachType, AttachUsersInfo, ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest,
    ListDesktopsConnectStatusResponse, UserGroup,
};

use crate::response::Page;

/// A small deterministic generator (SplitMix64): the same seed gives the same run.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// How the fleet moves after each request served.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Movement {
    /// Desktops moved to another documented status.
    pub(crate) moves: usize,
    /// Desktops created or deleted (each one or the other), at random positions.
    pub(crate) changes: usize,
}

#[derive(Debug)]
struct Moving {
    rng: Rng,
    movement: Movement,
    created: usize,
    /// Ids moved, created or deleted since the last `mark`.
    touched: HashSet<String>,
}

/// A fleet and how the service serves it.
pub(crate) struct Service {
    /// The entries in service order; `None` is a `null` entry (listed only without filters).
    entries: RefCell<Vec<Option<ConnectDesktopsInfo>>>,
    /// At most this many entries per page.
    pub(crate) cap: Option<u32>,
    /// `total_count` counts every entry, whatever the filters.
    pub(crate) unfiltered_totals: bool,
    moving: RefCell<Moving>,
}

fn desktop(id: String, i: usize, status: ConnectStatus) -> ConnectDesktopsInfo {
    let user = |k: usize| AttachUsersInfo::new("u", format!("user{}", k % 300), UserGroup::Users, AttachType::User);
    ConnectDesktopsInfo::new(id, format!("desk{i}"), status, vec![user(i), user(i + 1)])
}

impl Service {
    /// `n` desktops `d00000`, … with the status `status(i)`, each attached to users
    /// `user{i % 300}` and `user{(i + 1) % 300}`. It holds still until given a movement.
    pub(crate) fn fleet(n: usize, status: impl Fn(usize) -> ConnectStatus) -> Self {
        let entries = (0..n).map(|i| Some(desktop(format!("d{i:05}"), i, status(i)))).collect();
        Self {
            entries: RefCell::new(entries),
            cap: None,
            unfiltered_totals: false,
            moving: RefCell::new(Moving {
                rng: Rng::new(0),
                movement: Movement::default(),
                created: 0,
                touched: HashSet::new(),
            }),
        }
    }

    pub(crate) fn cap(mut self, cap: Option<u32>) -> Self {
        self.cap = cap;
        self
    }

    pub(crate) fn unfiltered_totals(mut self, yes: bool) -> Self {
        self.unfiltered_totals = yes;
        self
    }

    /// Moves the fleet after each request served, from `seed`.
    pub(crate) fn moving(self, movement: Movement, seed: u64) -> Self {
        {
            let mut m = self.moving.borrow_mut();
            m.movement = movement;
            m.rng = Rng::new(seed);
        }
        self
    }

    /// Puts a `null` entry before every `every`-th desktop.
    pub(crate) fn nulls(self, every: usize) -> Self {
        let mut out = Vec::new();
        for (i, e) in self.entries.borrow_mut().drain(..).enumerate() {
            if i % every == every - 1 {
                out.push(None);
            }
            out.push(e);
        }
        *self.entries.borrow_mut() = out;
        self
    }

    /// Gives the desktop at `index` the id `id` (which another desktop may have).
    pub(crate) fn set_id(&mut self, index: usize, id: &str) {
        if let Some(Some(d)) = self.entries.get_mut().get_mut(index) {
            d.desktop_id = Some(id.to_owned());
        }
    }

    /// Entries now, `null` ones included.
    pub(crate) fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    /// The ids of the desktops `request` matches now, in order.
    pub(crate) fn ids(&self, request: &ListDesktopsConnectStatusRequest) -> Vec<String> {
        let entries = self.entries.borrow();
        matching(&entries, request).into_iter().flatten().map(|d| d.id().to_owned()).collect()
    }

    /// Forgets what moved so far, and returns it.
    pub(crate) fn take_touched(&self) -> HashSet<String> {
        std::mem::take(&mut self.moving.borrow_mut().touched)
    }

    /// The page the service answers `r` with; then the fleet moves.
    pub(crate) fn serve(&self, r: &ListDesktopsConnectStatusRequest) -> Page {
        let page = self.page(r);
        self.move_fleet();
        page
    }

    fn page(&self, r: &ListDesktopsConnectStatusRequest) -> Page {
        let entries = self.entries.borrow();
        let matching = matching(&entries, r);
        let offset = r.offset().unwrap_or(0) as usize;
        let limit = r.limit().unwrap_or(100).min(self.cap.unwrap_or(u32::MAX)) as usize;
        let page: Vec<Option<&ConnectDesktopsInfo>> = matching.iter().skip(offset).take(limit).copied().collect();
        let total = if self.unfiltered_totals { entries.len() } else { matching.len() } as u64;
        if page.iter().any(Option::is_none) {
            let body = serde_json::json!({"desktops": page, "total_count": total});
            let response: ListDesktopsConnectStatusResponse =
                serde_json::from_value(body).unwrap_or_else(|e| unreachable!("{e}"));
            return Page::new(response, HeaderMap::new());
        }
        let desktops = page.into_iter().flatten().cloned().collect();
        Page::new(ListDesktopsConnectStatusResponse::new(desktops, Some(total)), HeaderMap::new())
    }

    fn move_fleet(&self) {
        let mut m = self.moving.borrow_mut();
        let Movement { moves, changes } = m.movement;
        let mut entries = self.entries.borrow_mut();
        for _ in 0..moves {
            let i = m.rng.below(entries.len());
            let to = ConnectStatus::KNOWN[m.rng.below(4)].clone();
            if let Some(Some(d)) = entries.get_mut(i)
                && d.status() != Some(&to)
            {
                d.connect_status = Some(to);
                m.touched.insert(d.id().to_owned());
            }
        }
        for _ in 0..changes {
            if m.rng.below(2) == 0 && !entries.is_empty() {
                let i = m.rng.below(entries.len());
                if let Some(d) = entries.remove(i) {
                    m.touched.insert(d.id().to_owned());
                }
            } else {
                m.created += 1;
                let id = format!("n{:05}", m.created);
                let at = m.rng.below(entries.len() + 1);
                let status = ConnectStatus::KNOWN[m.rng.below(4)].clone();
                entries.insert(at, Some(desktop(id.clone(), at, status)));
                m.touched.insert(id);
            }
        }
    }
}

fn matching<'a>(
    entries: &'a [Option<ConnectDesktopsInfo>],
    r: &ListDesktopsConnectStatusRequest,
) -> Vec<Option<&'a ConnectDesktopsInfo>> {
    let filtered = r.connect_status().is_some() || !r.user_names().is_empty();
    entries
        .iter()
        .filter(|e| match e {
            None => !filtered,
            Some(d) => {
                r.connect_status().is_none_or(|s| d.status() == Some(s))
                    && (r.user_names().is_empty() || d.user_names().any(|n| r.user_names().iter().any(|x| x == n)))
            }
        })
        .map(Option::as_ref)
        .collect()
}

/// The seeds a movement property runs: `MOVING_SEED=N` replays seed N alone, `MOVING_SEEDS=N`
/// runs N seeds (from 0), and `default` seeds run otherwise.
pub(crate) fn seeds(default: u64) -> std::ops::Range<u64> {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    match (var("MOVING_SEED"), var("MOVING_SEEDS")) {
        (Some(seed), _) => seed..seed + 1,
        (None, Some(n)) => 0..n,
        (None, None) => 0..default,
    }
}
