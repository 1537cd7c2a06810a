//! Each operation of a client as one flat state machine, which a driver steps with the time and
//! feeds with the responses to the requests it hands out.
//!
//! Every decision lives in the operation: validation, signing, retries and their waits, the
//! throttling gate, project discovery, paging, the plan of a whole read, counting and its
//! fallback, a watch's interval. A driver only sends, waits and hands items on:
//!
//! ```
//! use workspace_core::op::{Operation, SendOp, Step};
//! use workspace_core::{ClientCore, ClientOptions, Credentials, Query};
//!
//! # fn transport(_: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, workspace_core::TransportError> {
//! #     Ok(http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec()))
//! # }
//! # fn now() -> std::time::SystemTime { std::time::UNIX_EPOCH }
//! # fn sleep(_: std::time::Duration) {}
//! let options = ClientOptions::builder()
//!     .endpoint("https://example.com")
//!     .project_id("p")
//!     .credentials(Credentials::ak_sk("ak", "sk")?)
//!     .build()?;
//! let core = ClientCore::new(options);
//! let mut op = SendOp::new(&core, &Query::new().limit(10));
//! let page = loop {
//!     match op.step(now()) {
//!         Step::Send(ticket, request) => {
//!             let outcome = transport(request);
//!             op.complete(ticket, outcome, now()).expect("our own ticket");
//!         }
//!         Step::Sleep(d) => sleep(d),
//!         Step::Yield(page) => break page?,
//!         // One request at a time here: nothing else is ever awaited.
//!         Step::Await | Step::Done => unreachable!(),
//!     }
//! };
//! assert_eq!(page.total_count(), Some(0));
//! # Ok::<(), workspace_core::Error>(())
//! ```
//!
//! A driver may send the requests an operation hands out concurrently: it answers `Await` when
//! every request it may have in flight is out (at most the options' `concurrency`, and one while
//! the client's credentials are unproven), and the driver then waits for any of them to come
//! back. Stepping after `Done` is `Done` again; a ticket of another operation is refused with
//! [`ForeignTicket`]; dropping an operation abandons what it has in flight.

/// `Operation::complete` handing the outcome to the calls or operation at `self.$field`.
macro_rules! complete_through {
    ($field:ident) => {
        fn complete(
            &mut self,
            ticket: Ticket,
            outcome: Result<Response<Vec<u8>>, TransportError>,
            now: SystemTime,
        ) -> Result<(), ForeignTicket> {
            self.$field.complete(ticket, outcome, now)
        }
    };
}

mod calls;
mod count;
mod paging;
mod single;
mod watching;
mod whole_read;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use http::{Request, Response};

use crate::error::TransportError;

pub use count::CountOp;
pub use paging::{ItemsOp, PagesOp};
pub use single::SendOp;
pub use watching::{PollNow, WatchOp};
pub use whole_read::FleetOp;

/// What a driver does next.
#[derive(Debug)]
#[must_use]
// A step is consumed where it is returned: boxing the request would cost an allocation per send.
#[allow(clippy::large_enum_variant)]
pub enum Step<T> {
    /// Send this request; give its outcome, with the ticket, to [`Operation::complete`].
    Send(Ticket, Request<Vec<u8>>),
    /// Wait until a request in flight comes back, then complete it.
    Await,
    /// Nothing is in flight: wait this long, then step again.
    Sleep(Duration),
    /// Hand this to the caller, then step again.
    Yield(T),
    /// The operation is over.
    Done,
}

/// One request handed out by [`Step::Send`]. It is not `Clone`: giving it back to
/// [`Operation::complete`] with the request's outcome consumes it.
#[derive(Debug, PartialEq, Eq)]
pub struct Ticket {
    op: u64,
    id: u64,
}

/// A ticket given to an operation that did not hand it out.
#[derive(Debug, thiserror::Error)]
#[error("a ticket was given to an operation that did not hand it out")]
#[non_exhaustive]
pub struct ForeignTicket;

/// An operation as a state machine. See the [module](self) documentation.
pub trait Operation {
    /// What the operation hands to the caller: pages, desktops, counts or transitions, and the
    /// error that ends it.
    type Output;

    /// What to do next, at time `now`.
    fn step(&mut self, now: SystemTime) -> Step<Self::Output>;

    /// Takes the outcome of the request `ticket` was handed out with, at time `now`. An answer
    /// the operation no longer needs (it ended meanwhile) is dropped.
    fn complete(
        &mut self,
        ticket: Ticket,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
    ) -> Result<(), ForeignTicket>;
}

impl<T> Step<T> {
    /// The step of an operation run inside another: its item (`None` once it is done), or the
    /// step the outer one hands on to its driver (consumed where it is returned, like a step).
    #[allow(clippy::result_large_err)]
    fn inner(self) -> Result<Option<T>, Step<std::convert::Infallible>> {
        match self {
            Step::Yield(item) => Ok(Some(item)),
            Step::Done => Ok(None),
            Step::Send(ticket, request) => Err(Step::Send(ticket, request)),
            Step::Await => Err(Step::Await),
            Step::Sleep(d) => Err(Step::Sleep(d)),
        }
    }
}

impl Step<std::convert::Infallible> {
    /// The same step, for an operation of any output (a step that yields nothing).
    fn relay<O>(self) -> Step<O> {
        match self {
            Step::Send(ticket, request) => Step::Send(ticket, request),
            Step::Await => Step::Await,
            Step::Sleep(d) => Step::Sleep(d),
            Step::Done => Step::Done,
            Step::Yield(never) => match never {},
        }
    }
}

/// A number no other operation of this process has, for its tickets.
fn next_op_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
