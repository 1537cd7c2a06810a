//! Reading every matching desktop, whatever the size of the fleet, whatever the service does
//! where its documentation is silent, and while the fleet moves: batches of user names,
//! partitions past the window of one query, pages chained by anchors, de-duplication, and pages
//! a driver may fetch concurrently while items still come out in a stable order.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use workspace_types::limits::{MAX_LIMIT, MAX_OFFSET};
use workspace_types::{
    ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
    ValidationError, ValidationErrorKind,
};

use crate::chain::{Ctx, Stop, initial_overlap};
use crate::error::{Error, InvalidResponse, PagingError};
use crate::profile::ServiceProfile;
use crate::response::Page;

/// Beyond the part being released, at most this many pages are out and this many entries wait to
/// be released, so that memory stays bounded whatever the order answers come in.
const MAX_PAGES_OUT: usize = 16;
const MAX_ENTRIES_WAITING: u64 = 32_000;
/// However the fleet moves, a read asks at most this many pages again.
const MAX_REREADS: u64 = 256;

mod parts;
mod plan;
mod release;
#[cfg(test)]
mod tests;

use parts::Part;
pub(crate) use plan::plausible;
use plan::{Group, NamesSplit};

/// Identifies a request handed out by [`FleetRead::next_request`]; give it back with the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ticket(u64);

/// What a finished (or failed) read did: how many desktops it delivered, how many it saw change
/// while it ran, and what that cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadReport {
    /// Desktops delivered, each once.
    pub delivered: u64,
    /// Distinct desktops seen to change during the read: in two statuses, or gone from (or new
    /// in) a window between two overlapping pages.
    pub changed: u64,
    /// Pages asked again to prove that two pages joined up.
    pub pages_reread: u64,
    /// Requests sent.
    pub requests: u64,
}

impl ReadReport {
    /// Whether the read saw the fleet move.
    pub fn moved(&self) -> bool {
        self.changed > 0 || self.pages_reread > 0
    }
}

impl fmt::Display for ReadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {} desktops in {} requests; {} changed during the read; {} pages read again",
            self.delivered, self.requests, self.changed, self.pages_reread
        )
    }
}

/// Reads every desktop that matches a query, as a state machine a driver runs.
///
/// - More than 100 user names are split into batches of 100; each batch is a part.
/// - Each part is probed with its first page. A part with more matches than one query can reach
///   (offset at most 2000, plus one page) is split: by connection status first (the four
///   documented ones and any other seen in its pages; their first pages go out together, with
///   their second pages when the fleet is large enough to need them), then by halving its user
///   names, then, for a part with a status and no user names, through the source of user names
///   given with [`user_directory`](Self::user_directory), 100 names at a time. A part that
///   still cannot be read is an error that names it and its counts, never a silent truncation.
/// - Pages overlap: each starts a few entries before the previous one ended, and the desktops
///   they share prove that nothing lies between them, however the fleet moved meanwhile. Two
///   pages that share nothing are joined by asking again for the window of the one answered
///   first; when that fails a few times in a row, the read fails with
///   [`PagingError::FleetChanged`], which is transient. The overlap grows with the movement
///   seen. A page that lists an id twice, or a page that makes no progress, breaks the
///   service's contract.
/// - A page shorter than asked while more follow proves a page cap (remembered by the client's
///   [`ServiceProfile`]); a part's `total_count` is trusted as its number of matches only when
///   it has no filters or the totals were found to follow filters (the totals of a split by
///   status show which).
/// - Pages of a part whose extent is known are planned ahead: [`next_request`](Self::next_request)
///   hands them out (and the first pages of later parts) one after the other, so a driver may
///   fetch several at once; at most 16 pages are out or waiting at a time, and only one until a
///   request with the client's credentials was accepted ([`ServiceProfile::credentials_accepted`]).
/// - Items come out of [`next_item`](Self::next_item) in query and offset order, which does not
///   depend on timing, and each `desktop_id` only once, whatever status it was seen in (the ids
///   seen are kept: about 50 bytes per desktop, much less than the desktops themselves).
/// - [`report`](Self::report) says what was delivered, what was seen to change and what it cost.
/// - An error (a failed request, a page that breaks the service's contract, or an invalid query)
///   ends the read: nothing more is handed out, and `next_item` yields the error once, after the
///   items released before it. A driver has one error path.
#[derive(Debug)]
pub(crate) struct FleetRead {
    page_size: u32,
    overlap: u32,
    profile: ServiceProfile,
    directory: Option<Arc<[String]>>,
    parts: Vec<Part>,
    order: VecDeque<usize>,
    tickets: BTreeMap<Ticket, (usize, u64, u32)>,
    groups: Vec<Group>,
    splits: Vec<NamesSplit>,
    next_ticket: u64,
    answers: u64,
    ready: VecDeque<ConnectDesktopsInfo>,
    /// Ids delivered, with the status they were seen in (an index into `statuses`).
    seen: HashMap<String, u16>,
    statuses: Vec<Option<ConnectStatus>>,
    changed: HashSet<String>,
    report: ReadReport,
    max_items: Option<u64>,
    /// How many batches of user names the read began with: the first parts.
    batches: usize,
    /// The trusted total of the first part, when the read is of one batch.
    expected: Option<u64>,
    failed: bool,
    /// The error that ended the read, handed out after the items released before it.
    error: Option<Error>,
}

impl FleetRead {
    /// A read of the desktops matching any of `batches` (as made by
    /// `ListDesktopsConnectStatusRequestBuilder::build_batches`), in pages of `page_size` (2000,
    /// the largest the API documents, when 0), with what `profile` knows of the service.
    pub(crate) fn new(batches: Vec<ListDesktopsConnectStatusRequest>, page_size: u32, profile: ServiceProfile) -> Self {
        let page_size = if page_size == 0 { MAX_LIMIT } else { page_size.min(MAX_LIMIT) };
        let step = profile.page_cap().map_or(page_size, |c| c.min(page_size));
        let parts: Vec<Part> = batches.into_iter().map(|r| Part::new(r, step)).collect();
        Self {
            batches: parts.len(),
            expected: None,
            page_size,
            overlap: initial_overlap(step),
            profile,
            directory: None,
            order: (0..parts.len()).collect(),
            parts,
            tickets: BTreeMap::new(),
            groups: Vec::new(),
            splits: Vec::new(),
            next_ticket: 0,
            answers: 0,
            ready: VecDeque::new(),
            seen: HashMap::new(),
            statuses: Vec::new(),
            changed: HashSet::new(),
            report: ReadReport::default(),
            max_items: None,
            failed: false,
            error: None,
        }
    }

    /// A read that hands out `error` as its first item and then ends: the read of an invalid
    /// query.
    pub(crate) fn invalid(error: Error) -> Self {
        let mut read = Self::new(Vec::new(), 0, ServiceProfile::default());
        read.fail(error);
        read
    }

    /// The full read of what `request` matches (any number of user names), stopping after
    /// `max_items` when given. The request's limit, when set, is the page size; an offset is
    /// refused, since a full read starts at 0.
    pub(crate) fn from_request(
        request: ListDesktopsConnectStatusRequestBuilder,
        max_items: Option<u64>,
        profile: ServiceProfile,
    ) -> Result<Self, Error> {
        let batches = request.build_batches()?;
        if let Some(offset) = batches.first().and_then(|b| b.offset()).filter(|o| *o > 0) {
            let rule = "a full read starts at 0; page with an offset instead";
            return Err(ValidationError::new(ValidationErrorKind::OutOfRange, "offset", offset, rule).into());
        }
        let page_size = batches.first().and_then(|b| b.limit()).unwrap_or(0);
        let mut read = Self::new(batches, page_size, profile);
        read.max_items = max_items;
        Ok(read)
    }

    /// Gives the read a source of user names (a directory export, say): a part with a status
    /// and no user names that has more matches than one query reaches is read through them, 100
    /// names at a time, and checked against its total (or, where totals ignore filters, against
    /// what the whole fleet's total leaves for it once the other statuses are read).
    pub(crate) fn user_directory(mut self, names: Arc<[String]>) -> Self {
        self.directory = (!names.is_empty()).then_some(names);
        self
    }

    /// How many requests were handed out so far.
    pub(crate) fn requests(&self) -> u64 {
        self.report.requests
    }

    /// What the read did so far: desktops delivered, desktops seen to change, pages read again
    /// and requests. Final once the read [`is_finished`](Self::is_finished).
    pub(crate) fn report(&self) -> ReadReport {
        ReadReport { changed: self.changed.len() as u64, ..self.report }
    }

    /// How many desktops the read expects to deliver, as the service counted them: the
    /// `total_count` of the first page, once it is known to count the query's matches (a read of
    /// one batch of user names whose total is trusted), at most the item cap. `None` before, and
    /// when no count can be trusted: totals that do not follow filters, or several batches, whose
    /// totals may each count the same desktop. The fleet may move while the read runs, so the read
    /// may deliver fewer or more: an estimate for progress, not a promise.
    pub(crate) fn expected(&self) -> Option<u64> {
        let total = self.expected?;
        Some(self.max_items.map_or(total, |m| total.min(m)))
    }

    /// Whether the read has ended (all read, the item cap reached, or an error): nothing more is
    /// handed out, and answers still in flight are not needed. Items, and the error, may remain
    /// to be taken.
    pub(crate) fn is_ended(&self) -> bool {
        self.failed || self.capped() || self.order.is_empty()
    }

    /// Whether the read is over: it has ended and every item (and the error that ended it, if
    /// any) was taken.
    pub(crate) fn is_finished(&self) -> bool {
        self.ready.is_empty() && self.error.is_none() && self.is_ended()
    }

    fn capped(&self) -> bool {
        self.max_items.is_some_and(|m| self.report.delivered >= m)
    }

    /// The page size asked: the read's, or the service's cap when it is smaller.
    fn step(&self) -> u32 {
        self.profile.page_cap().map_or(self.page_size, |c| c.min(self.page_size))
    }

    fn ctx(&self, i: usize) -> Ctx {
        let step = self.step();
        Ctx {
            step,
            last: MAX_LIMIT,
            overlap: self.overlap.min(step / 2).max(1),
            trusted: self.parts[i].trusted,
            largest_page: self.profile.largest_page(),
        }
    }

    /// How many matches one query reaches: offset 2000, plus the last page (which asks for
    /// 2000 and gets the service's cap).
    fn reach(&self) -> u64 {
        u64::from(MAX_OFFSET) + u64::from(self.profile.page_cap().unwrap_or(MAX_LIMIT).min(MAX_LIMIT))
    }

    /// The next request to send, or `None` when the read must wait for answers (or is over).
    pub(crate) fn next_request(&mut self) -> Option<(Ticket, ListDesktopsConnectStatusRequest)> {
        if self.is_ended() {
            return None;
        }
        if !self.profile.credentials_accepted() && !self.tickets.is_empty() {
            // Until a request is accepted, one at a time: a wrong key costs one failure, not
            // one per request in flight.
            return None;
        }
        let front = self.order.front().copied();
        let out = self.tickets.len();
        let waiting: u64 = self.order.iter().map(|&i| self.parts[i].chain.waiting()).sum();
        let full = out >= MAX_PAGES_OUT || waiting >= MAX_ENTRIES_WAITING;
        // The part being released may always go on, so the read never waits on itself.
        let i =
            self.order.iter().copied().find(|&i| (!full || Some(i) == front) && self.parts[i].chain.has_planned())?;
        let part = &mut self.parts[i];
        let (slot, offset, limit) = part.chain.take_planned(MAX_LIMIT)?;
        // Offsets and limits planned are always within the documented bounds; were one not, the
        // read ends with the error rather than send another request.
        let request = match part.request.with_offset(offset).and_then(|r| r.with_limit(limit)) {
            Ok(request) => request,
            Err(e) => {
                debug_assert!(false, "a planned page is out of bounds: {e}");
                self.fail(e.into());
                return None;
            }
        };
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.report.requests += 1;
        self.tickets.insert(ticket, (i, slot, limit));
        Some((ticket, request))
    }

    /// Takes the outcome of the request with `ticket`. An error (of the request, or a page that
    /// breaks the service's contract) ends the read: nothing more is handed out, and
    /// [`next_item`](Self::next_item) yields the error after the items released before it.
    pub(crate) fn on_result(&mut self, ticket: Ticket, result: Result<Page, Error>) {
        let Some((i, slot, asked)) = self.tickets.remove(&ticket) else {
            return;
        };
        if self.parts[i].replaced || self.failed {
            // Answers for desktops other parts now read change nothing.
            return;
        }
        let page = match result {
            Ok(page) => page,
            Err(e) => return self.fail(e),
        };
        // An answer proves the credentials: more requests may go out together.
        self.profile.accept_credentials();
        let entries = page.entries();
        let ends_data = self.profile.ends_data(asked, entries);
        self.profile.served(entries);
        self.answers += 1;
        let part = &mut self.parts[i];
        part.unknown_statuses
            .extend(page.desktops().iter().filter_map(|d| d.status().filter(|s| !s.is_known()).cloned()));
        let outcome = match part.chain.arrive(slot, page, self.answers, ends_data) {
            Ok(false) => return,
            Ok(true) if !part.probed && part.chain.first().is_some() => self.after_probe(i),
            // A status's pages wait for the other statuses' first pages, which tell whether its
            // total can be trusted.
            Ok(true) if part.group.is_some_and(|g| self.groups[g].waiting > 0) => Ok(()),
            Ok(true) => self.settle(i),
            Err(stop) => Err(stop),
        };
        match outcome {
            Ok(()) => self.release(),
            Err(stop) => self.stop(i, stop),
        }
    }

    /// The next desktop, in order, when one is ready; after the last one, the error that ended
    /// the read, if any, once.
    pub(crate) fn next_item(&mut self) -> Option<Result<ConnectDesktopsInfo, Error>> {
        match self.ready.pop_front() {
            Some(item) => Some(Ok(item)),
            None => self.error.take().map(Err),
        }
    }

    fn fail(&mut self, e: Error) {
        self.failed = true;
        self.order.clear();
        self.error.get_or_insert(e);
    }

    fn stop(&mut self, i: usize, stop: Stop) {
        match stop {
            Stop::Contract { kind, reason, request_id } => {
                self.fail(InvalidResponse::contract(kind, StatusCode::OK, reason, request_id.as_deref()).into());
            }
            Stop::Changed => self.fail_changed(),
            Stop::Overflow { at_least } => {
                if let Err(stop) = self.overflow(i, at_least, true) {
                    self.stop(i, stop);
                } else {
                    self.release();
                }
            }
        }
    }

    fn fail_changed(&mut self) {
        let r = self.report();
        let e =
            PagingError::FleetChanged { delivered: r.delivered, requests: r.requests, pages_reread: r.pages_reread };
        self.fail(e.into());
    }
}
