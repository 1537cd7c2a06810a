//! A watch: a whole read every interval, each change handed out once.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use http::Response;
use workspace_types::ConnectDesktopsInfo;

use super::whole_read::FleetOp;
use super::{ForeignTicket, Operation, Step, Ticket};
use crate::client::ClientCore;
use crate::diff::{FleetDiff, Transition};
use crate::error::{Error, TransportError};
use crate::query::Query;

/// Watches what a query matches: reads it all, hands out each change once, waits the interval,
/// reads again. The first read is the baseline. A failed read is handed out as an error; the
/// watch goes on at the next tick unless the error is permanent (such as a 401 or 403), which
/// ends it.
#[derive(Debug)]
pub struct WatchOp {
    core: ClientCore,
    query: Query,
    schedule: Schedule,
    reading: Option<(FleetOp, Vec<ConnectDesktopsInfo>)>,
}

impl WatchOp {
    /// A watch of `query` every `interval`, with what `core` has learnt; nothing read yet.
    pub fn new(core: &ClientCore, query: &Query, interval: Duration) -> Self {
        Self { core: core.clone(), query: query.clone(), schedule: Schedule::new(interval), reading: None }
    }

    /// Stops after `n` reads (the first one is the baseline).
    pub fn set_max_polls(&mut self, n: u64) {
        self.schedule.max_polls = Some(n);
    }

    /// How many reads were made.
    pub fn polls(&self) -> u64 {
        self.schedule.polls
    }

    /// Whether the watch reads no more: `max_polls` reads were made, or a read failed with a
    /// permanent error. Transitions not handed out yet may remain.
    pub fn is_over(&self) -> bool {
        self.schedule.is_over()
    }

    /// A read now, for callers that poll when they choose: an operation that yields once the
    /// transitions since the last read (none for the baseline) or the read's error, which ends
    /// the watch when it is permanent. `None` once the watch is over. A read or wait under way is
    /// dropped: this read replaces it.
    pub fn poll_now(&mut self) -> Option<PollNow<'_>> {
        self.reading = None;
        let read = (!self.is_over()).then(|| FleetOp::new(&self.core, &self.query))?;
        Some(PollNow { watch: self, read, desktops: Vec::new(), done: false })
    }
}

/// One read of a watch, made when its caller chooses: see [`WatchOp::poll_now`].
#[derive(Debug)]
pub struct PollNow<'a> {
    watch: &'a mut WatchOp,
    read: FleetOp,
    desktops: Vec<ConnectDesktopsInfo>,
    done: bool,
}

impl Operation for PollNow<'_> {
    type Output = Result<Vec<Transition>, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        if self.done {
            return Step::Done;
        }
        loop {
            let outcome = match self.read.step(now).inner() {
                Ok(Some(Ok(desktop))) => {
                    self.desktops.push(desktop);
                    continue;
                }
                Ok(Some(Err(e))) => Err(e),
                Ok(None) => Ok(std::mem::take(&mut self.desktops)),
                Err(step) => return step.relay(),
            };
            self.done = true;
            let schedule = &mut self.watch.schedule;
            return Step::Yield(schedule.on_read(outcome, now).map(|()| schedule.queue.drain(..).collect()));
        }
    }

    complete_through!(read);
}

impl Operation for WatchOp {
    type Output = Result<Transition, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        loop {
            if let Some((read, desktops)) = &mut self.reading {
                let outcome = match read.step(now).inner() {
                    Ok(Some(Ok(desktop))) => {
                        desktops.push(desktop);
                        continue;
                    }
                    Ok(Some(Err(e))) => Err(e),
                    Ok(None) => Ok(std::mem::take(desktops)),
                    Err(step) => return step.relay(),
                };
                self.reading = None;
                if let Err(e) = self.schedule.on_read(outcome, now) {
                    return Step::Yield(Err(e));
                }
            }
            match self.schedule.next() {
                Next::Yield(t) => return Step::Yield(Ok(t)),
                Next::Wait(interval) => return Step::Sleep(interval),
                Next::Done => return Step::Done,
                Next::Read => self.reading = Some((FleetOp::new(&self.core, &self.query), Vec::new())),
            }
        }
    }

    fn complete(
        &mut self,
        ticket: Ticket,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
    ) -> Result<(), ForeignTicket> {
        match &mut self.reading {
            Some((read, _)) => read.complete(ticket, outcome, now),
            // An answer to a read that was replaced.
            None => Ok(()),
        }
    }
}

/// What the watch does next.
#[derive(Debug)]
enum Next {
    Yield(Transition),
    Read,
    Wait(Duration),
    Done,
}

/// When a watch reads, waits and stops, and the transitions not handed out yet.
struct Schedule {
    diff: FleetDiff,
    interval: Duration,
    max_polls: Option<u64>,
    polls: u64,
    queue: VecDeque<Transition>,
    waited: bool,
    stopped: bool,
}

impl Schedule {
    fn new(interval: Duration) -> Self {
        Self {
            diff: FleetDiff::new(),
            interval,
            max_polls: None,
            polls: 0,
            queue: VecDeque::new(),
            waited: false,
            stopped: false,
        }
    }

    fn is_over(&self) -> bool {
        self.stopped || self.max_polls.is_some_and(|m| self.polls >= m)
    }

    fn next(&mut self) -> Next {
        if let Some(t) = self.queue.pop_front() {
            return Next::Yield(t);
        }
        if self.is_over() {
            return Next::Done;
        }
        if self.polls > 0 && !self.waited {
            self.waited = true;
            return Next::Wait(self.interval);
        }
        Next::Read
    }

    fn on_read(&mut self, desktops: Result<Vec<ConnectDesktopsInfo>, Error>, at: SystemTime) -> Result<(), Error> {
        self.polls += 1;
        self.waited = false;
        match desktops {
            Ok(desktops) => {
                self.queue.extend(self.diff.observe(desktops, at));
                Ok(())
            }
            Err(e) => {
                self.stopped = e.is_permanent();
                Err(e)
            }
        }
    }
}

impl std::fmt::Debug for Schedule {
    /// The counters, without the snapshot (a whole fleet).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedule")
            .field("interval", &self.interval)
            .field("max_polls", &self.max_polls)
            .field("polls", &self.polls)
            .field("queued", &self.queue.len())
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_types::ConnectStatus;

    fn d(id: &str, s: ConnectStatus) -> ConnectDesktopsInfo {
        ConnectDesktopsInfo::new(id, format!("name-{id}"), s, vec![])
    }

    fn steps(w: &mut Schedule) -> String {
        match w.next() {
            Next::Yield(t) => format!("yield {}", t.desktop_id),
            Next::Read => "read".into(),
            Next::Wait(d) => format!("wait {}s", d.as_secs()),
            Next::Done => "done".into(),
        }
    }

    #[test]
    fn the_loop_reads_a_baseline_yields_each_change_waits_and_stops_at_max_polls() {
        let at = SystemTime::UNIX_EPOCH;
        let mut w = {
            let mut s = Schedule::new(Duration::from_secs(30));
            s.max_polls = Some(3);
            s
        };
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
        assert_eq!(w.queue.drain(..).count(), 2, "both disappeared");
        assert_eq!((steps(&mut w), w.polls), ("done".into(), 3));
    }

    #[test]
    fn a_failed_read_is_handed_back_and_only_a_permanent_one_ends_the_watch() {
        let at = SystemTime::UNIX_EPOCH;
        let mut w = Schedule::new(Duration::from_secs(1));
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
        assert_eq!((steps(&mut w), w.polls), ("done".into(), 4));
    }
}
