//! Offset/limit paging: the pages of a query, and their desktops.

use std::time::SystemTime;

use http::Response;
use workspace_types::ConnectDesktopsInfo;

use super::calls::{Calls, Polled};
use super::{ForeignTicket, Operation, Step, Ticket};
use crate::client::ClientCore;
use crate::error::{Error, TransportError};
use crate::pager::Pager;
use crate::query::Query;
use crate::response::Page;

/// Every page of a query, one request at a time, from its offset (0 by default), in pages of its
/// limit (2000 when unset or 0); an error is the last output. How pages are linked and when
/// paging stops is described in `docs/service-behaviour.md`: pages overlap and prove their
/// continuity, a short page does not end paging by itself, and the window of one query (offset
/// 2000) is never passed silently.
#[derive(Debug)]
pub struct PagesOp {
    pager: Pager,
    calls: Calls<()>,
}

impl PagesOp {
    /// Paging through `query`'s matches with what `core` has learnt. An invalid query's first
    /// output is its error, and nothing is sent.
    pub fn new(core: &ClientCore, query: &Query) -> Self {
        Self { pager: query.pager(core), calls: Calls::new(core) }
    }

    /// Where the page after the last one delivered starts: resume paging from here later.
    pub fn offset(&self) -> u32 {
        self.pager.offset()
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.pager.total_count()
    }
}

impl Operation for PagesOp {
    type Output = Result<Page, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        loop {
            match self.calls.poll(now) {
                Polled::Drive(step) => return step.relay(),
                Polled::Finished((), result) => return Step::Yield(self.pager.on_result(result)),
                Polled::Idle => {}
            }
            match self.pager.next_request() {
                None => return Step::Done,
                Some(Err(e)) => return Step::Yield(self.pager.on_result(Err(e))),
                Some(Ok(request)) => self.calls.start((), request),
            }
        }
    }

    complete_through!(calls);
}

/// Every desktop of every page of a query, page by page; an error is the last output.
#[derive(Debug)]
pub struct ItemsOp {
    pages: PagesOp,
    current: std::vec::IntoIter<ConnectDesktopsInfo>,
}

impl ItemsOp {
    /// The desktops of `query`'s pages with what `core` has learnt.
    pub fn new(core: &ClientCore, query: &Query) -> Self {
        Self { pages: PagesOp::new(core, query), current: Vec::new().into_iter() }
    }

    /// Where the page after the current one starts. Desktops of the current page not taken yet
    /// lie before it: resume from it only at a page boundary (or page with [`PagesOp`]).
    pub fn offset(&self) -> u32 {
        self.pages.offset()
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.pages.total_count()
    }
}

impl Operation for ItemsOp {
    type Output = Result<ConnectDesktopsInfo, Error>;

    fn step(&mut self, now: SystemTime) -> Step<Self::Output> {
        loop {
            if let Some(item) = self.current.next() {
                return Step::Yield(Ok(item));
            }
            match self.pages.step(now).inner() {
                Ok(Some(Ok(page))) => self.current = page.into_response().desktops.into_iter(),
                Ok(Some(Err(e))) => return Step::Yield(Err(e)),
                Ok(None) => return Step::Done,
                Err(step) => return step.relay(),
            }
        }
    }

    complete_through!(pages);
}
