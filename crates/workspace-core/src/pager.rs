//! Offset/limit paging as a state machine: which request comes next, and when to stop.

use std::collections::HashSet;

use workspace_types::limits::{DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, QUERY_WINDOW};
use workspace_types::{ConnectDesktopsInfo, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusResponse};

use crate::error::{Error, PagingError};
use crate::response::Page;

/// Pages through the desktops that match a request.
///
/// - Each request starts where the items received so far end (`offset += items received`).
/// - Paging stops on an empty page, a page shorter than asked, at `total_count`, or at the
///   caller's item cap ([`max_items`](Self::max_items)).
/// - It never asks for an offset beyond 2000, but uses the whole reachable window: the page that
///   would cross offset 2000 is shortened to end there, and the last page asks for up to 2000
///   items from offset 2000, so one query reaches 4,000 items. When more remain past that, the
///   request after the last page is [`PagingError::WindowExceeded`] instead of a silent stop.
/// - A page that repeats the previous one fails with [`PagingError::NoProgress`].
/// - Items of a page that were already on the previous page (the fleet changed between
///   requests and shifted them) are dropped, so they are not seen twice.
/// - [`offset`](Self::offset) tells where it stands, so paging can resume later.
#[derive(Clone, Debug)]
pub struct Pager {
    request: ListDesktopsConnectStatusRequest,
    offset: u32,
    page_limit: u32,
    max_items: Option<u64>,
    read: u64,
    total: Option<u64>,
    asked: u32,
    previous: HashSet<String>,
    window_exceeded: bool,
    done: bool,
}

impl Pager {
    /// A pager for `request`, starting at its offset (0 when unset) with its limit as page size
    /// (the service's 100 when unset).
    pub fn new(request: ListDesktopsConnectStatusRequest) -> Self {
        Self {
            offset: request.offset().unwrap_or(0),
            page_limit: request.limit().unwrap_or(DEFAULT_LIMIT),
            request,
            max_items: None,
            read: 0,
            total: None,
            asked: 0,
            previous: HashSet::new(),
            window_exceeded: false,
            done: false,
        }
    }

    /// Stops after `n` items in all.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// The offset the next page starts at: to resume later, start a pager with this offset.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// How many items were read so far.
    pub fn items_read(&self) -> u64 {
        self.read
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.total
    }

    /// Whether paging is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The request for the next page, or `None` when paging is over.
    pub fn next_request(&mut self) -> Option<Result<ListDesktopsConnectStatusRequest, Error>> {
        if self.done {
            return None;
        }
        if self.window_exceeded {
            self.done = true;
            let err = PagingError::WindowExceeded { total: self.total, reachable: QUERY_WINDOW, read: self.read };
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
        let received = page.desktops().len() as u64;
        let ids: HashSet<String> = page.desktops().iter().filter_map(|d| d.desktop_id.clone()).collect();
        if received > 0 && self.read > 0 && ids.len() as u64 == received && ids == self.previous {
            self.done = true;
            return Err(PagingError::NoProgress { offset: self.offset }.into());
        }
        let request_id = page.request_id().map(str::to_owned);
        let mut response = page.into_response();
        let previous = std::mem::replace(&mut self.previous, ids);
        response
            .desktops
            .retain(|d: &ConnectDesktopsInfo| d.desktop_id.as_ref().is_none_or(|id| !previous.contains(id)));
        self.total = response.total_count.or(self.total);
        self.read += response.desktops.len() as u64;
        self.offset = self.offset.saturating_add(u32::try_from(received).unwrap_or(u32::MAX));
        let reached_total = self.total.is_some_and(|t| u64::from(self.offset) >= t);
        let capped = self.max_items.is_some_and(|m| self.read >= m);
        let short = received == 0 || received < u64::from(self.asked);
        if reached_total || capped || short {
            self.done = true;
        } else if self.offset > MAX_OFFSET {
            // This page is delivered; the next request reports what could not be reached.
            self.window_exceeded = true;
        }
        Ok(Page::new(ListDesktopsConnectStatusResponse::new(response.desktops, response.total_count), request_id))
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
    use proptest::prelude::*;

    fn desktop(id: &str) -> ConnectDesktopsInfo {
        let mut d = ConnectDesktopsInfo::default();
        d.desktop_id = Some(id.to_owned());
        d
    }

    /// A fleet of `n` desktops served by offset and limit, as the service does.
    fn serve(n: u64, req: &ListDesktopsConnectStatusRequest) -> Page {
        let offset = u64::from(req.offset().unwrap_or(0));
        let limit = u64::from(req.limit().unwrap_or(100));
        let desktops = (offset..n.min(offset + limit)).map(|i| desktop(&format!("d{i}"))).collect();
        Page::new(ListDesktopsConnectStatusResponse::new(desktops, Some(n)), None)
    }

    /// Runs a pager against a fleet of `n`, returning the requests made and the ids read.
    fn run(mut pager: Pager, n: u64) -> (Vec<(u32, u32)>, Vec<String>, Option<Error>) {
        let (mut asked, mut ids) = (Vec::new(), Vec::new());
        while let Some(req) = pager.next_request() {
            let req = match req {
                Ok(req) => req,
                Err(e) => return (asked, ids, Some(e)),
            };
            asked.push((req.offset().unwrap(), req.limit().unwrap()));
            match pager.on_result(Ok(serve(n, &req))) {
                Ok(page) => ids.extend(page.desktops().iter().map(|d| d.desktop_id.clone().unwrap())),
                Err(e) => return (asked, ids, Some(e)),
            }
        }
        (asked, ids, None)
    }

    fn req(limit: u32) -> ListDesktopsConnectStatusRequest {
        ListDesktopsConnectStatusRequest::builder().limit(limit).build().unwrap()
    }

    #[test]
    fn pages_of_100_100_37() {
        let (asked, ids, err) = run(Pager::new(req(100)), 237);
        assert_eq!(asked, [(0, 100), (100, 100), (200, 100)]);
        assert_eq!((ids.len(), err.is_none()), (237, true));
    }

    #[test]
    fn stops_at_total_count_without_an_extra_request() {
        let (asked, ids, _) = run(Pager::new(req(100)), 200);
        assert_eq!(asked, [(0, 100), (100, 100)]);
        assert_eq!(ids.len(), 200);
    }

    #[test]
    fn empty_first_page() {
        let (asked, ids, err) = run(Pager::new(req(100)), 0);
        assert_eq!((asked.len(), ids.len(), err.is_none()), (1, 0, true));
    }

    #[test]
    fn uses_the_whole_window_then_says_what_is_left() {
        let (asked, ids, err) = run(Pager::new(req(300)), 4000);
        assert_eq!(asked.last(), Some(&(2000, 2000)));
        assert!(asked.contains(&(1800, 200)), "{asked:?}");
        assert_eq!((ids.len(), err.is_none()), (4000, true));
        let (_, ids, err) = run(Pager::new(req(2000)), 5000);
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
        let (asked, ids, _) = run(Pager::new(req(100)).max_items(250), 1000);
        assert_eq!(asked, [(0, 100), (100, 100), (200, 50)]);
        assert_eq!(ids.len(), 250);
    }

    #[test]
    fn resumes_from_its_offset() {
        let base = ListDesktopsConnectStatusRequest::builder().limit(100).offset(150).build().unwrap();
        let (asked, ids, _) = run(Pager::new(base), 300);
        assert_eq!(asked, [(150, 100), (250, 100)]);
        assert_eq!(ids.first().unwrap(), "d150");
    }

    #[test]
    fn a_repeated_page_is_no_progress() {
        let mut p = Pager::new(req(2));
        let first = serve(10, &p.next_request().unwrap().unwrap());
        p.on_result(Ok(first.clone())).unwrap();
        p.next_request().unwrap().unwrap();
        let err = p.on_result(Ok(first)).unwrap_err();
        assert!(matches!(err, Error::Paging(PagingError::NoProgress { offset: 2 })), "{err}");
        assert!(p.next_request().is_none());
    }

    #[test]
    fn items_shifted_into_the_next_page_are_not_seen_twice() {
        let mut p = Pager::new(req(3));
        let r = p.next_request().unwrap().unwrap();
        p.on_result(Ok(serve(10, &r))).unwrap(); // d0 d1 d2
        p.next_request().unwrap().unwrap();
        // d0 was deleted: the service now lists d1.. so offset 3 starts at d4; an insertion
        // before the page instead shifts d2 into it.
        let shifted = Page::new(
            ListDesktopsConnectStatusResponse::new(["d2", "d3", "d4"].iter().map(|i| desktop(i)).collect(), Some(11)),
            None,
        );
        let page = p.on_result(Ok(shifted)).unwrap();
        assert_eq!(page.desktops().iter().map(|d| d.desktop_id.clone().unwrap()).collect::<Vec<_>>(), ["d3", "d4"]);
        assert_eq!(p.offset(), 6);
    }

    #[test]
    fn an_error_ends_paging() {
        let mut p = Pager::new(req(3));
        p.next_request().unwrap().unwrap();
        assert!(p.on_result(Err(crate::TransportError::timeout("t").into())).is_err());
        assert!(p.next_request().is_none());
    }

    proptest! {
        #[test]
        fn every_item_once_within_the_window(n in 0u64..4500, limit in 1u32..=2000, cap in proptest::option::of(1u64..5000)) {
            let mut pager = Pager::new(req(limit));
            if let Some(c) = cap { pager = pager.max_items(c); }
            let (asked, ids, err) = run(pager, n);
            let reachable = n.min(4000).min(cap.unwrap_or(u64::MAX));
            prop_assert_eq!(ids.len() as u64, reachable);
            let unique: HashSet<_> = ids.iter().collect();
            prop_assert_eq!(unique.len(), ids.len());
            prop_assert!(asked.windows(2).all(|w| w[1].0 > w[0].0), "offsets strictly increase");
            prop_assert!(asked.iter().all(|(o, l)| *o <= 2000 && *l <= 2000));
            prop_assert_eq!(err.is_some(), n > 4000 && cap.is_none_or(|c| c > 4000));
        }
    }
}
