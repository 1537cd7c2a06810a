//! Offset/limit paging as a state machine: which request comes next, and when to stop.

use std::collections::HashSet;

use http::StatusCode;
use workspace_types::limits::{MAX_LIMIT, MAX_OFFSET};
use workspace_types::{
    ConnectDesktopsInfo, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusResponse, ValidationError,
};

use crate::error::{Error, InvalidResponse, PagingError};
use crate::profile::ServiceProfile;
use crate::response::Page;

/// Pages through the desktops that match a request.
///
/// - Each request starts where the entries received so far end (`offset += entries received`,
///   `null` entries included): paging advances by what arrived, never by what was asked.
/// - A page shorter than asked does not end paging by itself: the service may cap its pages.
///   Paging ends on an empty page; when `total_count` is reached (a query's total is an upper
///   bound of its matches whatever it counts); when the total is known to count this query's
///   matches and the page ends there; on a short page that is also shorter than a page the
///   service served before (a capped service fills pages up to its cap); or at the caller's
///   item cap ([`max_items`](Self::max_items)).
/// - An empty page while a trusted total says more remain is an [`InvalidResponse`]: the
///   service contradicts itself, and stopping quietly would lose desktops.
/// - It never asks for an offset beyond 2000 but uses the whole reachable window (the page that
///   would cross offset 2000 ends there; the page at 2000 asks for 2000). When more may remain
///   past that, the request after the last page is [`PagingError::WindowExceeded`], never a
///   silent stop.
/// - A page that repeats the previous one is an [`InvalidResponse`] (no progress); items of a
///   page that were already on the previous page (the fleet changed and shifted them) are
///   dropped, so they are not seen twice.
/// - [`offset`](Self::offset) tells where it stands, so paging can resume later.
/// - The pager of an invalid query (see [`Query::pager`](crate::Query::pager)) hands out the
///   validation error as its first and only request, so a driver has one error path; its
///   offset is the query's.
#[derive(Clone, Debug)]
pub struct Pager {
    request: ListDesktopsConnectStatusRequest,
    /// The error of an invalid query, handed out by the first `next_request`.
    invalid: Option<ValidationError>,
    offset: u32,
    page_limit: u32,
    max_items: Option<u64>,
    read: u64,
    total: Option<u64>,
    trust_total: bool,
    profile: ServiceProfile,
    asked: u32,
    short_page: Option<u32>,
    previous: HashSet<String>,
    window_exceeded: bool,
    done: bool,
}

impl Pager {
    /// A pager for `request`, starting at its offset (0 when unset), in pages of its limit (2000,
    /// the largest the API documents, when unset or 0: pages of 0 cannot advance, and what the
    /// service returns for `limit=0` is not documented). What `profile` has learnt of the service
    /// decides whether the query's `total_count` is trusted as its number of matches.
    pub fn new(request: ListDesktopsConnectStatusRequest, profile: ServiceProfile) -> Self {
        Self {
            offset: request.offset().unwrap_or(0),
            page_limit: request.limit().filter(|l| *l > 0).unwrap_or(MAX_LIMIT),
            trust_total: profile.trusts_total_of(&request),
            profile,
            request,
            invalid: None,
            max_items: None,
            read: 0,
            total: None,
            asked: 0,
            short_page: None,
            previous: HashSet::new(),
            window_exceeded: false,
            done: false,
        }
    }

    /// A pager that hands out `error` as its first request and then ends: the pager of an
    /// invalid query whose offset is `offset`.
    pub(crate) fn invalid(error: ValidationError, offset: u32) -> Self {
        let mut pager = Self::new(ListDesktopsConnectStatusRequest::default(), ServiceProfile::default());
        pager.invalid = Some(error);
        pager.offset = offset;
        pager
    }

    /// Stops after `n` items in all.
    pub fn max_items(mut self, n: Option<u64>) -> Self {
        self.max_items = n;
        self
    }

    /// The offset the next page starts at: to resume later, start a pager with this offset.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.total
    }

    /// The request for the next page, or `None` when paging is over.
    pub fn next_request(&mut self) -> Option<Result<ListDesktopsConnectStatusRequest, Error>> {
        if let Some(e) = self.invalid.take() {
            self.done = true;
            return Some(Err(e.into()));
        }
        if self.done {
            return None;
        }
        if self.window_exceeded {
            self.done = true;
            let reachable = u64::from(self.offset);
            let err = PagingError::WindowExceeded { total: self.total, reachable, read: self.read };
            return Some(Err(err.into()));
        }
        let left = self.max_items.map_or(u64::MAX, |m| m.saturating_sub(self.read));
        if left == 0 {
            self.done = true;
            return None;
        }
        let limit = window_limit(self.offset, self.page_limit).min(u32::try_from(left).unwrap_or(u32::MAX));
        self.asked = limit;
        Some(self.request.with_offset(self.offset).and_then(|r| r.with_limit(limit)).map_err(Error::from))
    }

    /// Takes the outcome of the request last returned by [`next_request`](Self::next_request):
    /// a page comes back without the items the previous page already had; an error ends paging.
    pub fn on_result(&mut self, result: Result<Page, Error>) -> Result<Page, Error> {
        let page = match result {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        let entries = page.entries();
        let ids: HashSet<String> = page.desktops().iter().filter_map(|d| d.desktop_id.clone()).collect();
        if entries > 0 && self.read > 0 && ids.len() == page.desktops().len() && ids == self.previous {
            self.done = true;
            let why =
                format!("paging made no progress at offset {}: the service returned the same page again", self.offset);
            return Err(InvalidResponse::contract(StatusCode::OK, why, page.request_id()).into());
        }
        let ends_data = self.profile.ends_data(self.asked, entries);
        self.profile.served(entries);
        let total = page.total_count().or(self.total);
        let offset = u64::from(self.offset);
        if entries == 0 && self.trust_total && total.is_some_and(|t| t > offset) {
            self.done = true;
            let why = format!(
                "the service counts {} matching desktops but returned none at offset {offset}",
                total.unwrap_or_default()
            );
            return Err(InvalidResponse::contract(StatusCode::OK, why, page.request_id()).into());
        }
        let headers = page.headers().clone();
        let mut response = page.into_response();
        let previous = std::mem::replace(&mut self.previous, ids);
        response
            .desktops
            .retain(|d: &ConnectDesktopsInfo| d.desktop_id.as_ref().is_none_or(|id| !previous.contains(id)));
        self.total = total;
        self.read += response.desktops.len() as u64;
        self.offset = self.offset.saturating_add(u32::try_from(entries).unwrap_or(u32::MAX));
        let next = u64::from(self.offset);
        let short = entries < u64::from(self.asked);
        let trusted = self.trust_total && total.is_some();
        // A short page followed by more data proves that the service caps its pages.
        if let Some(cap) = self.short_page.take().filter(|_| entries > 0) {
            self.profile.learn_cap(cap);
        }
        if short && entries > 0 {
            self.short_page = Some(u32::try_from(entries).unwrap_or(u32::MAX));
        }
        let reached_total = total.is_some_and(|t| next >= t);
        // A trusted total decides alone; otherwise a short page ends paging only when it is
        // shorter than pages served before, else the next request finds out.
        let ended = entries == 0 || (!trusted && ends_data);
        let capped = self.max_items.is_some_and(|m| self.read >= m);
        if reached_total || ended || capped {
            self.done = true;
        } else if self.offset > MAX_OFFSET {
            // This page is delivered; the next request reports what could not be reached.
            self.window_exceeded = true;
        }
        Ok(Page::new(ListDesktopsConnectStatusResponse::new(response.desktops, response.total_count), headers))
    }
}

/// The limit of the page at `offset` for pages of `page_limit`, so that paging uses the whole
/// reachable window: the page that would cross offset 2000 ends there, and the page at 2000 asks
/// for all that one request can hold.
pub(crate) fn window_limit(offset: u32, page_limit: u32) -> u32 {
    if offset >= MAX_OFFSET {
        MAX_LIMIT
    } else if offset + page_limit > MAX_OFFSET {
        MAX_OFFSET - offset
    } else {
        page_limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Service;
    use proptest::prelude::*;
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
        assert_eq!(asked, [(0, 100), (100, 100), (200, 100)]);
        assert_eq!((ids.len(), err.is_none()), (237, true));
    }

    #[test]
    fn stops_at_total_count_without_an_extra_request() {
        let (asked, ids, _) = run(pager(req(100)), &fleet(200));
        assert_eq!(asked, [(0, 100), (100, 100)]);
        assert_eq!(ids.len(), 200);
    }

    #[test]
    fn bulk_pages_are_as_large_as_the_api_allows() {
        let (asked, ids, _) = run(pager(ListDesktopsConnectStatusRequest::default()), &fleet(3000));
        assert_eq!(asked, [(0, 2000), (2000, 2000)]);
        assert_eq!(ids.len(), 3000);
    }

    #[test]
    fn a_limit_of_0_pages_as_large_as_the_api_allows() {
        let (asked, ids, err) = run(pager(req(0)), &fleet(2500));
        assert_eq!(asked, [(0, 2000), (2000, 2000)]);
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
        assert_eq!(asked.len(), 5, "{asked:?}");
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
        assert!(matches!(err, Error::InvalidResponse(_)), "{err:?}");
        assert!(err.to_string().contains("counts 500 matching desktops but returned none at offset 0"), "{err}");
    }

    #[test]
    fn uses_the_whole_window_then_says_what_is_left() {
        let (asked, ids, err) = run(pager(req(300)), &fleet(4000));
        assert_eq!(asked.last(), Some(&(2000, 2000)));
        assert!(asked.contains(&(1800, 200)), "{asked:?}");
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
        let (asked, ids, _) = run(pager(req(100)).max_items(Some(250)), &fleet(1000));
        assert_eq!(asked, [(0, 100), (100, 100), (200, 50)]);
        assert_eq!(ids.len(), 250);
    }

    #[test]
    fn resumes_from_its_offset() {
        let base = ListDesktopsConnectStatusRequest::builder().limit(100).offset(150).build().unwrap();
        let (asked, ids, _) = run(pager(base), &fleet(300));
        assert_eq!(asked, [(150, 100), (250, 100)]);
        assert_eq!(ids.first().unwrap(), "d00150");
    }

    #[test]
    fn a_repeated_page_is_no_progress() {
        let service = fleet(10);
        let mut p = pager(req(2));
        let first = service.serve(&p.next_request().unwrap().unwrap());
        p.on_result(Ok(first.clone())).unwrap();
        p.next_request().unwrap().unwrap();
        let err = p.on_result(Ok(first)).unwrap_err();
        assert!(err.to_string().contains("no progress at offset 2"), "{err}");
        assert!(matches!(err, Error::InvalidResponse(_)));
        assert!(p.next_request().is_none());
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
        assert_eq!(p.offset(), 6);
    }

    #[test]
    fn an_error_ends_paging() {
        let mut p = pager(req(3));
        p.next_request().unwrap().unwrap();
        assert!(p.on_result(Err(crate::TransportError::timeout("t").into())).is_err());
        assert!(p.next_request().is_none());
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
            prop_assert!(asked.windows(2).all(|w| w[1].0 > w[0].0), "offsets strictly increase");
            match err {
                None => prop_assert_eq!(ids, truth),
                Some(e) => {
                    prop_assert!(matches!(e, Error::Paging(PagingError::WindowExceeded { .. })), "{}", e);
                    // `null` entries take positions too (the simulated service lists them only
                    // without filters).
                    let positions = if filtered { truth.len() } else { service.entries.len() };
                    prop_assert!(positions > 2000, "{} for {} desktops", e, truth.len());
                    prop_assert_eq!(&ids[..], &truth[..ids.len()]);
                }
            }
        }
    }
}
