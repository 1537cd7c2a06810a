//! The one query value every client method takes: filters and paging, checked when used.

use std::sync::Arc;

use workspace_types::limits::MAX_USER_NAMES;
use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder};

use crate::client::ClientCore;
use crate::counts::StatusCounts;
use crate::error::Error;
use crate::fleet::FleetRead;
use crate::pager::Pager;

/// What to list: user names, a connection status, an offset and a page size, and for paging a cap
/// on the desktops read. One request (a page, paging) takes at most 100 user names; a full read
/// (the clients' `read_fleet` and `watch`) and a count take any number, reading them in batches
/// of 100. A full read may also be given a source of user names,
/// [`user_directory`](Self::user_directory), to reach desktops past the window of one query.
/// Nothing is checked until it is used; then bad input is an [`Error::InvalidRequest`] naming the
/// field, the value and the rule, and nothing is sent.
///
/// ```
/// use workspace_core::Query;
/// use workspace_core::types::ConnectStatus;
///
/// let query = Query::new().connect_status(ConnectStatus::Connected).user_names(["alice", "bob"]).limit(50);
/// assert_eq!(query.request()?.user_names(), ["alice", "bob"]);
/// assert!(Query::new().limit(5000).request().is_err());
/// # Ok::<(), workspace_core::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Query {
    request: ListDesktopsConnectStatusRequestBuilder,
    max_items: Option<u64>,
    directory: Option<Arc<[String]>>,
}

impl Query {
    /// Every desktop: no filters, the service's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds user names to filter on: desktops attached to any of them match. Any non-empty text
    /// is a name, sent as given.
    pub fn user_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.request = self.request.user_names(names);
        self
    }

    /// Adds one user name to filter on.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.request = self.request.user_name(name);
        self
    }

    /// Filters on one connection status (a documented one, or one the service added later).
    pub fn connect_status(mut self, status: ConnectStatus) -> Self {
        self.request = self.request.connect_status(status);
        self
    }

    /// Skips this many matching desktops (0 to 2000); paging starts here.
    pub fn offset(mut self, offset: u32) -> Self {
        self.request = self.request.offset(offset);
        self
    }

    /// At most this many desktops per page (0 to 2000). Unset, one request gets the service's
    /// default (100); bulk reads (pages, items, the fleet read) ask for 2000 when it is unset or
    /// 0 (a page of 0 desktops cannot advance).
    pub fn limit(mut self, limit: u32) -> Self {
        self.request = self.request.limit(limit);
        self
    }

    /// When paging or reading the fleet, stops after this many desktops in all.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Gives a full read a source of user names, such as a directory export: when one status has
    /// more desktops than one query reaches (about 4,000), the read reaches them 100 names at a
    /// time with that status, merging by desktop id, and checks what it found against the
    /// status's total (or, where totals ignore filters, against what the whole fleet's total
    /// leaves for it). The names do not filter the read. Empty names and repeats are dropped.
    pub fn user_directory<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut names: Vec<String> = names.into_iter().map(Into::into).filter(|n| !n.is_empty()).collect();
        names.sort_unstable();
        names.dedup();
        self.directory = Some(names.into());
        self
    }

    /// The one request this query is (at most 100 user names).
    pub fn request(&self) -> Result<ListDesktopsConnectStatusRequest, Error> {
        Ok(self.request.clone().build()?)
    }

    /// The requests this query is: one per batch of at most 100 user names (sorted, without
    /// repeats), or one when it names none.
    pub fn batches(&self) -> Result<Vec<ListDesktopsConnectStatusRequest>, Error> {
        Ok(self.request.clone().build_batches()?)
    }

    /// Paging through this query's matches with what `core` has learnt. When the query is
    /// invalid, the pager's first request is the validation error (and nothing is sent).
    pub(crate) fn pager(&self, core: &ClientCore) -> Pager {
        match self.request.clone().build() {
            Ok(request) => Pager::new(request, core.profile().clone()).max_items(self.max_items),
            Err(e) => Pager::invalid(e, self.request.get_offset().unwrap_or(0)),
        }
    }

    /// The full read of this query's matches (any number of user names) with what `core` has
    /// learnt, and its source of user names if it has one. When the query is invalid, the
    /// read's first item is the validation error (and nothing is sent).
    pub(crate) fn fleet_read(&self, core: &ClientCore) -> FleetRead {
        match FleetRead::from_request(self.request.clone(), self.max_items, core.profile().clone()) {
            Ok(read) => match &self.directory {
                Some(names) => read.user_directory(names.clone()),
                None => read,
            },
            Err(e) => FleetRead::invalid(e),
        }
    }

    /// The five requests that count this query's user names' desktops per status; none when it
    /// names more than 100 users, whose batches' totals would count a desktop shared by two
    /// batches twice: such a count reads the desktops instead.
    pub fn count_requests(&self) -> Result<Vec<ListDesktopsConnectStatusRequest>, Error> {
        let batches = self.batches()?;
        match &batches[..] {
            [one] if one.user_names().len() <= MAX_USER_NAMES => StatusCounts::requests(one),
            _ => Ok(Vec::new()),
        }
    }

    /// The query that counts by reading: this query's user names and source of user names,
    /// nothing else.
    pub fn names_only(&self) -> Result<Self, Error> {
        let names: Vec<String> = self.batches()?.iter().flat_map(|b| b.user_names().iter().cloned()).collect();
        Ok(Self {
            request: ListDesktopsConnectStatusRequest::builder().user_names(names),
            max_items: None,
            directory: self.directory.clone(),
        })
    }
}

impl From<ListDesktopsConnectStatusRequest> for Query {
    fn from(request: ListDesktopsConnectStatusRequest) -> Self {
        Self { request: request.to_builder(), max_items: None, directory: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_core as core;

    #[test]
    fn an_invalid_query_pages_into_its_error_once_and_sends_nothing() {
        let mut pager = Query::new().offset(700).limit(2001).pager(&core());
        assert_eq!(pager.offset(), 700, "the query's offset, not 0: resuming from it repeats nothing");
        let err = pager.next_request().unwrap().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        assert!(err.to_string().contains("limit"), "{err}");
        assert!(pager.on_result(Err(err)).is_err());
        assert!(pager.next_request().is_none());
    }

    #[test]
    fn an_invalid_query_reads_into_its_error_once_and_sends_nothing() {
        let mut read = Query::new().user_name("").fleet_read(&core());
        assert!(read.next_request().is_none());
        let err = read.next_item().unwrap().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        assert!(read.next_item().is_none() && read.is_finished());
    }
}
