//! The fluent call, and its page and item streams.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use workspace_core::types::{
    ConnectDesktopsInfo, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
};
use workspace_core::{Error, FleetRead, Page, Pager, StatusCounts, Ticket};

use crate::client::AsyncClient;
use crate::watch::Watcher;

/// How many requests a full read keeps in flight by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// A call of `ListDesktopsConnectStatus` being set up: filters, then
/// [`send`](Self::send)`.await`, [`pages`](Self::pages) or [`items`](Self::items). Bad input is
/// reported when it runs, before anything is sent.
#[derive(Debug)]
#[must_use]
pub struct ListDesktopsConnectStatus<'c> {
    client: &'c AsyncClient,
    request: ListDesktopsConnectStatusRequestBuilder,
    max_items: Option<u64>,
    concurrency: usize,
}

impl<'c> ListDesktopsConnectStatus<'c> {
    pub(crate) fn new(client: &'c AsyncClient) -> Self {
        Self { client, request: Default::default(), max_items: None, concurrency: DEFAULT_CONCURRENCY }
    }

    workspace_core::list_request_setters!();

    /// How many requests a full read ([`read_fleet`](Self::read_fleet)) keeps in flight
    /// (default 8; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sends the request: one page.
    pub async fn send(self) -> Result<Page, Error> {
        self.client.execute(self.request.build()?).await
    }

    /// Every page, one request each, from the offset set (0 by default): call
    /// [`Pages::next`]`.await`, or use it as a `Stream`. It owns a clone of the client, so it
    /// can be moved into a task.
    pub fn pages(self) -> Pages {
        let profile = self.client.core().profile().clone();
        let pager = self.request.build().map(|r| Pager::new(r, profile).max_items(self.max_items));
        Pages { client: self.client.clone(), pager: pager.map_err(Error::from).map_err(Some), in_flight: None }
    }

    /// Every desktop of every page, fetched page by page as the iteration goes.
    pub fn items(self) -> Items {
        Items { pages: self.pages(), current: Vec::new().into_iter() }
    }

    /// Every matching desktop, whatever the size of the fleet: more than 100 user names are
    /// queried in batches, a query with more matches than one query can reach (4,000) is split
    /// by connection status and then by user names, and each desktop comes once. Once a query's
    /// first page gives its total, its other pages are fetched [`concurrency`](Self::concurrency)
    /// at a time; items still come in a stable order. The limit set is the page size (2000 when
    /// unset); an offset is not allowed.
    pub fn read_fleet(self) -> FleetItems {
        let read = FleetRead::from_request(self.request, self.max_items, self.client.core().profile().clone());
        FleetItems {
            client: self.client.clone(),
            read: read.map_err(Some),
            in_flight: Vec::new(),
            concurrency: self.concurrency,
        }
    }

    /// How many desktops match the user names set (if any), in all and per connection status:
    /// from five `limit=0` requests sent together when their totals follow the filters, else by
    /// reading the desktops (the documentation does not say what `total_count` counts). At most
    /// 100 user names.
    pub async fn count_by_status(self) -> Result<StatusCounts, Error> {
        let base = self.request.build()?;
        let requests = StatusCounts::requests(&base)?;
        let client = self.client;
        let mut calls: Vec<PageFuture> = requests
            .into_iter()
            .map(|r| {
                let c = client.clone();
                Box::pin(async move { c.execute(r).await }) as PageFuture
            })
            .collect();
        let mut pages: Vec<Option<Page>> = vec![None; calls.len()];
        poll_fn(|cx| {
            let mut waiting = false;
            for (i, call) in calls.iter_mut().enumerate() {
                if pages[i].is_some() {
                    continue;
                }
                match call.as_mut().poll(cx) {
                    Poll::Pending => waiting = true,
                    Poll::Ready(Ok(page)) => pages[i] = Some(page),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                }
            }
            if waiting { Poll::Pending } else { Poll::Ready(Ok(())) }
        })
        .await?;
        let pages: Vec<Page> = pages.into_iter().flatten().collect();
        if let Some(counts) = StatusCounts::from_pages(&pages, client.core().profile())? {
            return Ok(counts);
        }
        let names = ListDesktopsConnectStatusRequestBuilder::default().user_names(base.user_names().iter().cloned());
        let read = FleetRead::from_request(names, None, client.core().profile().clone())?;
        let mut items = FleetItems::new(client.clone(), read, self.concurrency);
        let mut desktops = Vec::new();
        while let Some(d) = items.next().await {
            desktops.push(d?);
        }
        Ok(StatusCounts::from_desktops(&desktops))
    }

    /// Watches the matching desktops: reads them all every `interval` and yields each change
    /// (appeared, disappeared, status changed) once, as an async iterator and a `Stream`. A
    /// failed poll is yielded as an error; the watch goes on at the next tick unless the error
    /// is permanent (such as a 401 or 403, which polling again would only repeat), which ends it.
    pub fn watch(self, interval: Duration) -> Watcher {
        Watcher::new(self.client.clone(), self.request, interval, self.concurrency)
    }
}

/// Every matching desktop of a full read, once each, as an async iterator and a `Stream`; an
/// error ends it. Dropping it cancels the requests in flight.
pub struct FleetItems {
    client: AsyncClient,
    read: Result<FleetRead, Option<Error>>,
    in_flight: Vec<(Ticket, PageFuture)>,
    concurrency: usize,
}

impl FleetItems {
    pub(crate) fn new(client: AsyncClient, read: FleetRead, concurrency: usize) -> Self {
        Self { client, read: Ok(read), in_flight: Vec::new(), concurrency: concurrency.max(1) }
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
            if read.is_finished() {
                this.in_flight.clear();
                return Poll::Ready(None);
            }
            while this.in_flight.len() < this.concurrency {
                let Some((ticket, request)) = read.next_request() else { break };
                let client = this.client.clone();
                this.in_flight.push((ticket, Box::pin(async move { client.execute(request).await })));
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
                        return Poll::Ready(Some(Err(e)));
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
