//! Reading every matching desktop, whatever the size of the fleet and whatever the service does
//! where its documentation is silent: batches of user names, partitions past the window of one
//! query, pages shorter than asked, totals that may not count what they seem to, de-duplication,
//! and pages a driver may fetch concurrently while items still come out in a stable order.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use http::StatusCode;
use workspace_types::limits::{MAX_LIMIT, MAX_OFFSET};
use workspace_types::{
    ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
    ValidationError, ValidationErrorKind,
};

use crate::error::{Error, InvalidResponse, PagingError};
use crate::pager::window_limit;
use crate::profile::{ServiceProfile, TotalsMeaning};
use crate::response::Page;

/// Beyond the part being released, at most this many pages are out and this many entries wait to
/// be released, so that memory stays bounded whatever the order answers come in.
const MAX_PAGES_OUT: usize = 16;
const MAX_ENTRIES_WAITING: u64 = 32_000;

/// Identifies a request handed out by [`FleetRead::next_request`]; give it back with the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(u64);

/// Where a part of the read stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not asked yet.
    Queued,
    /// Its first page is out.
    Probing,
    /// Its first page is in; its status group is not complete yet.
    Held,
    /// Its pages are being read.
    Reading,
    /// Split into smaller parts, which read its desktops instead.
    Replaced,
}

/// One query of the read (a batch of user names, maybe a status) and its pages by offset.
#[derive(Debug)]
struct Part {
    request: ListDesktopsConnectStatusRequest,
    group: Option<usize>,
    phase: Phase,
    /// Whether its `total_count` is its number of matches (else only an upper bound).
    trusted: bool,
    /// Whether it is known to fit in one query's window: only then are its items released, so
    /// that what comes out never depends on how far it got before it had to be split.
    committed: bool,
    total: Option<u64>,
    probe: Option<(u32, bool)>,
    planned: BTreeMap<u64, u32>,
    inflight: BTreeMap<u64, u32>,
    arrived: BTreeMap<u64, (u64, Vec<ConnectDesktopsInfo>)>,
    /// Offsets below this are planned, out or arrived.
    frontier: u64,
    end: Option<u64>,
    /// The offset of the next entries to release.
    cursor: u64,
    /// Short pages by the offset where they ended: a page arriving there with entries proves a cap.
    short_ends: BTreeMap<u64, u64>,
    unknown_statuses: BTreeSet<ConnectStatus>,
}

impl Part {
    fn new(request: ListDesktopsConnectStatusRequest, group: Option<usize>) -> Self {
        Self {
            request,
            group,
            phase: Phase::Queued,
            trusted: false,
            committed: false,
            total: None,
            probe: None,
            planned: BTreeMap::new(),
            inflight: BTreeMap::new(),
            arrived: BTreeMap::new(),
            frontier: 0,
            end: None,
            cursor: 0,
            short_ends: BTreeMap::new(),
            unknown_statuses: BTreeSet::new(),
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

    /// Plans pages of `step` from the frontier up to `bound`, within the window, leaving out the
    /// pages already out.
    fn plan_up_to(&mut self, bound: u64, step: u32) {
        while self.frontier < bound && self.frontier <= u64::from(MAX_OFFSET) {
            if let Some(out) = self.inflight.get(&self.frontier) {
                self.frontier += u64::from(*out);
                continue;
            }
            // Offsets stay within the window, so they fit in u32.
            let o = u32::try_from(self.frontier).unwrap_or(MAX_OFFSET);
            let limit = window_limit(o, step);
            self.planned.insert(self.frontier, limit);
            self.frontier += u64::from(limit);
        }
    }

    /// Plans `[from, to)` again in pages of `step` (after a short page, or a cap was learnt).
    fn cover(&mut self, from: u64, to: u64, step: u32) {
        let later: Vec<u64> = self.planned.range(from..).map(|(o, _)| *o).collect();
        for o in later {
            self.planned.remove(&o);
        }
        let bound = self.frontier.max(to);
        self.frontier = from;
        self.plan_up_to(bound, step);
    }

    fn set_end(&mut self, end: u64) {
        let end = self.end.map_or(end, |e| e.min(end));
        self.end = Some(end);
        self.committed = true;
        self.planned.retain(|o, _| *o < end);
        self.arrived.retain(|o, _| *o < end);
    }

    fn finished(&self) -> bool {
        self.end.is_some_and(|e| self.cursor >= e) || self.total.is_some_and(|t| self.cursor >= t)
    }
}

/// The children of a part split by status: their totals tell what `total_count` counts.
#[derive(Debug)]
struct Group {
    parent_total: Option<u64>,
    parent_trusted: bool,
    members: Vec<usize>,
    waiting: usize,
}

/// Reads every desktop that matches a query, as a state machine a driver runs.
///
/// - More than 100 user names are split into batches of 100; each batch is a part.
/// - Each part is probed with its first page. A part with more matches than one query can reach
///   (offset at most 2000, plus one page) is split: by connection status first (the four
///   documented ones and any other seen in its pages), then by halving its user names. A part
///   that still cannot be read is an error that names it and its counts, never a silent
///   truncation.
/// - Paging advances by what arrived: a page shorter than asked while more follow proves a page
///   cap, and the missing range is asked again in pages of that size (the cap is remembered by
///   the client's [`ServiceProfile`]).
/// - A part's `total_count` is trusted as its number of matches only when it has no filters or
///   the totals were found to follow filters; otherwise it is an upper bound, and the part ends
///   on an empty page (or a page shorter than the service fills). The totals of a split by
///   status show which it is.
/// - Once a part's extent is known, its pages are planned: [`next_request`](Self::next_request)
///   hands them out (and the probes of later parts) one after the other, so a driver may fetch
///   several at once; at most 16 pages are out or waiting at a time.
/// - Items come out of [`next_item`](Self::next_item) in query and offset order, which does not
///   depend on timing, and each `desktop_id` only once (the set of ids seen is kept: about 40
///   bytes per desktop, much less than the desktops themselves).
/// - An error (a failed request, a page that breaks the service's contract, or an invalid query)
///   ends the read: nothing more is handed out, and `next_item` yields the error once, after the
///   items released before it. A driver has one error path.
#[derive(Debug)]
pub struct FleetRead {
    page_size: u32,
    profile: ServiceProfile,
    parts: Vec<Part>,
    order: VecDeque<usize>,
    tickets: BTreeMap<Ticket, (usize, u64)>,
    groups: Vec<Group>,
    next_ticket: u64,
    ready: VecDeque<ConnectDesktopsInfo>,
    seen: HashSet<String>,
    max_items: Option<u64>,
    delivered: u64,
    requests: u64,
    failed: bool,
    /// The error that ended the read, handed out after the items released before it.
    error: Option<Error>,
}

impl FleetRead {
    /// A read of the desktops matching any of `batches` (as made by
    /// `ListDesktopsConnectStatusRequestBuilder::build_batches`), in pages of `page_size` (2000,
    /// the largest the API documents, when 0), with what `profile` knows of the service.
    pub fn new(batches: Vec<ListDesktopsConnectStatusRequest>, page_size: u32, profile: ServiceProfile) -> Self {
        let page_size = if page_size == 0 { MAX_LIMIT } else { page_size.min(MAX_LIMIT) };
        let parts: Vec<Part> = batches.into_iter().map(|r| Part::new(r, None)).collect();
        Self {
            page_size,
            profile,
            order: (0..parts.len()).collect(),
            parts,
            tickets: BTreeMap::new(),
            groups: Vec::new(),
            next_ticket: 0,
            ready: VecDeque::new(),
            seen: HashSet::new(),
            max_items: None,
            delivered: 0,
            requests: 0,
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
    pub fn from_request(
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

    /// How many requests were handed out so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Whether the read has ended (all read, the item cap reached, or an error): nothing more is
    /// handed out, and answers still in flight are not needed. Items, and the error, may remain
    /// to be taken.
    pub fn is_ended(&self) -> bool {
        self.failed || self.capped() || self.order.is_empty()
    }

    /// Whether the read is over: it has ended and every item (and the error that ended it, if
    /// any) was taken.
    pub fn is_finished(&self) -> bool {
        self.ready.is_empty() && self.error.is_none() && self.is_ended()
    }

    fn capped(&self) -> bool {
        self.max_items.is_some_and(|m| self.delivered >= m)
    }

    /// The page size asked: the read's, or the service's cap when it is smaller.
    fn step(&self) -> u32 {
        self.profile.page_cap().map_or(self.page_size, |c| c.min(self.page_size))
    }

    /// How many matches one query reaches: offset 2000, plus the last page (which asks for
    /// 2000 and gets the service's cap).
    fn reach(&self) -> u64 {
        u64::from(MAX_OFFSET) + u64::from(self.profile.page_cap().unwrap_or(MAX_LIMIT).min(MAX_LIMIT))
    }

    /// The next request to send, or `None` when the read must wait for answers (or is over).
    pub fn next_request(&mut self) -> Option<(Ticket, ListDesktopsConnectStatusRequest)> {
        if self.failed || self.capped() {
            return None;
        }
        let step = self.step();
        let front = self.order.front().copied();
        let full = self.tickets.len() >= MAX_PAGES_OUT || self.waiting_entries() >= MAX_ENTRIES_WAITING;
        let (i, offset, limit) = self.order.iter().find_map(|&i| {
            let part = &self.parts[i];
            if full && Some(i) != front {
                // The part being released may always go on, so the read never waits on itself.
                return None;
            }
            match part.phase {
                Phase::Queued => Some((i, 0, step)),
                Phase::Reading => part.planned.first_key_value().map(|(o, l)| (i, *o, *l)),
                _ => None,
            }
        })?;
        let part = &mut self.parts[i];
        if part.phase == Phase::Queued {
            part.phase = Phase::Probing;
            part.probe = Some((limit, false));
        } else {
            part.planned.remove(&offset);
        }
        part.inflight.insert(offset, limit);
        // Offsets and limits handed out are always within the documented bounds.
        let o = u32::try_from(offset).unwrap_or(MAX_OFFSET);
        let request = part.request.with_offset(o).and_then(|r| r.with_limit(limit)).unwrap_or_default();
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.requests += 1;
        self.tickets.insert(ticket, (i, offset));
        Some((ticket, request))
    }

    fn waiting_entries(&self) -> u64 {
        self.order.iter().flat_map(|&i| self.parts[i].arrived.values()).map(|(n, _)| *n).sum()
    }

    /// Takes the outcome of the request with `ticket`. An error (of the request, or a page that
    /// breaks the service's contract) ends the read: nothing more is handed out, and
    /// [`next_item`](Self::next_item) yields the error after the items released before it.
    pub fn on_result(&mut self, ticket: Ticket, result: Result<Page, Error>) {
        let Some((i, offset)) = self.tickets.remove(&ticket) else {
            return;
        };
        let part = &mut self.parts[i];
        let asked = part.inflight.remove(&offset).unwrap_or(0);
        if part.phase == Phase::Replaced || part.end.is_some_and(|e| offset >= e) || self.failed {
            // Answers for desktops other parts now read, or past the end, change nothing.
            return;
        }
        let page = match result {
            Ok(page) => page,
            Err(e) => return self.fail(e),
        };
        let entries = page.entries();
        let total = page.total_count();
        let request_id = page.request_id().map(str::to_owned);
        let items = page.into_response().desktops;
        let ends_data = self.profile.ends_data(asked, entries);
        self.profile.served(entries);
        let part = &mut self.parts[i];
        part.unknown_statuses.extend(items.iter().filter_map(|d| d.status().filter(|s| !s.is_known()).cloned()));
        part.arrived.insert(offset, (entries, items));
        let outcome = if part.phase == Phase::Probing {
            part.total = total;
            part.probe = Some((asked, ends_data));
            match part.group {
                Some(g) => {
                    part.phase = Phase::Held;
                    self.groups[g].waiting -= 1;
                    if self.groups[g].waiting == 0 { self.resolve_group(g) } else { Ok(()) }
                }
                None => {
                    part.trusted = total.is_some() && self.profile.trusts_total_of(&part.request);
                    self.after_probe(i)
                }
            }
        } else {
            self.after_page(i, offset, asked, entries, ends_data)
        };
        match outcome {
            Ok(()) => self.release(),
            Err(Stop::Contract(reason)) => {
                self.fail(InvalidResponse::contract(StatusCode::OK, reason, request_id.as_deref()).into());
            }
            Err(Stop::Error(e)) => self.fail(e),
        }
    }

    /// The next desktop, in order, when one is ready; after the last one, the error that ended
    /// the read, if any, once.
    pub fn next_item(&mut self) -> Option<Result<ConnectDesktopsInfo, Error>> {
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

    /// Plans a part from its first page.
    fn after_probe(&mut self, i: usize) -> Result<(), Stop> {
        let part = &mut self.parts[i];
        part.phase = Phase::Reading;
        let (asked, ends_data) = part.probe.unwrap_or((0, false));
        let entries = part.arrived.get(&0).map_or(0, |(n, _)| *n);
        part.frontier = entries;
        let (total, trusted) = (part.total, part.trusted);
        if entries == 0 {
            if trusted && total.is_some_and(|t| t > 0) {
                return Err(Stop::Contract(format!(
                    "the service counts {} matching desktops but returned none for {}",
                    total.unwrap_or_default(),
                    part.describe()
                )));
            }
            part.set_end(0);
            return Ok(());
        }
        let short = entries < u64::from(asked);
        if short && trusted && total.is_some_and(|t| t > entries) {
            // More remain although the page was short: the service caps its pages.
            self.profile.learn_cap(u32::try_from(entries).unwrap_or(u32::MAX));
        }
        let (step, reach) = (self.step(), self.reach());
        let part = &mut self.parts[i];
        part.committed = trusted;
        match total {
            Some(t) if trusted && t > reach => return self.overflow(i, t, false),
            Some(t) if entries >= t => part.set_end(entries),
            _ if short && !trusted && ends_data => part.set_end(entries),
            // A short first page under an untrusted total: one more page tells a cap from the end.
            _ if short && !trusted => {
                part.short_ends.insert(entries, entries);
                part.plan_up_to(entries + u64::from(step), step);
            }
            Some(t) => part.plan_up_to(t.min(reach), step),
            None => part.plan_up_to(entries + u64::from(step), step),
        }
        Ok(())
    }

    /// Takes a page after the first: ends the part, covers a short page's missing range, plans on.
    fn after_page(&mut self, i: usize, offset: u64, asked: u32, entries: u64, ends_data: bool) -> Result<(), Stop> {
        if let Some(cap) = self.parts[i].short_ends.remove(&offset).filter(|_| entries > 0) {
            // A short page was followed by more: it was the service's page cap.
            self.profile.learn_cap(u32::try_from(cap).unwrap_or(u32::MAX));
        }
        let step = self.step();
        let part = &mut self.parts[i];
        let (total, trusted) = (part.total, part.trusted);
        let next = offset + entries;
        if entries == 0 {
            if trusted && total.is_some_and(|t| t > offset) {
                return Err(Stop::Contract(format!(
                    "the service counts {} matching desktops but returned none at offset {offset} for {}",
                    total.unwrap_or_default(),
                    part.describe()
                )));
            }
            part.set_end(offset);
            return Ok(());
        }
        if total.is_some_and(|t| next >= t) {
            part.set_end(next);
            return Ok(());
        }
        let short = entries < u64::from(asked);
        if short && !trusted && ends_data {
            part.set_end(next);
            return Ok(());
        }
        if short {
            part.short_ends.insert(next, entries);
        }
        if short && trusted {
            self.profile.learn_cap(u32::try_from(entries).unwrap_or(u32::MAX));
        }
        if next > u64::from(MAX_OFFSET) {
            // The last page of the window came back with more to come (or maybe more).
            let (t, at_least) = match total {
                Some(t) if trusted => (t, false),
                _ => (next, true),
            };
            return self.overflow(i, t, at_least);
        }
        let (step, reach) = if short { (self.step(), self.reach()) } else { (step, self.reach()) };
        let part = &mut self.parts[i];
        if short {
            // Ask again for what the page did not hold, and plan the rest in pages of the cap.
            part.cover(next, offset + u64::from(asked), step);
        } else if part.planned.is_empty() && part.inflight.range(next..).next().is_none() {
            let bound = total.map_or(next + u64::from(step), |t| t.min(reach));
            part.plan_up_to(bound, step);
        }
        Ok(())
    }

    /// A part with more matches than one query reaches: split it, or fail saying so.
    fn overflow(&mut self, i: usize, total: u64, at_least: bool) -> Result<(), Stop> {
        let reachable = self.reach();
        let part = &self.parts[i];
        let children: Vec<Part> = if part.request.connect_status().is_none() {
            let group = self.groups.len();
            let statuses: Vec<ConnectStatus> =
                ConnectStatus::KNOWN.iter().cloned().chain(part.unknown_statuses.iter().cloned()).collect();
            let children: Vec<Part> = statuses
                .into_iter()
                .filter_map(|s| part.request.with_connect_status(s).ok())
                .map(|r| Part::new(r, Some(group)))
                .collect();
            let first = self.parts.len();
            self.groups.push(Group {
                parent_total: part.total,
                parent_trusted: part.trusted,
                members: (first..first + children.len()).collect(),
                waiting: children.len(),
            });
            children
        } else if part.request.user_names().len() > 1 {
            let names = part.request.user_names();
            let (a, b) = names.split_at(names.len() / 2);
            [a, b]
                .iter()
                .filter_map(|half| part.request.with_user_names(half.to_vec()).ok())
                .map(|r| Part::new(r, None))
                .collect()
        } else {
            let err = PagingError::PartTooLarge { part: part.describe(), total, at_least, reachable };
            return Err(Stop::Error(err.into()));
        };
        let part = &mut self.parts[i];
        part.phase = Phase::Replaced;
        part.planned.clear();
        part.arrived.clear();
        let first = self.parts.len();
        let ids: Vec<usize> = (first..first + children.len()).collect();
        self.parts.extend(children);
        let at = self.order.iter().position(|&p| p == i).unwrap_or(0);
        self.order.remove(at);
        for (k, id) in ids.into_iter().enumerate() {
            self.order.insert(at + k, id);
        }
        Ok(())
    }

    /// All parts of a split by status have their first page: learn what the totals count, check
    /// that the statuses hold every desktop, and plan each part.
    fn resolve_group(&mut self, g: usize) -> Result<(), Stop> {
        let group = &self.groups[g];
        let totals: Option<Vec<u64>> = group.members.iter().map(|&m| self.parts[m].total).collect();
        if let (Some(parent), Some(totals)) = (group.parent_total, &totals) {
            self.profile.learn_totals(TotalsMeaning::from_split(parent, totals));
        }
        let filtered = self.profile.totals() == TotalsMeaning::Filtered;
        let (members, parent_total, parent_trusted) = (group.members.clone(), group.parent_total, group.parent_trusted);
        for &m in &members {
            self.parts[m].trusted = filtered && self.parts[m].total.is_some();
        }
        if let (true, true, Some(parent), Some(totals)) = (filtered, parent_trusted, parent_total, totals) {
            let found: u64 = totals.iter().sum();
            if found < parent {
                return Err(Stop::Error(PagingError::StatusesIncomplete { total: parent, found }.into()));
            }
        }
        for m in members {
            self.after_probe(m)?;
        }
        Ok(())
    }

    /// Moves arrived pages to the ready items, part after part and offset after offset, without
    /// repeats.
    fn release(&mut self) {
        while let Some(&i) = self.order.front() {
            let part = &mut self.parts[i];
            match part.phase {
                Phase::Replaced => {
                    self.order.pop_front();
                    continue;
                }
                Phase::Reading if part.committed => {}
                _ => return,
            }
            let mut items = Vec::new();
            while let Some((entries, page)) = part.arrived.remove(&part.cursor) {
                part.cursor += entries;
                items.extend(page);
                if entries == 0 {
                    break;
                }
            }
            let finished = part.finished();
            for d in items {
                if self.max_items.is_some_and(|m| self.delivered >= m) {
                    break;
                }
                if d.desktop_id.as_ref().is_none_or(|id| self.seen.insert(id.clone())) {
                    self.delivered += 1;
                    self.ready.push_back(d);
                }
            }
            if !finished {
                return;
            }
            self.order.pop_front();
        }
    }
}

/// Why a part cannot go on.
enum Stop {
    /// The service contradicts itself.
    Contract(String),
    /// Any other error.
    Error(Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Service;
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
            "the query (connect_status=CONNECTED) has 5000 matching desktops, but one query reaches only 4000 (offset at most 2000, plus one page) and the part cannot be split further"
        );
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
        assert_eq!(r.next_request().unwrap().1.offset(), Some(100));
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
