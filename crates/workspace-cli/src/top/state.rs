//! What `wks top` shows, kept between polls: the counts per status and their history, the
//! latest transitions, the order they are shown in, and how the last poll went.

use std::collections::VecDeque;
use std::time::SystemTime;

use workspace_blocking::types::{ConnectDesktopsInfo, ConnectStatus};
use workspace_blocking::{Change, Transition};
use workspace_core::FleetDiff;

/// How many polls each status's sparkline remembers.
pub(crate) const HISTORY: usize = 60;
/// How many transitions are kept to scroll through.
const KEPT_TRANSITIONS: usize = 1000;
/// The row of desktops with a status outside the documented four.
pub(crate) const OTHER: &str = "OTHER";

/// The orders of the transitions, which `s` cycles through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sort {
    /// The newest first.
    Newest,
    /// By desktop name.
    Name,
    /// By the status a desktop went to.
    Status,
}

impl Sort {
    /// The next order.
    fn next(self) -> Self {
        match self {
            Sort::Newest => Sort::Name,
            Sort::Name => Sort::Status,
            Sort::Status => Sort::Newest,
        }
    }

    /// Its name, as shown.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Name => "name",
            Sort::Status => "status",
        }
    }
}

/// One row of counts: a status, its count now and at each of the last polls.
#[derive(Debug)]
pub(crate) struct Row {
    /// The status (`OTHER` for those outside the documented four).
    pub(crate) status: &'static str,
    /// The count at each of the last `HISTORY` successful polls, the latest last.
    pub(crate) history: VecDeque<u64>,
}

impl Row {
    /// The count at the latest poll.
    pub(crate) fn now(&self) -> u64 {
        self.history.back().copied().unwrap_or(0)
    }
}

/// The live view's state.
#[derive(Debug)]
pub(crate) struct State {
    /// The counts per status, the documented four and then `OTHER`.
    pub(crate) rows: Vec<Row>,
    /// Desktops at the latest poll.
    pub(crate) total: u64,
    /// The latest transitions, the newest first.
    transitions: VecDeque<Transition>,
    /// The order of the transitions shown.
    pub(crate) sort: Sort,
    /// How many transitions are scrolled past.
    pub(crate) scroll: usize,
    /// Whether polling is paused.
    pub(crate) paused: bool,
    /// When the last successful poll was taken.
    pub(crate) last_success: Option<SystemTime>,
    /// The error of the last poll, if it failed.
    pub(crate) last_error: Option<String>,
    /// Successful polls so far.
    pub(crate) polls: u64,
    diff: FleetDiff,
}

impl State {
    /// Nothing polled yet.
    pub(crate) fn new() -> Self {
        let statuses = ConnectStatus::KNOWN.iter().map(ConnectStatus::as_str).chain([OTHER]);
        Self {
            rows: statuses.map(|status| Row { status, history: VecDeque::with_capacity(HISTORY) }).collect(),
            total: 0,
            transitions: VecDeque::new(),
            sort: Sort::Newest,
            scroll: 0,
            paused: false,
            last_success: None,
            last_error: None,
            polls: 0,
            diff: FleetDiff::new(),
        }
    }

    /// A successful poll, taken at `at`: its counts and the transitions since the one before.
    pub(crate) fn polled(&mut self, desktops: Vec<ConnectDesktopsInfo>, at: SystemTime) {
        let mut counts = vec![0u64; self.rows.len()];
        for d in &desktops {
            let status = d.connect_status.as_ref().map_or(OTHER, ConnectStatus::as_str);
            let row = self.rows.iter().position(|r| r.status == status).unwrap_or(self.rows.len() - 1);
            counts[row] += 1;
        }
        for (row, n) in self.rows.iter_mut().zip(counts) {
            if row.history.len() == HISTORY {
                row.history.pop_front();
            }
            row.history.push_back(n);
        }
        self.total = u64::try_from(desktops.len()).unwrap_or(u64::MAX);
        for t in self.diff.observe(desktops, at) {
            if self.transitions.len() == KEPT_TRANSITIONS {
                self.transitions.pop_back();
            }
            self.transitions.push_front(t);
        }
        self.last_success = Some(at);
        self.last_error = None;
        self.polls += 1;
    }

    /// A failed poll, with its error as one line.
    pub(crate) fn failed(&mut self, error: String) {
        self.last_error = Some(error);
    }

    /// Desktops connected at the latest poll.
    pub(crate) fn connected(&self) -> u64 {
        self.rows.iter().find(|r| r.status == ConnectStatus::Connected.as_str()).map_or(0, Row::now)
    }

    /// Shows the next order of the transitions, from the top.
    pub(crate) fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
        self.scroll = 0;
    }

    /// Scrolls the transitions by `lines` (up when negative), within the list.
    pub(crate) fn scroll_by(&mut self, lines: isize) {
        let last = self.transitions.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(lines).min(last);
    }

    /// The transitions in the order shown, each tie broken by time (newest first) and id.
    pub(crate) fn transitions(&self) -> Vec<&Transition> {
        let mut shown: Vec<&Transition> = self.transitions.iter().collect();
        match self.sort {
            Sort::Newest => {}
            Sort::Name => shown.sort_by(|a, b| a.desktop_name.cmp(&b.desktop_name)),
            Sort::Status => shown.sort_by_key(|t| to(t)),
        }
        shown
    }
}

/// The status a transition went to ("" when the desktop went away).
pub(crate) fn to(t: &Transition) -> &str {
    match &t.change {
        Change::Appeared { status } | Change::StatusChanged { to: status, .. } => {
            status.as_ref().map_or("", ConnectStatus::as_str)
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use workspace_blocking::types::AttachUsersInfo;

    use super::*;

    fn desktop(id: &str, status: &str) -> ConnectDesktopsInfo {
        ConnectDesktopsInfo::new(id, format!("name-{id}"), ConnectStatus::from(status), Vec::<AttachUsersInfo>::new())
    }

    #[test]
    fn counts_history_and_transitions() {
        let mut s = State::new();
        let t0 = SystemTime::UNIX_EPOCH;
        s.polled(vec![desktop("a", "CONNECTED"), desktop("b", "REGISTERED"), desktop("c", "NEW")], t0);
        assert_eq!((s.total, s.connected(), s.transitions().len()), (3, 1, 0), "the first poll is the baseline");
        s.polled(vec![desktop("a", "DISCONNECTED"), desktop("b", "REGISTERED")], t0 + Duration::from_secs(1));
        let now: Vec<(&str, u64)> = s.rows.iter().map(|r| (r.status, r.now())).collect();
        assert_eq!(now, [("UNREGISTER", 0), ("REGISTERED", 1), ("CONNECTED", 0), ("DISCONNECTED", 1), ("OTHER", 0)]);
        assert_eq!(s.rows[2].history, [1, 0]);
        let ids: Vec<&str> = s.transitions().iter().map(|t| t.desktop_id.as_str()).collect();
        assert_eq!(ids, ["c", "a"], "newest first, each poll's by id");
        s.cycle_sort();
        assert_eq!((s.sort, s.transitions()[0].desktop_id.as_str()), (Sort::Name, "a"));
        s.scroll_by(5);
        assert_eq!(s.scroll, 1, "scrolling stops at the last transition");
        s.failed("boom".into());
        assert_eq!((s.last_error.as_deref(), s.last_success), (Some("boom"), Some(t0 + Duration::from_secs(1))));
    }

    #[test]
    fn history_keeps_the_last_polls() {
        let mut s = State::new();
        for i in 0..(HISTORY as u64 + 5) {
            let fleet = (0..i % 3).map(|n| desktop(&n.to_string(), "CONNECTED")).collect();
            s.polled(fleet, SystemTime::UNIX_EPOCH);
        }
        assert_eq!(s.rows[2].history.len(), HISTORY);
    }
}
