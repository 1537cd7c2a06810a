//! The streams of a listing: pages, desktops, and the whole fleet.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, FleetRead, Page, Pager, Ticket};

use crate::client::{Client, PageFuture};

/// The pages of a listing, one request each, as `next().await` or a `Stream`; an error ends it.
pub struct Pages {
    client: Client,
    pager: Result<Pager, Option<Error>>,
    in_flight: Option<PageFuture>,
}

impl Pages {
    pub(crate) fn new(client: Client, pager: Result<Pager, Error>) -> Self {
        Self { client, pager: pager.map_err(Some), in_flight: None }
    }

    /// The next page, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Page, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The offset the next page starts at (to resume later), when the query was valid.
    pub fn offset(&self) -> Option<u32> {
        self.pager.as_ref().ok().map(Pager::offset)
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.pager.as_ref().ok().and_then(Pager::total_count)
    }
}

impl Stream for Pages {
    type Item = Result<Page, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let pager = match &mut this.pager {
            Ok(pager) => pager,
            Err(invalid) => return Poll::Ready(invalid.take().map(Err)),
        };
        if this.in_flight.is_none() {
            match pager.next_request() {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(pager.on_result(Err(e)))),
                Some(Ok(request)) => this.in_flight = Some(this.client.start(request)),
            }
        }
        let Some(fut) = &mut this.in_flight else { return Poll::Ready(None) };
        let result = std::task::ready!(fut.as_mut().poll(cx));
        this.in_flight = None;
        Poll::Ready(Some(pager.on_result(result)))
    }
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").field("pager", &self.pager).field("in_flight", &self.in_flight.is_some()).finish()
    }
}

/// The desktops of a listing, page by page, as `next().await` or a `Stream`; an error ends it.
#[derive(Debug)]
pub struct Items {
    pages: Pages,
    current: std::vec::IntoIter<ConnectDesktopsInfo>,
}

impl Items {
    pub(crate) fn new(pages: Pages) -> Self {
        Self { pages, current: Vec::new().into_iter() }
    }

    /// The next desktop, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<ConnectDesktopsInfo, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The pages behind this iteration.
    pub fn pages(&self) -> &Pages {
        &self.pages
    }
}

impl Stream for Items {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(page)) => this.current = page.into_response().desktops.into_iter(),
            }
        }
    }
}

/// Every matching desktop of a full read, once each, in a stable order, as `next().await` or a
/// `Stream`; an error ends it. Up to the client's `concurrency` requests are in flight; dropping
/// it cancels them.
pub struct FleetItems {
    client: Client,
    read: Result<FleetRead, Option<Error>>,
    in_flight: Vec<(Ticket, PageFuture)>,
    /// The error that ended the read, yielded after the desktops read before it.
    failed: Option<Error>,
}

impl FleetItems {
    pub(crate) fn new(client: Client, read: Result<FleetRead, Error>) -> Self {
        Self { client, read: read.map_err(Some), in_flight: Vec::new(), failed: None }
    }

    /// The next desktop, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<ConnectDesktopsInfo, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// How many requests were sent so far.
    pub fn requests(&self) -> u64 {
        self.read.as_ref().map_or(0, FleetRead::requests)
    }
}

impl Stream for FleetItems {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let read = match &mut this.read {
            Ok(read) => read,
            Err(invalid) => return Poll::Ready(invalid.take().map(Err)),
        };
        loop {
            if let Some(item) = read.next_item() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(e) = this.failed.take() {
                return Poll::Ready(Some(Err(e)));
            }
            while this.in_flight.len() < this.client.options().concurrency() {
                let Some((ticket, request)) = read.next_request() else { break };
                this.in_flight.push((ticket, this.client.start(request)));
            }
            if this.in_flight.is_empty() {
                return Poll::Ready(None);
            }
            let mut answered = false;
            let mut i = 0;
            while i < this.in_flight.len() {
                if let Poll::Ready(result) = this.in_flight[i].1.as_mut().poll(cx) {
                    let (ticket, _) = this.in_flight.swap_remove(i);
                    answered = true;
                    if let Err(e) = read.on_result(ticket, result) {
                        this.in_flight.clear();
                        this.failed = Some(e);
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            if !answered {
                return Poll::Pending;
            }
        }
    }
}

impl std::fmt::Debug for FleetItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetItems").field("read", &self.read).field("in_flight", &self.in_flight.len()).finish()
    }
}
