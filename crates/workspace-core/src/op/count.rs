//! Desktops per status: from five `limit=0` requests where their totals can be trusted, else by
//! reading.

use std::collections::VecDeque;
use std::time::SystemTime;

use http::Response;
use workspace_types::ListDesktopsConnectStatusRequest;

use super::calls::{Calls, Polled};
use super::whole_read::FleetOp;
use super::{ForeignTicket, Operation, Step, Ticket};
use crate::client::ClientCore;
use crate::counts::StatusCounts;
use crate::error::{Error, TransportError};
use crate::query::Query;
use crate::response::Page;

/// How many desktops match a query's user names (if any), in all and per status; yields the
/// counts or the error once. Five `limit=0` requests (the first alone until the client's
/// credentials are accepted, then up to `concurrency` at once), whose totals are taken when they
/// follow the filters; otherwise, or for more than 100 user names, the desktops are read and
/// counted (the documentation does not say what `total_count` counts).
#[derive(Debug)]
pub struct CountOp {
    query: Query,
    calls: Calls<usize>,
    queue: VecDeque<(usize, ListDesktopsConnectStatusRequest)>,
    pages: Vec<Option<Page>>,
    reading: Option<(FleetOp, StatusCounts)>,
    invalid: Option<Error>,
    done: bool,
}

impl CountOp {
    /// The count of `query`'s user names' desktops with what `core` has learnt.
    pub fn new(core: &ClientCore, query: &Query) -> Self {
        let (queue, invalid) = match query.count_requests() {
            Ok(requests) => (requests.into_iter().enumerate().collect(), None),
            Err(e) => (VecDeque::new(), Some(e)),
        };
        let pages = (0..queue.len()).map(|_| None).collect();
        let calls = Calls::new(core);
        Self { query: query.clone(), calls, queue, pages, reading: None, invalid, done: false }
    }

    fn finish(&mut self, result: Result<StatusCounts, Error>) -> Step<Result<StatusCounts, Error>> {
        self.done = true;
        self.calls.clear();
        self.reading = None;
        Step::Yield(result)
    }

    /// All five totals are in: the counts, or a read when they cannot be trusted.
    fn totals_in(&mut self) -> Option<Result<StatusCounts, Error>> {
        let pages: Vec<Page> = self.pages.drain(..).flatten().collect();
        match StatusCounts::from_pages(&pages, self.calls.core().profile()) {
            Ok(Some(counts)) => Some(Ok(counts)),
            Err(e) => Some(Err(e)),
            Ok(None) => match self.query.names_only() {
                Ok(names) => {
                    self.reading = Some((FleetOp::new(self.calls.core(), &names), StatusCounts::default()));
                    None
                }
                Err(e) => Some(Err(e)),
            },
        }
    }
}

impl Operation for CountOp {
    type Output = Result<StatusCounts, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        if let Some(e) = self.invalid.take() {
            return self.finish(Err(e));
        }
        loop {
            if self.done {
                return Step::Done;
            }
            if let Some((read, counts)) = &mut self.reading {
                match read.step(now).inner() {
                    Ok(Some(Ok(desktop))) => counts.add(&desktop),
                    Ok(Some(Err(e))) => return self.finish(Err(e)),
                    Ok(None) => {
                        let counts = *counts;
                        return self.finish(Ok(counts));
                    }
                    Err(step) => return step.relay(),
                }
                continue;
            }
            while self.calls.len() < self.calls.window() {
                let Some((i, request)) = self.queue.pop_front() else { break };
                self.calls.start(i, request);
            }
            match self.calls.poll(now) {
                Polled::Drive(step) => return step.relay(),
                Polled::Finished(i, Ok(page)) => self.pages[i] = Some(page),
                Polled::Finished(_, Err(e)) => return self.finish(Err(e)),
                Polled::Idle => {
                    if let Some(result) = self.totals_in() {
                        return self.finish(result);
                    }
                }
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
            None => self.calls.complete(ticket, outcome, now),
        }
    }
}
