//! The iterators of a listing: pages, desktops, and the whole fleet.

use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, FleetRead, Page, Pager, ReadReport};

use crate::client::Client;

/// The pages of a listing, one request each; an error ends the iteration.
#[derive(Debug)]
pub struct Pages {
    client: Client,
    pager: Pager,
}

impl Pages {
    pub(crate) fn new(client: Client, pager: Pager) -> Self {
        Self { client, pager }
    }

    /// The paging state: the offset the next page starts at (to resume later), the last total.
    pub fn pager(&self) -> &Pager {
        &self.pager
    }
}

impl Iterator for Pages {
    type Item = Result<Page, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let result = self.pager.next_request()?.and_then(|request| self.client.execute(request));
        Some(self.pager.on_result(result))
    }
}

/// The desktops of a listing, page by page; an error ends the iteration.
#[derive(Debug)]
pub struct Items {
    pages: Pages,
    current: std::vec::IntoIter<ConnectDesktopsInfo>,
}

impl Items {
    pub(crate) fn new(pages: Pages) -> Self {
        Self { pages, current: Vec::new().into_iter() }
    }

    /// The pages behind this iteration. Their `pager().offset()` is where the page after the
    /// current one starts: desktops of the current page not taken yet lie before it, so resume
    /// from it only at a page boundary (or iterate `pages` instead).
    pub fn pages(&self) -> &Pages {
        &self.pages
    }
}

impl Iterator for Items {
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

/// Every matching desktop of a full read, once each, in a stable order; an error ends the
/// iteration. The requests the read can make at once go out together, up to the client's
/// `concurrency`, each on a scoped thread.
#[derive(Debug)]
pub struct FleetItems {
    client: Client,
    read: FleetRead,
}

impl FleetItems {
    pub(crate) fn new(client: Client, read: FleetRead) -> Self {
        Self { client, read }
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

impl Iterator for FleetItems {
    type Item = Result<ConnectDesktopsInfo, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.read.next_item() {
                return Some(item);
            }
            let batch: Vec<_> =
                std::iter::from_fn(|| self.read.next_request()).take(self.client.options().concurrency()).collect();
            if batch.is_empty() {
                return None;
            }
            let (tickets, requests): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            for (ticket, result) in tickets.into_iter().zip(self.client.execute_all(requests)) {
                self.read.on_result(ticket, result);
            }
        }
    }
}
