//! The fluent call, and its page and item iterators.

use std::time::Duration;

use workspace_core::types::{ConnectDesktopsInfo, ListDesktopsConnectStatusRequestBuilder};
use workspace_core::{Error, FleetRead, Page, Pager, StatusCounts};

use crate::watch::Watcher;

use crate::client::Client;

/// A call of `ListDesktopsConnectStatus` being set up: filters, then [`send`](Self::send),
/// [`pages`](Self::pages) or [`items`](Self::items). Bad input is reported when it runs, before
/// anything is sent.
#[derive(Debug)]
#[must_use]
pub struct ListDesktopsConnectStatus<'c> {
    client: &'c Client,
    request: ListDesktopsConnectStatusRequestBuilder,
    max_items: Option<u64>,
}

impl<'c> ListDesktopsConnectStatus<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client, request: Default::default(), max_items: None }
    }

    workspace_core::list_request_setters!();

    /// Sends the request: one page.
    pub fn send(self) -> Result<Page, Error> {
        self.client.execute(self.request.build()?)
    }

    /// Every page, one request each, from the offset set (0 by default), in pages of the limit set
    /// (2000, the largest the API allows, when unset).
    pub fn pages(self) -> Pages<'c> {
        let profile = self.client.core().profile().clone();
        let pager = self.request.build().map(|r| Pager::new(r, profile).max_items(self.max_items));
        Pages { client: self.client, pager: pager.map_err(Error::from).map_err(Some) }
    }

    /// Every desktop of every page, fetched page by page as the iteration goes.
    pub fn items(self) -> Items<'c> {
        Items { pages: self.pages(), current: Vec::new().into_iter() }
    }

    /// Every matching desktop, whatever the size of the fleet: more than 100 user names are
    /// queried in batches, a query with more matches than one query can reach (4,000) is split
    /// by connection status and then by user names, and each desktop comes once. The limit set is
    /// the page size (2000 when unset); an offset is not allowed.
    pub fn read_fleet(self) -> FleetItems<'c> {
        let read = FleetRead::from_request(self.request, self.max_items, self.client.core().profile().clone());
        FleetItems { client: self.client, read: read.map_err(Some) }
    }

    /// How many desktops match the user names set (if any), in all and per connection status:
    /// from five `limit=0` requests when their totals follow the filters, else by reading the
    /// desktops (the documentation does not say what `total_count` counts). At most 100 user
    /// names.
    pub fn count_by_status(self) -> Result<StatusCounts, Error> {
        let base = self.request.build()?;
        let pages = StatusCounts::requests(&base)?
            .into_iter()
            .map(|r| self.client.execute(r))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(counts) = StatusCounts::from_pages(&pages, self.client.core().profile())? {
            return Ok(counts);
        }
        let names = ListDesktopsConnectStatusRequestBuilder::default().user_names(base.user_names().iter().cloned());
        let read = FleetRead::from_request(names, None, self.client.core().profile().clone())?;
        let desktops = FleetItems::new(self.client, read).collect::<Result<Vec<_>, _>>()?;
        Ok(StatusCounts::from_desktops(&desktops))
    }

    /// Watches the matching desktops: reads them all every `interval` and yields each change
    /// (appeared, disappeared, status changed) once. A failed poll is yielded as an error; the
    /// watch goes on at the next tick unless the error is permanent (such as a 401 or 403,
    /// which polling again would only repeat), which ends it. It never ends otherwise unless
    /// [`Watcher::max_polls`] is set.
    pub fn watch(self, interval: Duration) -> Watcher<'c> {
        Watcher::new(self.client, self.request, interval)
    }
}

/// Every matching desktop of a full read, once each; an error ends the iteration.
#[derive(Debug)]
pub struct FleetItems<'c> {
    client: &'c Client,
    read: Result<FleetRead, Option<Error>>,
}

impl<'c> FleetItems<'c> {
    pub(crate) fn new(client: &'c Client, read: FleetRead) -> Self {
        Self { client, read: Ok(read) }
    }

    /// How many requests were sent so far.
    pub fn requests(&self) -> u64 {
        self.read.as_ref().map_or(0, FleetRead::requests)
    }
}

impl Iterator for FleetItems<'_> {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let read = match &mut self.read {
            Ok(read) => read,
            Err(invalid) => return invalid.take().map(Err),
        };
        loop {
            if let Some(item) = read.next_item() {
                return Some(Ok(item));
            }
            let (ticket, request) = read.next_request()?;
            let result = self.client.execute(request);
            if let Err(e) = read.on_result(ticket, result) {
                return Some(Err(e));
            }
        }
    }
}

/// The pages of a listing; an error ends the iteration.
#[derive(Debug)]
pub struct Pages<'c> {
    client: &'c Client,
    pager: Result<Pager, Option<Error>>,
}

impl Pages<'_> {
    /// The offset the next page starts at (to resume later), when the request was valid.
    pub fn offset(&self) -> Option<u32> {
        self.pager.as_ref().ok().map(Pager::offset)
    }

    /// The `total_count` of the last page.
    pub fn total_count(&self) -> Option<u64> {
        self.pager.as_ref().ok().and_then(Pager::total_count)
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<Page, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let pager = match &mut self.pager {
            Ok(pager) => pager,
            Err(invalid) => return invalid.take().map(Err),
        };
        let result = pager.next_request()?.and_then(|request| self.client.execute(request));
        Some(pager.on_result(result))
    }
}

/// The desktops of a listing, page by page; an error ends the iteration.
#[derive(Debug)]
pub struct Items<'c> {
    pages: Pages<'c>,
    current: std::vec::IntoIter<ConnectDesktopsInfo>,
}

impl Items<'_> {
    /// The pages behind this iteration.
    pub fn pages(&self) -> &Pages<'_> {
        &self.pages
    }
}

impl Iterator for Items<'_> {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(Ok(item));
            }
            match self.pages.next()? {
                Ok(page) => self.current = page.into_response().desktops.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
