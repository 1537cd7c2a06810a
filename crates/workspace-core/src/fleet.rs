//! Reading every matching desktop, whatever the size of the fleet: batches of user names,
//! partitions past the 4,000-desktop window, de-duplication, and pages a driver may fetch
//! concurrently while items still come out in a stable order.

use std::collections::{BTreeMap, HashSet, VecDeque};

use workspace_types::limits::{MAX_LIMIT, QUERY_WINDOW};
use workspace_types::{
    ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
    ValidationError, ValidationErrorKind,
};

use crate::error::{Error, PagingError};
use crate::pager::window_limit;
use crate::response::Page;

/// Identifies a request handed out by [`FleetRead::next_request`]; give it back with the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(u64);

/// One query of the read: a batch of user names (or none) and maybe a status.
#[derive(Clone, Debug)]
struct Part {
    request: ListDesktopsConnectStatusRequest,
    /// The status group this part belongs to, when it came from splitting by status.
    group: Option<usize>,
}

impl Part {
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

/// The children of a part split by status: their totals must add up to the parent's.
#[derive(Debug)]
struct Group {
    parent_total: u64,
    waiting: usize,
    found: u64,
}

#[derive(Debug)]
enum Pending {
    Probe(Part),
    Page,
}

/// Reads every desktop that matches a query, as a state machine a driver runs.
///
/// - More than 100 user names are split into batches of 100; each batch is a part.
/// - Each part is probed with its first page. When its `total_count` exceeds what one query can
///   reach (4,000: offset 2000 plus one page of 2000), it is split: by connection status first,
///   then by halving its user names. A part that still cannot be read is an error that names it
///   and its counts, never a silent truncation.
/// - Once a part's total is known, its remaining pages are all known:
///   [`next_request`](Self::next_request) hands them out one after the other, so a driver may fetch several at
///   once. A new part is probed only after the previous part's pages are handed out.
/// - Items come out of [`next_item`](Self::next_item) in the order requests were handed out,
///   which does not depend on timing, and each `desktop_id` only once (the set of ids seen is
///   kept: about 40 bytes per desktop, much less than the desktops themselves).
#[derive(Debug)]
pub struct FleetRead {
    page_size: u32,
    queue: VecDeque<Part>,
    planned: VecDeque<ListDesktopsConnectStatusRequest>,
    pending: BTreeMap<Ticket, Pending>,
    completed: BTreeMap<Ticket, Vec<ConnectDesktopsInfo>>,
    next_ticket: u64,
    next_release: u64,
    ready: VecDeque<ConnectDesktopsInfo>,
    seen: HashSet<String>,
    groups: Vec<Group>,
    max_items: Option<u64>,
    delivered: u64,
    requests: u64,
    failed: bool,
}

impl FleetRead {
    /// A read of the desktops matching any of `batches` (as made by
    /// `ListDesktopsConnectStatusRequestBuilder::build_batches`), in pages of `page_size` (the
    /// service's 100 when 0).
    pub fn new(batches: Vec<ListDesktopsConnectStatusRequest>, page_size: u32) -> Self {
        let page_size = if page_size == 0 { 100 } else { page_size.min(MAX_LIMIT) };
        Self {
            page_size,
            queue: batches.into_iter().map(|request| Part { request, group: None }).collect(),
            planned: VecDeque::new(),
            pending: BTreeMap::new(),
            completed: BTreeMap::new(),
            next_ticket: 0,
            next_release: 0,
            ready: VecDeque::new(),
            seen: HashSet::new(),
            groups: Vec::new(),
            max_items: None,
            delivered: 0,
            requests: 0,
            failed: false,
        }
    }

    /// The full read of what `request` matches (any number of user names), stopping after
    /// `max_items` when given. The request's limit is the page size; an offset is refused, since
    /// a full read starts at 0.
    pub fn from_request(
        request: ListDesktopsConnectStatusRequestBuilder,
        max_items: Option<u64>,
    ) -> Result<Self, Error> {
        let batches = request.build_batches()?;
        if let Some(offset) = batches.first().and_then(|b| b.offset()).filter(|o| *o > 0) {
            let rule = "a full read starts at 0; page with an offset instead";
            return Err(ValidationError::new(ValidationErrorKind::OutOfRange, "offset", offset, rule).into());
        }
        let page_size = batches.first().and_then(|b| b.limit()).unwrap_or(0);
        let read = Self::new(batches, page_size);
        Ok(match max_items {
            Some(n) => read.max_items(n),
            None => read,
        })
    }

    /// Stops after `n` desktops.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// How many requests were handed out so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// How many requests are out and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Whether the read is over: nothing more will be handed out, nothing is out, and every item
    /// was taken.
    pub fn is_finished(&self) -> bool {
        self.ready.is_empty()
            && (self.failed
                || self.capped()
                || (self.pending.is_empty() && self.planned.is_empty() && self.queue.is_empty()))
    }

    fn capped(&self) -> bool {
        self.max_items.is_some_and(|m| self.delivered >= m)
    }

    /// The next request to send, or `None` when the read must wait for an answer (or is over).
    pub fn next_request(&mut self) -> Option<(Ticket, ListDesktopsConnectStatusRequest)> {
        if self.failed || self.capped() {
            return None;
        }
        if let Some(request) = self.planned.pop_front() {
            return Some(self.hand_out(Pending::Page, request));
        }
        if self.pending.values().any(|p| matches!(p, Pending::Probe(_))) {
            return None;
        }
        let part = self.queue.pop_front()?;
        match part.request.with_offset(0).and_then(|r| r.with_limit(self.page_size)) {
            Ok(request) => Some(self.hand_out(Pending::Probe(part), request)),
            Err(_) => {
                // Offsets and limits here are always within range.
                self.failed = true;
                None
            }
        }
    }

    fn hand_out(
        &mut self,
        pending: Pending,
        request: ListDesktopsConnectStatusRequest,
    ) -> (Ticket, ListDesktopsConnectStatusRequest) {
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.requests += 1;
        self.pending.insert(ticket, pending);
        (ticket, request)
    }

    /// Takes the outcome of the request with `ticket`. An error ends the read.
    pub fn on_result(&mut self, ticket: Ticket, result: Result<Page, Error>) -> Result<(), Error> {
        let Some(pending) = self.pending.remove(&ticket) else {
            return Ok(());
        };
        let page = match result {
            Ok(page) => page,
            Err(e) => return Err(self.fail(e)),
        };
        let received = page.desktops().len() as u64;
        let total = page.total_count();
        let mut items = page.into_response().desktops;
        if let Pending::Probe(part) = pending {
            let total = total.unwrap_or(if received < u64::from(self.page_size) { received } else { QUERY_WINDOW });
            if let Some(g) = part.group {
                self.report_to_group(g, total)?;
            }
            if total > QUERY_WINDOW {
                items.clear();
                self.split(part, total)?;
            } else {
                self.plan(&part, received, total);
            }
        }
        self.completed.insert(ticket, items);
        self.release();
        Ok(())
    }

    /// The next desktop, in order, when one is ready.
    pub fn next_item(&mut self) -> Option<ConnectDesktopsInfo> {
        self.ready.pop_front()
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed = true;
        self.planned.clear();
        self.queue.clear();
        e
    }

    /// The remaining pages of a part whose total is known.
    fn plan(&mut self, part: &Part, received: u64, total: u64) {
        let end = total.min(QUERY_WINDOW);
        let mut offset = received;
        while offset < end {
            // Offsets stay within the window, so they fit in u32.
            let o = u32::try_from(offset).unwrap_or(u32::MAX);
            let limit = window_limit(o, self.page_size);
            if let Ok(request) = part.request.with_offset(o).and_then(|r| r.with_limit(limit)) {
                self.planned.push_back(request);
            }
            offset += u64::from(limit);
        }
    }

    /// Splits a part too large for one query: by status, then by halving its user names.
    fn split(&mut self, part: Part, total: u64) -> Result<(), Error> {
        let children: Vec<Part> = if part.request.connect_status().is_none() {
            let group = self.groups.len();
            self.groups.push(Group { parent_total: total, waiting: ConnectStatus::KNOWN.len(), found: 0 });
            ConnectStatus::KNOWN
                .iter()
                .filter_map(|s| part.request.with_connect_status(s.clone()).ok())
                .map(|request| Part { request, group: Some(group) })
                .collect()
        } else if part.request.user_names().len() > 1 {
            let names = part.request.user_names();
            let (a, b) = names.split_at(names.len() / 2);
            [a, b]
                .iter()
                .filter_map(|half| part.request.with_user_names(half.to_vec()).ok())
                .map(|request| Part { request, group: None })
                .collect()
        } else {
            let err = PagingError::PartTooLarge { part: part.describe(), total, reachable: QUERY_WINDOW };
            return Err(self.fail(err.into()));
        };
        for child in children.into_iter().rev() {
            self.queue.push_front(child);
        }
        Ok(())
    }

    fn report_to_group(&mut self, group: usize, total: u64) -> Result<(), Error> {
        let Some(g) = self.groups.get_mut(group) else { return Ok(()) };
        g.found += total;
        g.waiting -= 1;
        if g.waiting == 0 && g.found < g.parent_total {
            let err = PagingError::StatusesIncomplete { total: g.parent_total, found: g.found };
            return Err(self.fail(err.into()));
        }
        Ok(())
    }

    /// Moves completed pages to the ready items, in ticket order, without repeats.
    fn release(&mut self) {
        while let Some(items) = self.completed.remove(&Ticket(self.next_release)) {
            self.next_release += 1;
            for d in items {
                if self.capped() {
                    return;
                }
                let fresh = d.desktop_id.as_ref().is_none_or(|id| self.seen.insert(id.clone()));
                if fresh {
                    self.delivered += 1;
                    self.ready.push_back(d);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_types::{AttachType, AttachUsersInfo, ListDesktopsConnectStatusResponse, UserGroup};

    /// A fleet served by filters, offset and limit, as the service does.
    struct Fleet(Vec<ConnectDesktopsInfo>);

    impl Fleet {
        fn new(n: usize, status: impl Fn(usize) -> ConnectStatus) -> Self {
            Self(
                (0..n)
                    .map(|i| {
                        let users = vec![
                            AttachUsersInfo::new("u", format!("user{}", i % 300), UserGroup::Users, AttachType::User),
                            AttachUsersInfo::new(
                                "u",
                                format!("user{}", (i + 1) % 300),
                                UserGroup::Users,
                                AttachType::User,
                            ),
                        ];
                        ConnectDesktopsInfo::new(format!("d{i:05}"), format!("desk{i}"), status(i), users)
                    })
                    .collect(),
            )
        }

        fn serve(&self, r: &ListDesktopsConnectStatusRequest) -> Page {
            let matching: Vec<&ConnectDesktopsInfo> = self
                .0
                .iter()
                .filter(|d| r.connect_status().is_none_or(|s| d.connect_status.as_ref() == Some(s)))
                .filter(|d| r.user_names().is_empty() || d.user_names().any(|n| r.user_names().iter().any(|x| x == n)))
                .collect();
            let offset = r.offset().unwrap_or(0) as usize;
            let limit = r.limit().unwrap_or(100) as usize;
            let page = matching.iter().skip(offset).take(limit).map(|d| (*d).clone()).collect();
            Page::new(ListDesktopsConnectStatusResponse::new(page, Some(matching.len() as u64)), None)
        }
    }

    /// Runs a read sequentially, or with `k` requests answered in reverse order of handing out.
    fn run(mut read: FleetRead, fleet: &Fleet, k: usize) -> (Vec<String>, Option<Error>) {
        let mut ids = Vec::new();
        loop {
            while let Some(d) = read.next_item() {
                ids.push(d.desktop_id.unwrap());
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
            for (ticket, req) in batch.into_iter().rev() {
                if let Err(e) = read.on_result(ticket, Ok(fleet.serve(&req))) {
                    return (ids, Some(e));
                }
            }
        }
    }

    fn all() -> Vec<ListDesktopsConnectStatusRequest> {
        vec![ListDesktopsConnectStatusRequest::default()]
    }

    #[test]
    fn a_12000_fleet_is_read_once_by_status_in_the_same_order_at_any_concurrency() {
        let statuses = ConnectStatus::KNOWN;
        let fleet = Fleet::new(12_000, |i| statuses[i % 4].clone());
        let (seq, err) = run(FleetRead::new(all(), 2000), &fleet, 1);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(seq.len(), 12_000);
        assert_eq!(seq.iter().collect::<HashSet<_>>().len(), 12_000);
        for k in [2, 8] {
            let (conc, _) = run(FleetRead::new(all(), 2000), &fleet, k);
            assert_eq!(conc, seq, "same order with {k} in flight");
        }
    }

    #[test]
    fn a_part_that_cannot_be_split_is_a_clear_error() {
        let fleet = Fleet::new(5000, |_| ConnectStatus::Connected);
        let (ids, err) = run(FleetRead::new(all(), 2000), &fleet, 1);
        let err = err.unwrap();
        assert!(ids.len() < 5000);
        assert_eq!(
            err.to_string(),
            "the query (connect_status=CONNECTED) has 5000 matching desktops, but one query reaches only 4000 (offset and limit are at most 2000 each) and the part cannot be split further"
        );
    }

    #[test]
    fn user_batches_are_merged_without_duplicates_and_halved_when_too_large() {
        let fleet = Fleet::new(9000, |_| ConnectStatus::Registered);
        let names: Vec<String> = (0..300).map(|i| format!("user{i}")).collect();
        let batches = ListDesktopsConnectStatusRequest::builder()
            .user_names(names)
            .connect_status(ConnectStatus::Registered)
            .build_batches()
            .unwrap();
        assert_eq!(batches.len(), 3);
        let (ids, err) = run(FleetRead::new(batches, 500), &fleet, 3);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids.len(), 9000);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 9000);
    }

    #[test]
    fn an_undocumented_status_is_not_silently_lost() {
        let fleet = Fleet::new(4500, |i| {
            if i < 10 { ConnectStatus::from("HIBERNATED") } else { ConnectStatus::KNOWN[i % 4].clone() }
        });
        let (_, err) = run(FleetRead::new(all(), 2000), &fleet, 1);
        assert!(
            matches!(err, Some(Error::Paging(PagingError::StatusesIncomplete { total: 4500, found: 4490 }))),
            "{err:?}"
        );
    }

    #[test]
    fn small_reads_and_caps() {
        let fleet = Fleet::new(250, |_| ConnectStatus::Connected);
        let mut read = FleetRead::new(all(), 100);
        let (ids, _) = run(FleetRead::new(all(), 100), &fleet, 1);
        assert_eq!(ids.len(), 250);
        let (t, _) = read.next_request().unwrap();
        assert!(read.next_request().is_none(), "the probe comes first");
        read.on_result(t, Ok(fleet.serve(&ListDesktopsConnectStatusRequest::builder().limit(100).build().unwrap())))
            .unwrap();
        assert_eq!(read.requests(), 1);
        assert_eq!(read.next_request().unwrap().1.offset(), Some(100));
        let (ids, _) = run(FleetRead::new(all(), 100).max_items(120), &fleet, 1);
        assert_eq!(ids.len(), 120);
        let empty = Fleet::new(0, |_| ConnectStatus::Connected);
        assert_eq!(run(FleetRead::new(all(), 100), &empty, 1).0.len(), 0);
    }

    #[test]
    fn an_error_ends_the_read() {
        let mut read = FleetRead::new(all(), 100);
        let (t, _) = read.next_request().unwrap();
        assert!(read.on_result(t, Err(crate::TransportError::timeout("t").into())).is_err());
        assert!(read.next_request().is_none());
        assert!(read.is_finished());
    }
}
