//! The streams of a listing: pages, desktops, and the whole fleet.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, FleetRead, Page, Pager, ReadReport, Ticket};

use crate::client::{Client, PageFuture};

/// The pages of a listing, one request each, as `next().await` or a `Stream`; an error ends it.
pub struct Pages {
    client: Client,
    pager: Pager,
    in_flight: Option<PageFuture>,
}

impl Pages {
    pub(crate) fn new(client: Client, pager: Pager) -> Self {
        Self { client, pager, in_flight: None }
    }

    /// The next page, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Page, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The paging state: the offset the next page starts at (to resume later), the last total.
    pub fn pager(&self) -> &Pager {
        &self.pager
    }
}

impl Stream for Pages {
    type Item = Result<Page, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(call) = &mut this.in_flight {
                let result = std::task::ready!(call.as_mut().poll(cx));
                this.in_flight = None;
                return Poll::Ready(Some(this.pager.on_result(result)));
            }
            match this.pager.next_request() {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(this.pager.on_result(Err(e)))),
                Some(Ok(request)) => this.in_flight = Some(this.client.start(request)),
            }
        }
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

    /// The pages behind this iteration. Their `pager().offset()` is where the page after the
    /// current one starts: desktops of the current page not taken yet lie before it, so resume
    /// from it only at a page boundary (or iterate `pages` instead).
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
    read: FleetRead,
    in_flight: Vec<(Ticket, PageFuture)>,
}

impl FleetItems {
    pub(crate) fn new(client: Client, read: FleetRead) -> Self {
        Self { client, read, in_flight: Vec::new() }
    }

    /// The next desktop, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<ConnectDesktopsInfo, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// How many requests were sent so far.
    pub fn requests(&self) -> u64 {
        self.read.requests()
    }

    /// What the read did so far: desktops delivered, desktops seen to change while it ran, pages
    /// read again to prove continuity, and requests. Final once the iteration has ended.
    pub fn report(&self) -> ReadReport {
        self.read.report()
    }
}

impl Stream for FleetItems {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.read.is_ended() {
                // All read, capped or failed: what is still in flight is not needed.
                this.in_flight.clear();
            }
            if let Some(item) = this.read.next_item() {
                return Poll::Ready(Some(item));
            }
            if this.read.is_finished() {
                return Poll::Ready(None);
            }
            while this.in_flight.len() < this.client.options().concurrency() {
                let Some((ticket, request)) = this.read.next_request() else { break };
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
                    this.read.on_result(ticket, result);
                    answered = true;
                    if this.read.is_ended() {
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
