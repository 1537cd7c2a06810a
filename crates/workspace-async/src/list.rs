//! The fluent call, and its page and item streams.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use workspace_core::types::{
    ConnectDesktopsInfo, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
};
use workspace_core::{Error, Page, Pager};

use crate::client::AsyncClient;

/// A call of `ListDesktopsConnectStatus` being set up: filters, then
/// [`send`](Self::send)`.await`, [`pages`](Self::pages) or [`items`](Self::items). Bad input is
/// reported when it runs, before anything is sent.
#[derive(Debug)]
#[must_use]
pub struct ListDesktopsConnectStatus<'c> {
    client: &'c AsyncClient,
    request: ListDesktopsConnectStatusRequestBuilder,
    max_items: Option<u64>,
}

impl<'c> ListDesktopsConnectStatus<'c> {
    pub(crate) fn new(client: &'c AsyncClient) -> Self {
        Self { client, request: Default::default(), max_items: None }
    }

    workspace_core::list_request_setters!();

    /// Sends the request: one page.
    pub async fn send(self) -> Result<Page, Error> {
        self.client.execute(self.request.build()?).await
    }

    /// Every page, one request each, from the offset set (0 by default): call
    /// [`Pages::next`]`.await`, or use it as a `Stream`. It owns a clone of the client, so it
    /// can be moved into a task.
    pub fn pages(self) -> Pages {
        let pager = self.request.build().map(|r| {
            let pager = Pager::new(r);
            match self.max_items {
                Some(n) => pager.max_items(n),
                None => pager,
            }
        });
        Pages { client: self.client.clone(), pager: pager.map_err(Error::from).map_err(Some), in_flight: None }
    }

    /// Every desktop of every page, fetched page by page as the iteration goes.
    pub fn items(self) -> Items {
        Items { pages: self.pages(), current: Vec::new().into_iter() }
    }
}

type PageFuture = Pin<Box<dyn Future<Output = Result<Page, Error>> + Send>>;

/// The pages of a listing, as an async iterator and a `Stream`; an error ends it.
pub struct Pages {
    client: AsyncClient,
    pager: Result<Pager, Option<Error>>,
    in_flight: Option<PageFuture>,
}

impl Pages {
    /// The next page, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Page, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The offset the next page starts at (to resume later), when the request was valid.
    pub fn offset(&self) -> Option<u32> {
        self.pager.as_ref().ok().map(Pager::offset)
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.pager.as_ref().ok().and_then(Pager::total_count)
    }

    fn start(&self, request: ListDesktopsConnectStatusRequest) -> PageFuture {
        let client = self.client.clone();
        Box::pin(async move { client.execute(request).await })
    }
}

impl Stream for Pages {
    type Item = Result<Page, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(fut) = &mut this.in_flight {
                let result = match fut.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(r) => r,
                };
                this.in_flight = None;
                return match &mut this.pager {
                    Ok(pager) => Poll::Ready(Some(pager.on_result(result))),
                    Err(_) => Poll::Ready(None),
                };
            }
            let pager = match &mut this.pager {
                Ok(pager) => pager,
                Err(invalid) => return Poll::Ready(invalid.take().map(Err)),
            };
            match pager.next_request() {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(pager.on_result(Err(e)))),
                Some(Ok(request)) => this.in_flight = Some(this.start(request)),
            }
        }
    }
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").field("pager", &self.pager).field("in_flight", &self.in_flight.is_some()).finish()
    }
}

/// The desktops of a listing, page by page, as an async iterator and a `Stream`; an error
/// ends it.
#[derive(Debug)]
pub struct Items {
    pages: Pages,
    current: std::vec::IntoIter<ConnectDesktopsInfo>,
}

impl Items {
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
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => this.current = page.into_response().desktops.into_iter(),
            }
        }
    }
}
