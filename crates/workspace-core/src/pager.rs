//! Offset/limit paging as a state machine: which request comes next, and when to stop.

use std::collections::HashSet;

use http::{HeaderMap, StatusCode};
use workspace_types::limits::MAX_LIMIT;
use workspace_types::{ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusResponse, ValidationError};

use crate::chain::{Chain, Ctx, Stop, grow_overlap, initial_overlap};
use crate::error::{Error, InvalidResponse, InvalidResponseKind, PagingError};
use crate::profile::ServiceProfile;
use crate::response::Page;

/// Pages through the desktops that match a request, one request at a time.
///
/// - Pages overlap: each page after the first starts a few entries (a sixteenth of the page, 2
///   to 32, more when the fleet is seen to move) before the previous one ended, and the
///   desktops they share prove that nothing lies between them, however the fleet moved. Two
///   pages that share nothing are joined by asking again for the earlier page's window (a page
///   that may bring nothing new); when that fails a few times in a row, paging fails with
///   [`PagingError::FleetChanged`], which is transient. Each page comes back without the
///   desktops already delivered, so none is seen twice.
/// - A page shorter than asked does not end paging by itself: the service may cap its pages.
///   Paging ends on an empty page; when a page reaches its own `total_count` (a query's total is
///   an upper bound of its matches whatever it counts); when the total is known to count this
///   query's matches and the page ends there; on a short page that is also shorter than a page
///   the service served before (a capped service fills pages up to its cap); or at the caller's
///   item cap ([`max_items`](Self::max_items)).
/// - An empty page while its own trusted total says more remain, a page that lists an id twice,
///   and a page that repeats the previous one further on (the service ignored the offset) are
///   [`InvalidResponse`]s: stopping quietly would lose desktops.
/// - It never asks for an offset beyond 2000 but uses the whole reachable window (the last page
///   starts at 2000 and asks for 2000). When more may remain past that, the request after the
///   last page is [`PagingError::WindowExceeded`], never a silent stop.
/// - [`offset`](Self::offset) tells where the pages delivered end, so paging can resume later.
/// - The pager of an invalid query (see [`Query::pager`](crate::Query::pager)) hands out the
///   validation error as its first and only request, so a driver has one error path; its
///   offset is the query's.
#[derive(Clone, Debug)]
pub(crate) struct Pager {
    request: ListDesktopsConnectStatusRequest,
    /// The error of an invalid query, handed out by the first `next_request`.
    invalid: Option<ValidationError>,
    start: u32,
    page_limit: u32,
    overlap: u32,
    max_items: Option<u64>,
    read: u64,
    total: Option<u64>,
    trust_total: bool,
    profile: ServiceProfile,
    chain: Chain,
    /// The page asked and not answered: its slot and limit.
    out: Option<(u64, u32)>,
    answers: u64,
    delivered: HashSet<String>,
    window_exceeded: bool,
    done: bool,
}

impl Pager {
    /// A pager for `request`, starting at its offset (0 when unset), in pages of its limit (2000,
    /// the largest the API documents, when unset or 0: pages of 0 cannot advance, and what the
    /// service returns for `limit=0` is not documented). What `profile` has learnt of the service
    /// decides whether the query's `total_count` is trusted as its number of matches.
    pub(crate) fn new(request: ListDesktopsConnectStatusRequest, profile: ServiceProfile) -> Self {
        let start = request.offset().unwrap_or(0);
        let page_limit = request.limit().filter(|l| *l > 0).unwrap_or(MAX_LIMIT);
        Self {
            start,
            page_limit,
            overlap: initial_overlap(page_limit),
            trust_total: profile.trusts_total_of(&request),
            chain: Chain::new(start, page_limit),
            profile,
            request,
            invalid: None,
            max_items: None,
            read: 0,
            total: None,
            out: None,
            answers: 0,
            delivered: HashSet::new(),
            window_exceeded: false,
            done: false,
        }
    }

    /// A pager that hands out `error` as its first request and then ends: the pager of an
    /// invalid query whose offset is `offset`.
    pub(crate) fn invalid(error: ValidationError, offset: u32) -> Self {
        let mut pager = Self::new(ListDesktopsConnectStatusRequest::default(), ServiceProfile::default());
        pager.invalid = Some(error);
        pager.start = offset;
        pager
    }

    /// Stops after `n` items in all.
    pub(crate) fn max_items(mut self, n: Option<u64>) -> Self {
        self.max_items = n;
        self
    }

    /// Where the pages delivered so far end (the query's offset before the first): to resume
    /// later, start a pager with this offset.
    pub(crate) fn offset(&self) -> u32 {
        u32::try_from(self.chain.reached()).unwrap_or(u32::MAX).max(self.start)
    }

    /// The `total_count` of the last page.
    pub(crate) fn total_count(&self) -> Option<u64> {
        self.total
    }

    fn left(&self) -> u64 {
        self.max_items.map_or(u64::MAX, |m| m.saturating_sub(self.read))
    }

    /// The request for the next page, or `None` when paging is over.
    pub(crate) fn next_request(&mut self) -> Option<Result<ListDesktopsConnectStatusRequest, Error>> {
        if let Some(e) = self.invalid.take() {
            self.done = true;
            return Some(Err(e.into()));
        }
        if self.done {
            return None;
        }
        if self.window_exceeded {
            self.done = true;
            let err =
                PagingError::WindowExceeded { total: self.total, reachable: self.chain.reached(), read: self.read };
            return Some(Err(err.into()));
        }
        if self.left() == 0 || self.out.is_some() {
            self.done = self.left() == 0;
            return None;
        }
        // The first page asks for no more than the item cap; later ones for what is left plus
        // the overlap.
        let overlap = if self.answers == 0 { 0 } else { self.overlap };
        let max = u32::try_from(self.left().saturating_add(u64::from(overlap))).unwrap_or(u32::MAX);
        let Some((slot, offset, limit)) = self.chain.take_planned(max) else {
            self.done = true;
            return None;
        };
        self.out = Some((slot, limit));
        Some(self.request.with_offset(offset).and_then(|r| r.with_limit(limit)).map_err(Error::from))
    }

    /// Takes the outcome of the request last returned by [`next_request`](Self::next_request):
    /// a page comes back without the desktops already delivered; an error ends paging.
    pub(crate) fn on_result(&mut self, result: Result<Page, Error>) -> Result<Page, Error> {
        match self.take(result) {
            Ok(page) => Ok(page),
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    fn take(&mut self, result: Result<Page, Error>) -> Result<Page, Error> {
        let page = result?;
        let Some((slot, asked)) = self.out.take() else {
            let why = "a page arrived that was not asked for";
            let kind = InvalidResponseKind::UnaskedPage;
            return Err(InvalidResponse::contract(kind, StatusCode::OK, why, page.request_id()).into());
        };
        let headers: HeaderMap = page.headers().clone();
        let total = page.total_count();
        let entries = page.entries();
        let ends_data = self.profile.ends_data(asked, entries);
        self.profile.served(entries);
        self.answers += 1;
        let first = self.answers == 1;
        self.chain.arrive(slot, page, self.answers, ends_data).map_err(|s| self.stop_error(s))?;
        self.total = total.or(self.total);
        if first {
            self.trust_total &= crate::fleet::plausible(total);
            if self.trust_total && entries > 0 && entries < u64::from(asked) && total.is_some_and(|t| t > entries) {
                // More remain although the page was short: the service caps its pages.
                self.profile.learn_cap(u32::try_from(entries).unwrap_or(u32::MAX));
            }
        }
        let step = self.profile.page_cap().map_or(self.page_limit, |c| c.min(self.page_limit));
        let overlap = self.overlap.min(step / 2).max(1);
        let ctx = Ctx {
            step,
            last: MAX_LIMIT,
            overlap,
            trusted: self.trust_total,
            largest_page: self.profile.largest_page(),
        };
        match self.chain.settle(ctx, 1) {
            Ok(settled) => {
                if let Some(cap) = settled.cap {
                    self.profile.learn_cap(u32::try_from(cap).unwrap_or(u32::MAX));
                }
                self.overlap = grow_overlap(self.overlap, settled.largest_shift, step);
            }
            Err(Stop::Overflow { .. }) => self.window_exceeded = true,
            Err(stop) => return Err(self.stop_error(stop)),
        }
        let mut desktops = self.chain.release();
        desktops.retain(|d| d.desktop_id.as_ref().is_none_or(|id| self.delivered.insert(id.clone())));
        desktops.truncate(usize::try_from(self.left()).unwrap_or(usize::MAX));
        self.read += desktops.len() as u64;
        if self.chain.ended() || self.left() == 0 {
            self.done = true;
        }
        Ok(Page::new(ListDesktopsConnectStatusResponse::new(desktops, total), headers))
    }

    fn stop_error(&self, stop: Stop) -> Error {
        match stop {
            Stop::Contract { kind, reason, request_id } => {
                InvalidResponse::contract(kind, StatusCode::OK, reason, request_id.as_deref()).into()
            }
            Stop::Changed | Stop::Overflow { .. } => {
                PagingError::FleetChanged { delivered: self.read, requests: self.answers, pages_reread: 0 }.into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Movement, Rng, Service};
    use proptest::prelude::*;
    use std::collections::HashSet;
    use workspace_types::ConnectStatus;

    /// Runs a pager against `service`, returning the requests made and the ids read.
    fn run(mut pager: Pager, service: &Service) -> (Vec<(u32, u32)>, Vec<String>, Option<Error>) {
        let (mut asked, mut ids) = (Vec::new(), Vec::new());
        while let Some(req) = pager.next_request() {
            let req = match req {
                Ok(req) => req,
                Err(e) => return (asked, ids, Some(e)),
            };
            asked.push((req.offset().unwrap(), req.limit().unwrap()));
            assert!(asked.len() < 10_000, "paging ends");
            match pager.on_result(Ok(service.serve(&req))) {
                Ok(page) => ids.extend(page.desktops().iter().map(|d| d.id().to_owned())),
                Err(e) => return (asked, ids, Some(e)),
            }
        }
        (asked, ids, None)
    }

    fn req(limit: u32) -> ListDesktopsConnectStatusRequest {
        ListDesktopsConnectStatusRequest::builder().limit(limit).build().unwrap()
    }

    fn fleet(n: usize) -> Service {
        Service::fleet(n, |_| ConnectStatus::Connected)
    }

    fn pager(r: ListDesktopsConnectStatusRequest) -> Pager {
        Pager::new(r, ServiceProfile::default())
    }

    #[test]
    fn pages_of_100_100_37() {
        let (asked, ids, err) = run(pager(req(100)), &fleet(237));
        assert_eq!(asked, [(0, 100), (94, 100), (188, 100)], "pages overlap by 6");
        assert_eq!((ids.len(), err.is_none()), (237, true));
    }

    #[test]
    fn stops_at_total_count_without_an_extra_request() {
        let (asked, ids, _) = run(pager(req(100)), &fleet(188));
        assert_eq!(asked, [(0, 100), (94, 100)]);
        assert_eq!(ids.len(), 188);
    }

    #[test]
    fn bulk_pages_are_as_large_as_the_api_allows() {
        let (asked, ids, _) = run(pager(ListDesktopsConnectStatusRequest::default()), &fleet(3000));
        assert_eq!(asked, [(0, 2000), (1968, 2000)]);
        assert_eq!(ids.len(), 3000);
    }

    #[test]
    fn a_limit_of_0_pages_as_large_as_the_api_allows() {
        let (asked, ids, err) = run(pager(req(0)), &fleet(2500));
        assert_eq!(asked, [(0, 2000), (1968, 2000)]);
        assert_eq!((ids.len(), err.is_none()), (2500, true));
    }

    #[test]
    fn empty_first_page() {
        let (asked, ids, err) = run(pager(req(100)), &fleet(0));
        assert_eq!((asked.len(), ids.len(), err.is_none()), (1, 0, true));
    }

    #[test]
    fn a_capped_service_is_read_whole_and_its_cap_learnt() {
        let profile = ServiceProfile::default();
        let service = fleet(2400).cap(Some(500));
        let (asked, ids, err) = run(Pager::new(ListDesktopsConnectStatusRequest::default(), profile.clone()), &service);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids, service.ids(&Default::default()));
        assert_eq!(asked, [(0, 2000), (468, 500), (936, 500), (1404, 500), (1872, 500), (2000, 2000)]);
        assert_eq!(profile.page_cap(), Some(500));
    }

    #[test]
    fn a_filtered_query_is_not_ended_by_an_untrusted_total() {
        let service =
            Service::fleet(3000, |i| ConnectStatus::KNOWN[i % 2].clone()).unfiltered_totals(true).cap(Some(400));
        let r = ListDesktopsConnectStatusRequest::builder().connect_status(ConnectStatus::Registered).build().unwrap();
        let (asked, ids, err) = run(pager(r.clone()), &service);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(ids, service.ids(&r));
        assert_eq!(asked.len(), 4, "a page shorter than those served before ends it: {asked:?}");
    }

    #[test]
    fn an_empty_page_before_a_trusted_total_is_an_error() {
        let mut p = pager(req(100));
        p.next_request().unwrap().unwrap();
        let lying = Page::new(ListDesktopsConnectStatusResponse::new(vec![], Some(500)), http::HeaderMap::new());
        let err = p.on_result(Ok(lying)).unwrap_err();
        assert!(matches!(&err, Error::InvalidResponse(e) if e.kind() == InvalidResponseKind::ShortOfTotal), "{err:?}");
        assert!(err.to_string().contains("counts 500 matching desktops but returned none at offset 0"), "{err}");
    }

    #[test]
    fn uses_the_whole_window_then_says_what_is_left() {
        let (asked, ids, err) = run(pager(req(300)), &fleet(4000));
        assert_eq!(asked.last(), Some(&(2000, 2000)), "{asked:?}");
        assert_eq!((ids.len(), err.is_none()), (4000, true));
        let (_, ids, err) = run(pager(req(2000)), &fleet(5000));
        assert_eq!(ids.len(), 4000);
        let err = err.unwrap();
        assert!(matches!(
            err,
            Error::Paging(PagingError::WindowExceeded { total: Some(5000), reachable: 4000, read: 4000 })
        ));
        assert!(err.to_string().starts_with("5000 desktops match, but one query reaches only the first 4000"), "{err}");
    }

    #[test]
    fn max_items_caps_and_shrinks_the_last_request() {
        let profile = ServiceProfile::default();
        let (asked, ids, _) = run(Pager::new(req(100), profile.clone()).max_items(Some(250)), &fleet(1000));
        assert_eq!(profile.page_cap(), None, "a page that holds all it asked for proves no cap");
        assert_eq!(asked, [(0, 100), (94, 100), (188, 62)], "the last asks for what is left and the overlap");
        assert_eq!(ids.len(), 250);
    }

    #[test]
    fn resumes_from_its_offset() {
        let base = ListDesktopsConnectStatusRequest::builder().limit(100).offset(150).build().unwrap();
        let (asked, ids, _) = run(pager(base), &fleet(300));
        assert_eq!(asked, [(150, 100), (244, 100)]);
        assert_eq!(ids.first().unwrap(), "d00150");
    }

    #[test]
    fn a_repeated_page_is_no_progress() {
        let service = fleet(10);
        let mut p = pager(req(2));
        let first = service.serve(&p.next_request().unwrap().unwrap());
        p.on_result(Ok(first.clone())).unwrap();
        p.next_request().unwrap().unwrap();
        for _ in 0..2 {
            let page = p.on_result(Ok(first.clone())).unwrap();
            assert!(page.desktops().is_empty(), "once or twice may be movement: nothing new");
            p.next_request().unwrap().unwrap();
        }
        let err = p.on_result(Ok(first)).unwrap_err();
        assert!(err.to_string().contains("no progress: the page at offset 3 repeats the page at offset 2"), "{err}");
        assert!(matches!(&err, Error::InvalidResponse(e) if e.kind() == InvalidResponseKind::RepeatedPage));
        assert!(p.next_request().is_none());
    }

    #[test]
    fn null_entries_that_fill_the_overlap_are_bridged_by_a_larger_page() {
        // Entries: d0, null, d1; pages of 2 overlap by 1, and the overlap is the null: a page of
        // 4 from 0 links both.
        let service = fleet(2).nulls(2);
        let (asked, ids, err) = run(pager(req(2)), &service);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(asked, [(0, 2), (1, 2), (0, 4)]);
        assert_eq!(ids, ["d00000", "d00001"]);
    }

    #[test]
    fn a_page_repeated_far_on_is_no_progress_at_once() {
        let service = fleet(300);
        let mut p = pager(req(100));
        let first = service.serve(&p.next_request().unwrap().unwrap());
        p.on_result(Ok(first.clone())).unwrap();
        assert_eq!(p.next_request().unwrap().unwrap().offset(), Some(94));
        let err = p.on_result(Ok(first)).unwrap_err();
        assert!(err.to_string().contains("the page at offset 94 repeats the page at offset 0"), "{err}");
    }

    #[test]
    fn items_shifted_into_the_next_page_are_not_seen_twice() {
        let service = fleet(10);
        let mut p = pager(req(3));
        let r = p.next_request().unwrap().unwrap();
        p.on_result(Ok(service.serve(&r))).unwrap(); // d0 d1 d2
        p.next_request().unwrap().unwrap();
        // An insertion before the page shifts d2 into it.
        let shifted = Page::new(
            ListDesktopsConnectStatusResponse::new(
                service.serve(&req(3).with_offset(2).unwrap()).desktops().to_vec(),
                Some(11),
            ),
            http::HeaderMap::new(),
        );
        let page = p.on_result(Ok(shifted)).unwrap();
        assert_eq!(page.desktops().iter().map(|d| d.id()).collect::<Vec<_>>(), ["d00003", "d00004"]);
        assert_eq!(p.offset(), 5);
    }

    #[test]
    fn an_error_ends_paging() {
        let mut p = pager(req(3));
        p.next_request().unwrap().unwrap();
        assert!(p.on_result(Err(crate::TransportError::timeout("t").into())).is_err());
        assert!(p.next_request().is_none());
    }

    /// One seed: a fleet that moves after each request, paged one request at a time. Every
    /// desktop that matched at the start and did not move comes once, nothing comes twice, and
    /// nothing comes that neither matched nor moved; or paging fails saying it could not keep
    /// up, or (past 2000 matches) that the window ends.
    fn check_moving_pages(seed: u64) -> Result<bool, String> {
        let mut rng = Rng::new(seed);
        let n = rng.below(3000);
        let cap = [None, Some(40 + rng.below(400) as u32)][rng.below(2)];
        let limit = [0, 20 + rng.below(500) as u32][rng.below(2)];
        let movement = Movement { moves: rng.below(21), changes: rng.below(6) };
        let service = Service::fleet(n, |i| ConnectStatus::KNOWN[i % 3].clone())
            .cap(cap)
            .unfiltered_totals(rng.below(4) == 0)
            .moving(movement, seed);
        let mut b = ListDesktopsConnectStatusRequest::builder().limit(limit);
        if rng.below(2) == 0 {
            b = b.connect_status(ConnectStatus::KNOWN[rng.below(4)].clone());
        }
        let r = b.build().unwrap();
        let start: HashSet<String> = service.ids(&r).into_iter().collect();
        service.take_touched();
        let (_, ids, err) = run(pager(r), &service);
        let touched = service.take_touched();
        let what = format!("{n} desktops, cap {cap:?}, pages of {limit}, {movement:?}");
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
                Ok(false)
            }
            Some(Error::Paging(PagingError::FleetChanged { .. })) => Ok(true),
            Some(Error::Paging(PagingError::WindowExceeded { .. })) if start.len() > 2000 => Ok(false),
            Some(e) => Err(format!("{what}: {e}")),
        }
    }

    #[test]
    fn a_moving_fleet_is_paged_exactly_or_paging_says_it_changed() {
        let (mut changed, mut runs) = (0, 0);
        for seed in crate::sim::seeds(1000) {
            runs += 1;
            match check_moving_pages(seed) {
                Ok(gave_up) => changed += usize::from(gave_up),
                Err(why) => {
                    panic!(
                        "seed {seed}: {why}\nreplay it: MOVING_SEED={seed} cargo test -p workspace-core --lib moving"
                    )
                }
            }
        }
        assert!(changed * 50 <= runs, "{changed} of {runs} pagings gave up on the movement: the bound is too tight");
    }

    #[test]
    fn a_page_of_one_then_an_empty_page_ends_paging_where_totals_count_everything() {
        // One match of two desktops, and totals that count both: the first page is short, but a
        // service that never served more than one may cap its pages at one.
        let service = Service::fleet(2, |i| ConnectStatus::KNOWN[usize::from(i == 0)].clone()).unfiltered_totals(true);
        let r = ListDesktopsConnectStatusRequest::builder()
            .limit(2)
            .connect_status(ConnectStatus::KNOWN[0].clone())
            .build()
            .unwrap();
        let (asked, ids, err) = run(pager(r.clone()), &service);
        assert!(err.is_none(), "{err:?} after {asked:?}");
        assert_eq!(ids, service.ids(&r));
        assert!(asked.len() <= 3, "{asked:?}");
    }

    #[test]
    fn null_entries_that_fill_the_overlap_of_capped_pages_are_vouched_for_by_equal_totals() {
        // Entries d0, null, d1, d2, null, …; the service serves 2 at most, so pages overlap by
        // one, which is sometimes a null in both: the bridge cannot be larger either.
        let service = Service::fleet(20, |_| ConnectStatus::Connected).cap(Some(2)).nulls(2);
        let (asked, ids, err) = run(pager(req(3)), &service);
        assert!(err.is_none(), "{err:?} after {asked:?}");
        assert_eq!(ids, service.ids(&req(3)));
    }

    proptest! {
        #[test]
        fn every_desktop_once_or_a_clear_error(
            n in 0usize..2600,
            limit in 1u32..=2000,
            cap in proptest::option::of(1u32..=2000),
            filtered in any::<bool>(),
            unfiltered_totals in any::<bool>(),
            nulls in proptest::option::of(2usize..50),
        ) {
            let mut service = Service::fleet(n, |i| ConnectStatus::KNOWN[usize::from(i % 7 == 0)].clone())
                .cap(cap)
                .unfiltered_totals(unfiltered_totals);
            if let Some(every) = nulls {
                service = service.nulls(every);
            }
            let mut b = ListDesktopsConnectStatusRequest::builder().limit(limit);
            if filtered {
                b = b.connect_status(ConnectStatus::KNOWN[0].clone());
            }
            let r = b.build().unwrap();
            let truth = service.ids(&r);
            let (asked, ids, err) = run(pager(r), &service);
            prop_assert!(asked.iter().all(|(o, l)| *o <= 2000 && *l <= 2000));
            // Pages advance; a page asked again (to bridge `null` entries that fill an overlap)
            // is the exception, so the requests stay within a few per page of the reachable
            // window.
            let page = u64::from(limit.min(cap.unwrap_or(2000)));
            prop_assert!(asked.len() as u64 <= 3 * (4000 / page + 2), "{} requests", asked.len());
            match err {
                None => prop_assert_eq!(ids, truth),
                Some(e) => {
                    prop_assert!(matches!(e, Error::Paging(PagingError::WindowExceeded { .. })), "{}", e);
                    // `null` entries take positions too (the simulated service lists them only
                    // without filters).
                    let positions = if filtered { truth.len() } else { service.len() };
                    prop_assert!(positions > 2000, "{} for {} desktops", e, truth.len());
                    prop_assert_eq!(&ids[..], &truth[..ids.len()]);
                }
            }
        }
    }
}
