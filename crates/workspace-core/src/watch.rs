//! Watching: successive snapshots compared, transitions reported, polls on an interval.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, SystemTime};

use workspace_types::{ConnectDesktopsInfo, ConnectStatus};

use crate::error::Error;

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
pub struct Watch {
    last: Option<Snapshot>,
}

impl Watch {
    /// A watch with no snapshot yet.
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

/// What a driver of a [`WatchLoop`] does next.
#[derive(Debug)]
pub enum WatchStep {
    /// Hand this transition to the caller.
    Yield(Transition),
    /// Read what the query matches, now, and give the outcome to [`WatchLoop::on_read`].
    Read,
    /// Wait this long (the interval), then ask again.
    Wait(Duration),
    /// The watch is over.
    Done,
}

/// A watch as a state machine, which both clients drive: read, hand out each change, wait the
/// interval, read again. The first read is the baseline. A failed read is handed to the caller;
/// the watch goes on at the next tick unless the error is permanent (such as a 401 or 403),
/// which ends it.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use workspace_core::{WatchLoop, WatchStep};
///
/// let mut watch = WatchLoop::new(Duration::from_secs(60)).max_polls(2);
/// assert!(matches!(watch.next_step(), WatchStep::Read));
/// watch.on_read(Ok(vec![]), UNIX_EPOCH)?;
/// assert!(matches!(watch.next_step(), WatchStep::Wait(d) if d == Duration::from_secs(60)));
/// assert!(matches!(watch.next_step(), WatchStep::Read));
/// watch.on_read(Ok(vec![]), UNIX_EPOCH)?;
/// assert!(matches!(watch.next_step(), WatchStep::Done));
/// # Ok::<(), workspace_core::Error>(())
/// ```
pub struct WatchLoop {
    watch: Watch,
    interval: Duration,
    max_polls: Option<u64>,
    polls: u64,
    queue: VecDeque<Transition>,
    waited: bool,
    stopped: bool,
}

impl WatchLoop {
    /// A watch that reads every `interval`, with no read yet.
    pub fn new(interval: Duration) -> Self {
        Self {
            watch: Watch::new(),
            interval,
            max_polls: None,
            polls: 0,
            queue: VecDeque::new(),
            waited: false,
            stopped: false,
        }
    }

    /// Stops after `n` reads (the first one is the baseline).
    pub fn max_polls(mut self, n: u64) -> Self {
        self.max_polls = Some(n);
        self
    }

    /// How many reads were made.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// Whether the watch reads no more: `max_polls` reads were made, or a read failed with a
    /// permanent error. Transitions not handed out yet may remain.
    pub fn is_over(&self) -> bool {
        self.stopped || self.max_polls.is_some_and(|m| self.polls >= m)
    }

    /// What to do next: hand out a transition, read, wait, or stop.
    pub fn next_step(&mut self) -> WatchStep {
        if let Some(t) = self.queue.pop_front() {
            return WatchStep::Yield(t);
        }
        if self.is_over() {
            return WatchStep::Done;
        }
        if self.polls > 0 && !self.waited {
            self.waited = true;
            return WatchStep::Wait(self.interval);
        }
        WatchStep::Read
    }

    /// Takes the outcome of a read made at `at`. Its transitions are handed out by
    /// [`next_step`](Self::next_step) (or [`take_transitions`](Self::take_transitions)); an
    /// error comes back, for the caller, and ends the watch when it is permanent.
    pub fn on_read(&mut self, desktops: Result<Vec<ConnectDesktopsInfo>, Error>, at: SystemTime) -> Result<(), Error> {
        self.polls += 1;
        self.waited = false;
        match desktops {
            Ok(desktops) => {
                self.queue.extend(self.watch.observe(desktops, at));
                Ok(())
            }
            Err(e) => {
                self.stopped = e.is_permanent();
                Err(e)
            }
        }
    }

    /// Takes the transitions not handed out yet, for callers that read when they choose.
    pub fn take_transitions(&mut self) -> Vec<Transition> {
        self.queue.drain(..).collect()
    }
}

impl std::fmt::Debug for WatchLoop {
    /// The loop's counters, without the snapshot (a whole fleet).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchLoop")
            .field("interval", &self.interval)
            .field("max_polls", &self.max_polls)
            .field("polls", &self.polls)
            .field("queued", &self.queue.len())
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
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

    fn steps(w: &mut WatchLoop) -> String {
        match w.next_step() {
            WatchStep::Yield(t) => format!("yield {}", t.desktop_id),
            WatchStep::Read => "read".into(),
            WatchStep::Wait(d) => format!("wait {}s", d.as_secs()),
            WatchStep::Done => "done".into(),
        }
    }

    #[test]
    fn the_loop_reads_a_baseline_yields_each_change_waits_and_stops_at_max_polls() {
        let at = SystemTime::UNIX_EPOCH;
        let mut w = WatchLoop::new(Duration::from_secs(30)).max_polls(3);
        assert_eq!(steps(&mut w), "read");
        w.on_read(Ok(vec![d("a", ConnectStatus::Connected)]), at).unwrap();
        assert_eq!(steps(&mut w), "wait 30s");
        assert_eq!(steps(&mut w), "read");
        w.on_read(Ok(vec![d("a", ConnectStatus::Disconnected), d("b", ConnectStatus::Registered)]), at).unwrap();
        assert_eq!(
            (steps(&mut w), steps(&mut w), steps(&mut w)),
            ("yield a".into(), "yield b".into(), "wait 30s".into())
        );
        assert_eq!(steps(&mut w), "read");
        w.on_read(Ok(vec![]), at).unwrap();
        assert!(w.is_over());
        assert_eq!(w.take_transitions().len(), 2, "both disappeared");
        assert_eq!((steps(&mut w), w.polls()), ("done".into(), 3));
    }

    #[test]
    fn a_failed_read_is_handed_back_and_only_a_permanent_one_ends_the_watch() {
        let at = SystemTime::UNIX_EPOCH;
        let mut w = WatchLoop::new(Duration::from_secs(1));
        let transient = Error::from(crate::TransportError::timeout("slow"));
        assert!(w.on_read(Err(transient), at).is_err());
        assert_eq!((steps(&mut w), steps(&mut w)), ("wait 1s".into(), "read".into()));
        // A fleet that moved faster than it could be read is never the end of a watch.
        let moved = [
            crate::PagingError::FleetChanged { delivered: 10, requests: 9, pages_reread: 12 },
            crate::PagingError::StatusesIncomplete { total: 100, found: 98 },
        ];
        for e in moved {
            assert!(w.on_read(Err(e.into()), at).is_err());
            assert_eq!((steps(&mut w), steps(&mut w)), ("wait 1s".into(), "read".into()));
        }
        let denied = crate::response::parse_response(
            http::StatusCode::FORBIDDEN,
            &http::HeaderMap::new(),
            br#"{"error_code":"WKS.0001","error_msg":"denied"}"#,
        )
        .unwrap_err();
        assert!(denied.is_permanent());
        assert!(w.on_read(Err(denied), at).is_err());
        assert!(w.is_over());
        assert_eq!((steps(&mut w), w.polls()), ("done".into(), 4));
    }

    #[test]
    fn baseline_then_every_kind_of_change_once() {
        let at = SystemTime::UNIX_EPOCH;
        let mut w = Watch::new();
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
