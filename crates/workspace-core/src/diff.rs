//! Successive snapshots of a fleet compared into transitions.

use std::collections::BTreeMap;
use std::time::SystemTime;

use workspace_types::{ConnectDesktopsInfo, ConnectStatus};

/// What happened to a desktop between two snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// It appeared, with this status.
    Appeared {
        /// Its status.
        status: Option<ConnectStatus>,
    },
    /// It is gone; this was its last status.
    Disappeared {
        /// Its last status.
        last_status: Option<ConnectStatus>,
    },
    /// Its status changed.
    StatusChanged {
        /// The status before.
        from: Option<ConnectStatus>,
        /// The status now.
        to: Option<ConnectStatus>,
    },
}

/// A change of one desktop, as a watcher saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// The desktop's id.
    pub desktop_id: String,
    /// The desktop's name.
    pub desktop_name: Option<String>,
    /// What changed.
    pub change: Change,
    /// When the snapshot that showed it was taken.
    pub observed_at: SystemTime,
}

/// Compares successive snapshots of a fleet. The first snapshot is the baseline and reports
/// nothing; each later one reports what appeared, disappeared or changed status since the one
/// before, ordered by desktop id. Desktops without an id are ignored.
#[derive(Clone, Debug, Default)]
pub struct FleetDiff {
    last: Option<Snapshot>,
}

impl FleetDiff {
    /// A comparison with no snapshot yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a snapshot taken at `at` and returns the transitions since the previous one.
    pub fn observe(
        &mut self,
        desktops: impl IntoIterator<Item = ConnectDesktopsInfo>,
        at: SystemTime,
    ) -> Vec<Transition> {
        let now: Snapshot =
            desktops.into_iter().filter_map(|d| Some((d.desktop_id?, (d.desktop_name, d.connect_status)))).collect();
        let out = match &self.last {
            None => Vec::new(),
            Some(before) => diff(before, &now, at),
        };
        self.last = Some(now);
        out
    }
}

type Snapshot = BTreeMap<String, (Option<String>, Option<ConnectStatus>)>;

/// The transitions from `before` to `now`, ordered by desktop id.
fn diff(before: &Snapshot, now: &Snapshot, at: SystemTime) -> Vec<Transition> {
    let t = |id: &String, name: &Option<String>, change| Transition {
        desktop_id: id.clone(),
        desktop_name: name.clone(),
        change,
        observed_at: at,
    };
    let mut out = Vec::new();
    for (id, (name, status)) in now {
        match before.get(id) {
            None => out.push(t(id, name, Change::Appeared { status: status.clone() })),
            Some((_, old)) if old != status => {
                out.push(t(id, name, Change::StatusChanged { from: old.clone(), to: status.clone() }));
            }
            Some(_) => {}
        }
    }
    for (id, (name, status)) in before {
        if !now.contains_key(id) {
            out.push(t(id, name, Change::Disappeared { last_status: status.clone() }));
        }
    }
    out.sort_by(|a, b| a.desktop_id.cmp(&b.desktop_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: &str, s: ConnectStatus) -> ConnectDesktopsInfo {
        ConnectDesktopsInfo::new(id, format!("name-{id}"), s, vec![])
    }

    #[test]
    fn baseline_then_every_kind_of_change_once() {
        let at = SystemTime::UNIX_EPOCH;
        let mut w = FleetDiff::new();
        assert!(w.observe([d("a", ConnectStatus::Connected), d("b", ConnectStatus::Registered)], at).is_empty());
        let changes = w.observe([d("a", ConnectStatus::Disconnected), d("c", ConnectStatus::Registered)], at);
        assert_eq!(
            changes.iter().map(|t| (t.desktop_id.as_str(), t.change.clone())).collect::<Vec<_>>(),
            [
                (
                    "a",
                    Change::StatusChanged {
                        from: Some(ConnectStatus::Connected),
                        to: Some(ConnectStatus::Disconnected)
                    }
                ),
                ("b", Change::Disappeared { last_status: Some(ConnectStatus::Registered) }),
                ("c", Change::Appeared { status: Some(ConnectStatus::Registered) }),
            ]
        );
        assert!(
            w.observe([d("a", ConnectStatus::Disconnected), d("c", ConnectStatus::Registered)], at).is_empty(),
            "nothing twice"
        );
    }
}
