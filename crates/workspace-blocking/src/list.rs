//! The fluent call, and its page and item iterators.

use workspace_core::types::{ConnectDesktopsInfo, ListDesktopsConnectStatusRequestBuilder};
use workspace_core::{Error, Page, Pager};

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

    /// Every page, one request each, from the offset set (0 by default).
    pub fn pages(self) -> Pages<'c> {
        let pager = self.request.build().map(|r| {
            let pager = Pager::new(r);
            match self.max_items {
                Some(n) => pager.max_items(n),
                None => pager,
            }
        });
        Pages { client: self.client, pager: pager.map_err(Error::from).map_err(Some) }
    }

    /// Every desktop of every page, fetched page by page as the iteration goes.
    pub fn items(self) -> Items<'c> {
        Items { pages: self.pages(), current: Vec::new().into_iter() }
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
