//! The iterators of a listing: pages, desktops, and the whole fleet.

use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, FleetRead, Page, Pager};

use crate::client::Client;

/// The pages of a listing, one request each; an error ends the iteration.
#[derive(Debug)]
pub struct Pages {
    client: Client,
    pager: Result<Pager, Option<Error>>,
}

impl Pages {
    pub(crate) fn new(client: Client, pager: Result<Pager, Error>) -> Self {
        Self { client, pager: pager.map_err(Some) }
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

impl Iterator for Pages {
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
pub struct Items {
    pages: Pages,
    current: std::vec::IntoIter<ConnectDesktopsInfo>,
}

impl Items {
    pub(crate) fn new(pages: Pages) -> Self {
        Self { pages, current: Vec::new().into_iter() }
    }

    /// The pages behind this iteration.
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
    read: Result<FleetRead, Option<Error>>,
    /// The error that ended the read, yielded after the desktops read before it.
    failed: Option<Error>,
}

impl FleetItems {
    pub(crate) fn new(client: Client, read: Result<FleetRead, Error>) -> Self {
        Self { client, read: read.map_err(Some), failed: None }
    }

    /// How many requests were sent so far.
    pub fn requests(&self) -> u64 {
        self.read.as_ref().map_or(0, FleetRead::requests)
    }
}

impl Iterator for FleetItems {
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
            if let Some(e) = self.failed.take() {
                return Some(Err(e));
            }
            let mut batch = Vec::new();
            while batch.len() < self.client.options().concurrency() {
                let Some(next) = read.next_request() else { break };
                batch.push(next);
            }
            if batch.is_empty() {
                return None;
            }
            let (tickets, requests): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            for (ticket, result) in tickets.into_iter().zip(self.client.execute_all(requests)) {
                if let Err(e) = read.on_result(ticket, result) {
                    self.failed = Some(e);
                    break;
                }
            }
        }
    }
}
