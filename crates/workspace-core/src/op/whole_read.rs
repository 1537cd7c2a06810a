//! A whole read: every desktop a query matches, whatever the size of the fleet.

use std::time::SystemTime;

use http::Response;
use workspace_types::ConnectDesktopsInfo;

use super::calls::{Calls, Polled};
use super::{ForeignTicket, Operation, Step, Ticket};
use crate::client::ClientCore;
use crate::error::{Error, TransportError};
use crate::fleet::{FleetRead, ReadReport, Ticket as PageTicket};
use crate::query::Query;

/// Every desktop a query matches, once each, in a stable order; an error is the last output.
/// More than 100 user names are read in batches, a query with more matches than one query
/// reaches is split by status and then by user names (or through the query's source of user
/// names), each part's pages prove their continuity, and up to the options' `concurrency`
/// requests are in flight at once (one until the client's credentials are accepted).
#[derive(Debug)]
pub struct FleetOp {
    read: FleetRead,
    calls: Calls<PageTicket>,
}

impl FleetOp {
    /// The whole read of `query` with what `core` has learnt. An invalid query's first output is
    /// its error, and nothing is sent.
    pub fn new(core: &ClientCore, query: &Query) -> Self {
        Self { read: query.fleet_read(core), calls: Calls::new(core) }
    }

    /// How many requests were handed out so far.
    pub fn requests(&self) -> u64 {
        self.read.requests()
    }

    /// How many desktops the read expects to deliver, for progress: the service's `total_count`
    /// of the query, once its first page is in and the total is known to count the query's
    /// matches (at most `max_items`); `None` before, or when no total can be trusted (totals that
    /// ignore filters, more than 100 user names). The fleet may move during the read, so it may
    /// deliver fewer or more: show it as a count the service gave, not as the final number.
    pub fn expected(&self) -> Option<u64> {
        self.read.expected()
    }

    /// What the read did so far: desktops delivered, desktops seen to change while it ran, pages
    /// read again to prove continuity, and requests. Final once the read is done.
    pub fn report(&self) -> ReadReport {
        self.read.report()
    }
}

impl Operation for FleetOp {
    type Output = Result<ConnectDesktopsInfo, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        loop {
            if self.read.is_ended() {
                // All read, capped or failed: what is still in flight is not needed.
                self.calls.clear();
            }
            if let Some(item) = self.read.next_item() {
                return Step::Yield(item);
            }
            if self.read.is_finished() {
                return Step::Done;
            }
            while self.calls.len() < self.calls.core().options().concurrency().max(1) {
                let Some((ticket, request)) = self.read.next_request() else { break };
                self.calls.start(ticket, request);
            }
            match self.calls.poll(now) {
                Polled::Drive(step) => return step.relay(),
                Polled::Finished(ticket, result) => self.read.on_result(ticket, result),
                // Nothing under way and nothing to send: the read cannot go on.
                Polled::Idle => return Step::Done,
            }
        }
    }

    complete_through!(calls);
}
