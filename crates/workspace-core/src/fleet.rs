//! Reading every matching desktop, whatever the size of the fleet, whatever the service does
//! where its documentation is silent, and while the fleet moves: batches of user names,
//! partitions past the window of one query, pages chained by anchors, de-duplication, and pages
//! a driver may fetch concurrently while items still come out in a stable order.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use workspace_types::limits::{MAX_LIMIT, MAX_OFFSET, MAX_USER_NAMES};
use workspace_types::{
    ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
    ValidationError, ValidationErrorKind,
};

use crate::chain::{Chain, Ctx, Stop, grow_overlap, initial_overlap};
use crate::error::{Error, InvalidResponse, PagingError};
use crate::profile::{ServiceProfile, TotalsMeaning};
use crate::response::Page;

/// Beyond the part being released, at most this many pages are out and this many entries wait to
/// be released, so that memory stays bounded whatever the order answers come in.
const MAX_PAGES_OUT: usize = 16;
const MAX_ENTRIES_WAITING: u64 = 32_000;
/// However the fleet moves, a read asks at most this many pages again.
const MAX_REREADS: u64 = 256;

/// Whether a `total_count` can be a number of desktops: a total above
/// [`MAX_PLAUSIBLE_TOTAL`](crate::MAX_PLAUSIBLE_TOTAL) is taken only as an upper bound.
pub(crate) fn plausible(total: Option<u64>) -> bool {
    total.is_some_and(|t| t <= crate::counts::MAX_PLAUSIBLE_TOTAL)
}

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

/// One query of the read (a batch of user names, maybe a status) and its pages.
#[derive(Debug)]
struct Part {
    request: ListDesktopsConnectStatusRequest,
    /// The split by status it belongs to.
    group: Option<usize>,
    /// The split by a source of user names it belongs to.
    names: Option<usize>,
    /// The split by a source of user names that replaced it.
    split: Option<usize>,
    chain: Chain,
    /// Whether its first page was taken into account.
    probed: bool,
    replaced: bool,
    /// Whether its `total_count` is its number of matches (else only an upper bound).
    trusted: bool,
    /// Whether it is known to fit in one query's window: only then are its items released, so
    /// that what comes out never depends on how far it got before it had to be split.
    committed: bool,
    unknown_statuses: BTreeSet<ConnectStatus>,
    /// The distinct ids its pages released: on a still part, one per position covered.
    distinct: HashSet<String>,
}

impl Part {
    fn new(request: ListDesktopsConnectStatusRequest, step: u32) -> Self {
        Self {
            request,
            group: None,
            names: None,
            split: None,
            chain: Chain::new(0, step),
            probed: false,
            replaced: false,
            trusted: false,
            committed: false,
            unknown_statuses: BTreeSet::new(),
            distinct: HashSet::new(),
        }
    }

    /// Says what the part is without its user names (they are personal data).
    fn describe(&self) -> String {
        let status =
            self.request.connect_status().map_or_else(|| "any status".to_owned(), |s| format!("connect_status={s}"));
        match self.request.user_names().len() {
            0 => format!("the query ({status})"),
            1 => format!("the part with {status} and 1 user name"),
            n => format!("the part with {status} and {n} user names"),
        }
    }
}

/// The children of a part split by status: their totals tell what `total_count` counts, and
/// whether the statuses hold every desktop.
#[derive(Debug)]
struct Group {
    parent_total: Option<u64>,
    parent_trusted: bool,
    members: Vec<usize>,
    waiting: usize,
    /// Desktops the parent counts that the statuses' totals do not hold; judged at the end of
    /// the read against the movement seen.
    deficit: u64,
    judged: bool,
}

/// The parts of a part read through a source of user names, and what they found.
#[derive(Debug)]
struct NamesSplit {
    part: String,
    total: Option<u64>,
    left: usize,
    found: HashSet<String>,
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
        // Offsets and limits planned are always within the documented bounds.
        let request = part.request.with_offset(offset).and_then(|r| r.with_limit(limit)).unwrap_or_else(|e| {
            debug_assert!(false, "a planned page is out of bounds: {e}");
            part.request.clone()
        });
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

    /// Takes a part's first page into account: what its total says, whether it must be split.
    fn after_probe(&mut self, i: usize) -> Result<(), Stop> {
        let part = &mut self.parts[i];
        part.probed = true;
        if let Some(g) = part.group {
            // Its trust waits for the other statuses' first pages.
            self.groups[g].waiting -= 1;
            return if self.groups[g].waiting == 0 { self.resolve_group(g) } else { Ok(()) };
        }
        part.trusted =
            self.profile.trusts_total_of(&part.request) && part.chain.first().is_some_and(|f| plausible(f.1));
        self.judge_probe(i)
    }

    /// A part whose total is now trusted (or not): learn a cap from a short first page, split
    /// it when it has more than one query reaches, or read on.
    fn judge_probe(&mut self, i: usize) -> Result<(), Stop> {
        let part = &self.parts[i];
        let (entries, total) = part.chain.first().unwrap_or((0, None));
        let asked = u64::from(self.step());
        if part.trusted && entries > 0 && entries < asked && total.is_some_and(|t| t > entries) {
            // More remain although the page was short: the service caps its pages.
            self.profile.learn_cap(u32::try_from(entries).unwrap_or(u32::MAX));
        }
        let reach = self.reach();
        let part = &mut self.parts[i];
        match total {
            Some(t) if part.trusted && t > reach => self.overflow(i, t, false),
            Some(t) => {
                part.committed = part.trusted && t <= reach;
                self.settle(i)
            }
            None => self.settle(i),
        }
    }

    /// Links, ends and plans a part's pages, and records what moved.
    fn settle(&mut self, i: usize) -> Result<(), Stop> {
        let ctx = self.ctx(i);
        let part = &mut self.parts[i];
        let settled = part.chain.settle(ctx, MAX_PAGES_OUT)?;
        if part.chain.ended() {
            part.committed = true;
        }
        self.changed.extend(settled.moved);
        self.report.pages_reread += settled.bridges;
        if let Some(cap) = settled.cap {
            self.profile.learn_cap(u32::try_from(cap).unwrap_or(u32::MAX));
        }
        self.overlap = grow_overlap(self.overlap, settled.largest_shift, self.step());
        if self.report.pages_reread > MAX_REREADS {
            return Err(Stop::Changed);
        }
        Ok(())
    }

    /// A part with more matches than one query reaches: split it, or fail saying so.
    fn overflow(&mut self, i: usize, total: u64, at_least: bool) -> Result<(), Stop> {
        let reachable = self.reach();
        let step = self.step();
        let part = &self.parts[i];
        let names = part.request.user_names();
        let mut children: Vec<Part> = if part.request.connect_status().is_none() {
            self.split_by_status(i, total)
        } else if names.len() > 1 {
            let (a, b) = names.split_at(names.len() / 2);
            [a, b]
                .iter()
                .filter_map(|half| part.request.with_user_names(half.to_vec()).ok())
                .map(|r| Part { names: part.names, ..Part::new(r, step) })
                .collect()
        } else if let (Some(directory), true) = (&self.directory, names.is_empty()) {
            let split = self.splits.len();
            let children: Vec<Part> = directory
                .chunks(MAX_USER_NAMES)
                .filter_map(|chunk| part.request.with_user_names(chunk.to_vec()).ok())
                .map(|r| Part { names: Some(split), ..Part::new(r, step) })
                .collect();
            let total = (part.trusted && !at_least).then_some(total);
            self.splits.push(NamesSplit { part: part.describe(), total, left: children.len(), found: HashSet::new() });
            self.parts[i].split = Some(split);
            children
        } else {
            let err = PagingError::PartTooLarge {
                part: part.describe(),
                total,
                at_least,
                reachable,
                names_would_help: names.is_empty(),
            };
            self.fail(err.into());
            return Ok(());
        };
        if let Some(s) = self.parts[i].names.filter(|_| children.len() > 1) {
            self.splits[s].left += children.len() - 1;
        }
        let part = &mut self.parts[i];
        part.replaced = true;
        part.chain = Chain::new(0, step);
        let first = self.parts.len();
        let ids: Vec<usize> = (first..first + children.len()).collect();
        self.parts.append(&mut children);
        let Some(at) = self.order.iter().position(|&p| p == i) else {
            debug_assert!(false, "a part that overflows is being read");
            return Ok(());
        };
        self.order.remove(at);
        for (k, id) in ids.into_iter().enumerate() {
            self.order.insert(at + k, id);
        }
        Ok(())
    }

    /// The parts of a split by status (the documented four and any seen in the data). When the
    /// whole is large enough that each status would need more than one page, their second
    /// pages go out with their first.
    fn split_by_status(&mut self, i: usize, total: u64) -> Vec<Part> {
        let step = self.step();
        let part = &self.parts[i];
        let statuses: Vec<ConnectStatus> =
            ConnectStatus::KNOWN.iter().cloned().chain(part.unknown_statuses.iter().cloned()).collect();
        let group = self.groups.len();
        let overlap = self.overlap.min(step / 2).max(1);
        let pages = if total / statuses.len() as u64 > u64::from(step - overlap) { 2 } else { 1 };
        let children: Vec<Part> = statuses
            .into_iter()
            .filter_map(|s| part.request.with_connect_status(s).ok())
            .map(|r| {
                let mut child = Part { group: Some(group), names: part.names, ..Part::new(r, step) };
                child.chain.speculate(step, overlap, pages);
                child
            })
            .collect();
        let first = self.parts.len();
        self.groups.push(Group {
            parent_total: part.chain.first().and_then(|f| f.1),
            parent_trusted: part.trusted,
            members: (first..first + children.len()).collect(),
            waiting: children.len(),
            deficit: 0,
            judged: false,
        });
        children
    }

    /// All parts of a split by status have their first page: learn what the totals count, note
    /// how many desktops the statuses do not hold, and judge each part.
    fn resolve_group(&mut self, g: usize) -> Result<(), Stop> {
        let group = &self.groups[g];
        let totals: Option<Vec<u64>> =
            group.members.iter().map(|&m| self.parts[m].chain.first().and_then(|f| f.1)).collect();
        if let (Some(parent), Some(totals)) = (group.parent_total, &totals) {
            self.profile.learn_totals(TotalsMeaning::from_split(parent, totals));
        }
        let filtered = self.profile.totals() == TotalsMeaning::Filtered;
        if let (true, true, Some(parent), Some(totals)) = (filtered, group.parent_trusted, group.parent_total, &totals)
        {
            let found = totals.iter().fold(0u64, |a, t| a.saturating_add(*t));
            self.groups[g].deficit = parent.saturating_sub(found);
        }
        for m in self.groups[g].members.clone() {
            if self.parts[m].replaced {
                continue;
            }
            self.parts[m].trusted = filtered && self.parts[m].chain.first().is_some_and(|f| plausible(f.1));
            self.judge_probe(m)?;
        }
        Ok(())
    }

    /// Moves the desktops of linked pages to the ready items, part after part and page after
    /// page, each id once.
    fn release(&mut self) {
        while let Some(&i) = self.order.front() {
            let part = &mut self.parts[i];
            if part.replaced {
                self.order.pop_front();
                continue;
            }
            if !part.committed {
                return;
            }
            let items = part.chain.release();
            let finished = part.chain.finished();
            let (group, names) = (part.group, part.names);
            part.distinct.extend(items.iter().filter_map(|d| d.desktop_id.clone()));
            for d in items {
                self.deliver(d, names);
            }
            if !finished {
                return;
            }
            let part = &mut self.parts[i];
            let (covered, distinct) = (part.chain.reached(), part.distinct.len() as u64);
            part.distinct = HashSet::new();
            if part.chain.still_and_identified() && distinct < covered {
                let why = format!(
                    "{} lists {covered} desktops but only {distinct} distinct desktop ids: ids are not unique",
                    part.describe()
                );
                let kind = crate::error::InvalidResponseKind::DuplicateIds;
                return self.fail(InvalidResponse::contract(kind, StatusCode::OK, why, None).into());
            }
            // On a part that did not move, fewer distinct desktops than a trusted total counts is
            // never a short answer.
            let total = part.chain.total().filter(|_| part.trusted && part.chain.still_and_identified());
            if let Some(total) = total.filter(|t| distinct < *t) {
                let why = format!(
                    "the service counts {total} desktops for {}, but its pages held only {distinct} distinct ones",
                    part.describe()
                );
                let kind = crate::error::InvalidResponseKind::ShortOfTotal;
                return self.fail(InvalidResponse::contract(kind, StatusCode::OK, why, None).into());
            }
            self.order.pop_front();
            if let Some(s) = names {
                self.splits[s].left -= 1;
                if self.splits[s].left == 0 {
                    self.judge_names(s);
                }
            }
            if group.is_some() || names.is_some() {
                for g in 0..self.groups.len() {
                    self.judge_group(g);
                }
            }
            if self.failed {
                return;
            }
        }
    }

    fn deliver(&mut self, d: ConnectDesktopsInfo, names: Option<usize>) {
        let Some(id) = d.desktop_id.clone() else {
            if !self.capped() {
                self.report.delivered += 1;
                self.ready.push_back(d);
            }
            return;
        };
        if let Some(s) = names {
            self.splits[s].found.insert(id.clone());
        }
        let status = self.status_index(d.status());
        match self.seen.get(&id) {
            Some(&was) => {
                if was != status {
                    self.changed.insert(id);
                }
            }
            None if self.capped() => {}
            None => {
                self.seen.insert(id, status);
                self.report.delivered += 1;
                self.ready.push_back(d);
            }
        }
    }

    fn status_index(&mut self, status: Option<&ConnectStatus>) -> u16 {
        let at = self.statuses.iter().position(|s| s.as_ref() == status).unwrap_or_else(|| {
            self.statuses.push(status.cloned());
            self.statuses.len() - 1
        });
        u16::try_from(at).unwrap_or(u16::MAX)
    }

    /// A split by status whose parts are all read (those read through user names included):
    /// the desktops its statuses' totals did not hold must be explained by the movement seen
    /// (desktops seen to change, totals that drifted), or some have a status that was not seen. When statuses were read through user
    /// names and their totals could not be trusted, what the names found is checked against
    /// what the trusted whole leaves for them.
    fn judge_group(&mut self, g: usize) {
        let group = &self.groups[g];
        let done = |m: &usize| !self.order.contains(m) && self.parts[*m].split.is_none_or(|s| self.splits[s].left == 0);
        if group.judged || self.failed || !group.members.iter().all(done) {
            return;
        }
        self.groups[g].judged = true;
        let group = &self.groups[g];
        // Totals taken at different moments disagree by what moved between them: allow for the
        // desktops seen to change and for how far each status's totals drifted during the read.
        let drift = group.members.iter().fold(0u64, |a, &m| a.saturating_add(self.parts[m].chain.drift()));
        let changed = (self.changed.len() as u64).saturating_add(drift);
        let parent = group.parent_total.filter(|_| group.parent_trusted);
        let untrusted: Vec<usize> = group
            .members
            .iter()
            .filter_map(|&m| self.parts[m].split)
            .filter(|&s| self.splits[s].total.is_none())
            .collect();
        if let (Some(parent), false) = (parent, untrusted.is_empty()) {
            let others: u64 = group
                .members
                .iter()
                .filter(|&&m| !self.parts[m].replaced)
                .fold(0u64, |a, &m| a.saturating_add(self.parts[m].chain.reached()));
            let total = parent.saturating_sub(others);
            let found: u64 = untrusted.iter().map(|&s| self.splits[s].found.len() as u64).sum();
            if found.saturating_add(changed) < total {
                let part = self.splits[untrusted[0]].part.clone();
                return self.fail(PagingError::NamesIncomplete { part, total, found }.into());
            }
        }
        let group = &self.groups[g];
        if group.deficit > changed {
            let total = group.parent_total.unwrap_or_default();
            self.fail(PagingError::StatusesIncomplete { total, found: total - group.deficit }.into());
        }
    }

    /// A part read through user names: where totals follow filters, every desktop it counts must
    /// have been found (give or take the desktops seen to move).
    fn judge_names(&mut self, s: usize) {
        let split = &self.splits[s];
        let Some(total) = split.total.filter(|_| self.profile.totals() == TotalsMeaning::Filtered) else {
            return;
        };
        let found = split.found.len() as u64;
        if found.saturating_add(self.changed.len() as u64) < total {
            let err = PagingError::NamesIncomplete { part: split.part.clone(), total, found };
            self.fail(err.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Movement, Rng, Service};
    use proptest::prelude::*;

    /// Runs a read sequentially, or with `k` requests answered in reverse order of handing out.
    fn run(mut read: FleetRead, service: &Service, k: usize) -> (Vec<String>, Option<Error>) {
        let mut ids = Vec::new();
        loop {
            while let Some(d) = read.next_item() {
                match d {
                    Ok(d) => ids.push(d.id().to_owned()),
                    Err(e) => {
                        assert!(read.next_item().is_none() && read.next_request().is_none(), "an error ends the read");
                        return (ids, Some(e));
                    }
                }
            }
            if read.is_finished() {
                return (ids, None);
            }
            let mut batch = Vec::new();
            while batch.len() < k.max(1) {
                match read.next_request() {
                    Some(t) => batch.push(t),
                    None => break,
                }
            }
            assert!(!batch.is_empty(), "a read that is not finished hands out a request");
            assert!(read.requests() < 20_000, "the read ends");
            for (ticket, req) in batch.into_iter().rev() {
                read.on_result(ticket, Ok(service.serve(&req)));
            }
        }
    }

    fn all() -> Vec<ListDesktopsConnectStatusRequest> {
        vec![ListDesktopsConnectStatusRequest::default()]
    }

    fn read(batches: Vec<ListDesktopsConnectStatusRequest>) -> FleetRead {
        FleetRead::new(batches, 0, ServiceProfile::default())
    }

    fn by_status(i: usize) -> ConnectStatus {
        ConnectStatus::KNOWN[i % 4].clone()
    }

    #[test]
    fn a_12000_fleet_is_read_once_by_status_in_the_same_order_at_any_concurrency() {
        let service = Service::fleet(12_000, by_status);
        let (seq, err) = run(read(all()), &service, 1);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(seq.len(), 12_000);
        assert_eq!(seq.iter().collect::<HashSet<_>>().len(), 12_000);
        for k in [2, 8] {
            let mut r = read(all());
            let (conc, _) = {
                let out = run_counting(&mut r, &service, k);
                (out, ())
            };
            assert_eq!(conc, seq, "same order with {k} in flight");
            assert_eq!(r.requests(), 9, "a probe, then two pages of 2000 per status");
        }
    }

    fn run_counting(read: &mut FleetRead, service: &Service, k: usize) -> Vec<String> {
        let r = std::mem::replace(read, FleetRead::new(vec![], 0, ServiceProfile::default()));
        let requests_before = r.requests();
        let mut r = r;
        let mut ids = Vec::new();
        loop {
            while let Some(d) = r.next_item() {
                ids.push(d.unwrap().id().to_owned());
            }
            if r.is_finished() {
                break;
            }
            let mut batch = Vec::new();
            while batch.len() < k {
                match r.next_request() {
                    Some(t) => batch.push(t),
                    None => break,
                }
            }
            for (ticket, req) in batch.into_iter().rev() {
                r.on_result(ticket, Ok(service.serve(&req)));
            }
        }
        assert_eq!(requests_before, 0);
        *read = r;
        ids
    }

    #[test]
    fn a_capped_service_with_totals_that_ignore_filters_is_read_whole() {
        let service = Service::fleet(9_000, by_status).cap(Some(500)).unfiltered_totals(true).nulls(97);
        let profile = ServiceProfile::default();
        let (ids, err) = run(FleetRead::new(all(), 0, profile.clone()), &service, 8);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 9_000);
        assert_eq!(ids.len(), 9_000);
        assert_eq!((profile.page_cap(), profile.totals()), (Some(500), TotalsMeaning::Unfiltered));
    }

    #[test]
    fn a_part_that_cannot_be_split_is_a_clear_error() {
        let service = Service::fleet(5000, |_| ConnectStatus::Connected);
        let (ids, err) = run(read(all()), &service, 1);
        let err = err.unwrap();
        assert!(ids.len() < 5000);
        assert_eq!(
            err.to_string(),
            "the query (connect_status=CONNECTED) has 5000 matching desktops, but one query reaches only 4000 (offset at most 2000, plus one page) and the part cannot be split further; give the read a source of user names (`Query::user_directory`, or `wks --users-from FILE`) to reach its desktops 100 users at a time"
        );
    }

    #[test]
    fn a_status_past_the_window_is_read_through_user_names_and_checked_whatever_totals_count() {
        for unfiltered in [false, true] {
            let service = Service::fleet(9000, |_| ConnectStatus::Unregister).unfiltered_totals(unfiltered);
            let every: Arc<[String]> = (0..300).map(|i| format!("user{i}")).collect();
            let (ids, err) = run(read(all()).user_directory(every), &service, 4);
            assert!(err.is_none(), "{err:?}");
            assert_eq!((ids.len(), ids.iter().collect::<HashSet<_>>().len()), (9000, 9000));
            let half: Arc<[String]> = (0..150).map(|i| format!("user{i}")).collect();
            let reachable = (0..9000usize).filter(|i| i % 300 < 150 || (i + 1) % 300 < 150).count() as u64;
            let (_, err) = run(read(all()).user_directory(half), &service, 4);
            assert!(
                matches!(err, Some(Error::Paging(PagingError::NamesIncomplete { total: 9000, found, .. })) if found == reachable),
                "totals ignoring filters: {unfiltered}: {err:?}"
            );
        }
    }

    #[test]
    fn ids_shared_by_desktops_on_different_pages_break_the_contract() {
        let mut service = Service::fleet(300, |_| ConnectStatus::Connected);
        service.set_id(150, "d00005");
        let (ids, err) = run(FleetRead::new(all(), 100, ServiceProfile::default()), &service, 2);
        let err = err.unwrap();
        assert!(matches!(err, Error::InvalidResponse(_)), "{err}");
        assert!(err.to_string().contains("lists 300 desktops but only 299 distinct desktop ids"), "{err}");
        assert_eq!(ids.len(), 299, "each id once, then the error");
    }

    #[test]
    fn user_batches_are_merged_without_duplicates_and_halved_when_too_large() {
        let service = Service::fleet(9000, |_| ConnectStatus::Registered);
        let names: Vec<String> = (0..300).map(|i| format!("user{i}")).collect();
        let batches = ListDesktopsConnectStatusRequest::builder()
            .user_names(names)
            .connect_status(ConnectStatus::Registered)
            .build_batches()
            .unwrap();
        assert_eq!(batches.len(), 3);
        let (ids, err) = run(FleetRead::new(batches, 500, ServiceProfile::default()), &service, 3);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids.len(), 9000);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 9000);
    }

    #[test]
    fn a_status_seen_in_the_data_gets_its_own_part() {
        let service = Service::fleet(4500, |i| if i < 10 { ConnectStatus::from("HIBERNATED") } else { by_status(i) });
        let (ids, err) = run(read(all()), &service, 4);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids.len(), 4500);
    }

    #[test]
    fn an_unseen_status_is_not_silently_lost() {
        let service =
            Service::fleet(4500, |i| if i >= 4490 { ConnectStatus::from("HIBERNATED") } else { by_status(i) });
        let (_, err) = run(read(all()), &service, 1);
        assert!(
            matches!(err, Some(Error::Paging(PagingError::StatusesIncomplete { total: 4500, found: 4490 }))),
            "{err:?}"
        );
    }

    #[test]
    fn small_reads_and_caps() {
        let service = Service::fleet(250, |_| ConnectStatus::Connected);
        let (ids, _) = run(FleetRead::new(all(), 100, ServiceProfile::default()), &service, 1);
        assert_eq!(ids.len(), 250);
        let mut r = FleetRead::new(all(), 100, ServiceProfile::default());
        let (t, req) = r.next_request().unwrap();
        assert!(r.next_request().is_none(), "the probe comes first");
        r.on_result(t, Ok(service.serve(&req)));
        assert_eq!(r.next_request().unwrap().1.offset(), Some(94), "the next page overlaps the first by 6");
        let mut capped = FleetRead::new(all(), 100, ServiceProfile::default());
        capped.max_items = Some(120);
        assert_eq!(run(capped, &service, 1).0.len(), 120);
        assert_eq!(run(read(all()), &Service::fleet(0, by_status), 1).0.len(), 0);
        let (ids, err) = run(read(all()), &Service::fleet(700, by_status).cap(Some(1)), 3);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids.len(), 700, "a cap of one desktop a page still reads everything");
    }

    #[test]
    fn an_error_ends_the_read_after_the_items_released_before_it() {
        let service = Service::fleet(300, |_| ConnectStatus::Connected);
        let mut r = FleetRead::new(all(), 100, ServiceProfile::default());
        let (t, req) = r.next_request().unwrap();
        r.on_result(t, Ok(service.serve(&req)));
        let (t1, _) = r.next_request().unwrap();
        let (t2, req2) = r.next_request().unwrap();
        r.on_result(t1, Err(crate::TransportError::timeout("t").into()));
        r.on_result(t2, Ok(service.serve(&req2)));
        assert!(r.next_request().is_none(), "nothing more is handed out");
        assert!(!r.is_finished(), "the items and the error are still to be taken");
        let items: Vec<_> = std::iter::from_fn(|| r.next_item()).collect();
        assert_eq!(items.len(), 101, "the probe's 100 desktops, then the error");
        assert!(items[..100].iter().all(Result::is_ok));
        assert!(matches!(items[100], Err(Error::Transport(_))), "{:?}", items[100]);
        assert!(r.is_finished());
    }

    #[test]
    fn an_invalid_query_is_its_first_item_and_nothing_is_sent() {
        let request = ListDesktopsConnectStatusRequest::builder().offset(5);
        let err = FleetRead::from_request(request, None, ServiceProfile::default()).unwrap_err();
        let mut r = FleetRead::invalid(err);
        assert!(r.next_request().is_none());
        let err = r.next_item().unwrap().unwrap_err();
        assert!(err.to_string().contains("offset"), "{err}");
        assert!(r.next_item().is_none() && r.is_finished());
    }

    /// Runs a read against a moving service as concurrency would: up to `k` requests out, each
    /// served at a random moment (the fleet moves after each) and answered in a random order.
    fn run_moving(
        mut read: FleetRead,
        service: &Service,
        k: usize,
        rng: &mut Rng,
    ) -> Result<(Vec<String>, Option<Error>), String> {
        let (mut out, mut served, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            while let Some(d) = read.next_item() {
                match d {
                    Ok(d) => ids.push(d.id().to_owned()),
                    Err(e) => return Ok((ids, Some(e))),
                }
            }
            if read.is_finished() {
                return Ok((ids, None));
            }
            while out.len() + served.len() < k {
                match read.next_request() {
                    Some(t) => out.push(t),
                    None => break,
                }
            }
            if read.requests() > 20_000 {
                return Err("the read does not end".into());
            }
            if !out.is_empty() && (served.is_empty() || rng.below(2) == 0) {
                let (ticket, req) = out.swap_remove(rng.below(out.len()));
                served.push((ticket, service.serve(&req)));
            } else if served.is_empty() {
                return Err(format!("the read stalls: {read:?}"));
            } else {
                let (ticket, page) = served.swap_remove(rng.below(served.len()));
                read.on_result(ticket, Ok(page));
            }
        }
    }

    /// One seed: a fleet, a way of serving it, a movement and a concurrency, all from the seed.
    /// Every desktop that matched at the start and was not touched during the read comes out
    /// exactly once, nothing comes out twice, and nothing comes out that neither matched at the
    /// start nor moved; or the read fails with an error that may pass, or one that says the
    /// fleet is out of reach.
    fn check_moving_read(seed: u64) -> Result<Option<Error>, String> {
        let mut rng = Rng::new(seed);
        let n = match rng.below(10) {
            0 => rng.below(9000),
            1..=3 => rng.below(4500),
            _ => rng.below(1200),
        };
        let statuses = 1 + rng.below(4);
        let cap = [None, Some(40 + rng.below(400) as u32), Some(500)][rng.below(3)];
        let page_size = [0, 50 + rng.below(300) as u32][rng.below(2)];
        let movement = Movement { moves: rng.below(21), changes: rng.below(6) };
        let k = 1 + rng.below(8);
        let mut service = Service::fleet(n, |i| ConnectStatus::KNOWN[i % statuses].clone())
            .cap(cap)
            .unfiltered_totals(rng.below(4) == 0);
        if rng.below(4) == 0 {
            service = service.nulls(5 + rng.below(100));
        }
        let service = service.moving(movement, seed);
        let mut b = ListDesktopsConnectStatusRequest::builder();
        if rng.below(4) == 0 {
            b = b.user_names((0..1 + rng.below(250)).map(|i| format!("user{i}")));
        }
        if rng.below(4) == 0 {
            b = b.connect_status(ConnectStatus::KNOWN[rng.below(4)].clone());
        }
        let batches = b.build_batches().unwrap();
        let start: HashSet<String> = batches.iter().flat_map(|r| service.ids(r)).collect();
        service.take_touched();
        let read = FleetRead::new(batches, page_size, ServiceProfile::default());
        let what = format!("{n} desktops, cap {cap:?}, pages of {page_size}, {movement:?}, {k} in flight");
        let (ids, err) = run_moving(read, &service, k, &mut rng).map_err(|e| format!("{what}: {e}"))?;
        let touched = service.take_touched();
        let unique: HashSet<&String> = ids.iter().collect();
        if unique.len() != ids.len() {
            return Err(format!("{what}: {} desktops delivered, {} distinct", ids.len(), unique.len()));
        }
        if let Some(id) = ids.iter().find(|id| !start.contains(*id) && !touched.contains(*id)) {
            return Err(format!("{what}: {id} delivered, but it neither matched nor moved"));
        }
        match err {
            None => {
                let missing = start.iter().filter(|id| !touched.contains(*id) && !unique.contains(id)).count();
                if missing > 0 {
                    return Err(format!("{what}: {missing} desktops that did not move are missing"));
                }
                Ok(None)
            }
            Some(e @ Error::Paging(PagingError::FleetChanged { .. } | PagingError::StatusesIncomplete { .. })) => {
                Ok(Some(e))
            }
            Some(e @ Error::Paging(PagingError::PartTooLarge { .. })) if start.len() > 2000 => Ok(Some(e)),
            Some(e) => Err(format!("{what}: {e}")),
        }
    }

    #[test]
    fn a_moving_fleet_is_read_exactly_or_the_read_says_it_changed() {
        let (mut changed, mut runs) = (0, 0);
        for seed in crate::sim::seeds(1500) {
            runs += 1;
            match check_moving_read(seed) {
                Ok(Some(Error::Paging(e))) if e.is_transient() => changed += 1,
                Ok(_) => {}
                Err(why) => {
                    panic!(
                        "seed {seed}: {why}\nreplay it: MOVING_SEED={seed} cargo test -p workspace-core --lib moving"
                    )
                }
            }
        }
        assert!(changed * 50 <= runs, "{changed} of {runs} reads gave up on the movement: the bounds are too tight");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn every_desktop_once_in_a_stable_order_or_a_clear_error(
            n in 0usize..9000,
            cap in proptest::option::of(40u32..=2000),
            unfiltered_totals in any::<bool>(),
            nulls in proptest::option::of(5usize..200),
            statuses in 1usize..=4,
            users in proptest::option::of(1usize..250),
            k in 1usize..8,
        ) {
            let mut service = Service::fleet(n, |i| ConnectStatus::KNOWN[i % statuses].clone())
                .cap(cap)
                .unfiltered_totals(unfiltered_totals);
            if let Some(every) = nulls {
                service = service.nulls(every);
            }
            let mut b = ListDesktopsConnectStatusRequest::builder();
            if let Some(u) = users {
                b = b.user_names((0..u).map(|i| format!("user{i}")));
            }
            let mut truth = HashSet::new();
            let batches = b.build_batches().unwrap();
            for batch in &batches {
                truth.extend(service.ids(batch));
            }
            let (seq, err) = run(FleetRead::new(batches.clone(), 0, ServiceProfile::default()), &service, 1);
            let (conc, err_k) = run(FleetRead::new(batches, 0, ServiceProfile::default()), &service, k);
            match err {
                None => {
                    prop_assert_eq!(seq.len(), truth.len(), "every desktop once");
                    prop_assert_eq!(seq.iter().cloned().collect::<HashSet<_>>(), truth);
                    prop_assert!(err_k.is_none());
                    prop_assert_eq!(conc, seq, "the order does not depend on concurrency");
                }
                Some(e) => {
                    prop_assert!(matches!(e, Error::Paging(_)), "{}", e);
                    prop_assert!(truth.len() > 2000, "{} for {} desktops", e, truth.len());
                }
            }
        }
    }
}
