//! One request with its retries: one page.

use std::time::SystemTime;

use http::Response;

use super::calls::{Calls, Polled};
use super::{ForeignTicket, Operation, Step, Ticket};
use crate::client::ClientCore;
use crate::error::{Error, TransportError};
use crate::query::Query;
use crate::response::Page;

/// One page of what a query matches, with retries as the policy says: yields the page or the
/// error once, then is done. An invalid query yields its error and sends nothing.
#[derive(Debug)]
pub struct SendOp {
    calls: Calls<()>,
    invalid: Option<Error>,
    done: bool,
}

impl SendOp {
    /// The call of `query`'s one request (at most 100 user names) with what `core` has learnt.
    pub fn new(core: &ClientCore, query: &Query) -> Self {
        let mut calls = Calls::new(core);
        let invalid = query.request().map(|r| calls.start((), r)).err();
        Self { calls, invalid, done: false }
    }
}

impl Operation for SendOp {
    type Output = Result<Page, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        if let Some(e) = self.invalid.take() {
            self.done = true;
            return Step::Yield(Err(e));
        }
        if self.done {
            return Step::Done;
        }
        match self.calls.poll(now) {
            Polled::Drive(step) => step.relay(),
            Polled::Finished((), result) => {
                self.done = true;
                Step::Yield(result)
            }
            Polled::Idle => Step::Done,
        }
    }

    complete_through!(calls);
}
