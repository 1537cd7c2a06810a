//! Desktops per connection status, from `total_count` where it can be trusted, else by reading.

use http::StatusCode;
use workspace_types::{ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest};

use crate::error::{Error, InvalidResponse, InvalidResponseKind};
use crate::profile::{ServiceProfile, TotalsMeaning};
use crate::response::Page;

/// The largest `total_count` taken for a number of desktops: far above any fleet. A larger total
/// (such as 2^64 - 1) is only an upper bound for paging, and counts come from reading instead.
pub const MAX_PLAUSIBLE_TOTAL: u64 = 10_000_000;

/// How many desktops match, in all and per documented status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusCounts {
    /// All matching desktops.
    pub total: u64,
    /// `UNREGISTER`.
    pub unregister: u64,
    /// `REGISTERED`.
    pub registered: u64,
    /// `CONNECTED`.
    pub connected: u64,
    /// `DISCONNECTED`.
    pub disconnected: u64,
}

impl StatusCounts {
    /// The five requests to send together, in this order: all statuses, then each documented
    /// status; each with `limit=0` (no desktops, only `total_count`), keeping the user-name filter
    /// of `base`.
    pub fn requests(base: &ListDesktopsConnectStatusRequest) -> Result<Vec<ListDesktopsConnectStatusRequest>, Error> {
        let all = ListDesktopsConnectStatusRequest::builder()
            .user_names(base.user_names().iter().cloned())
            .offset(0)
            .limit(0)
            .build()?;
        let mut out = vec![all.clone()];
        for s in ConnectStatus::KNOWN {
            out.push(all.with_connect_status(s.clone())?);
        }
        Ok(out)
    }

    /// The counts from the pages answering [`requests`](Self::requests), in the same order, or
    /// `None` when the totals cannot be trusted to count each status (they ignore the filters,
    /// or contradict each other), or when there are no pages (no requests were made): then
    /// count by reading ([`from_desktops`](Self::from_desktops)).
    /// What the totals showed is recorded in `profile`. A page without `total_count` breaks the
    /// service's contract.
    pub fn from_pages(pages: &[Page], profile: &ServiceProfile) -> Result<Option<Self>, Error> {
        if pages.is_empty() {
            // No count requests were made (more than 100 user names): count by reading.
            return Ok(None);
        }
        let totals: Vec<u64> = pages
            .iter()
            .map(|p| {
                p.total_count().ok_or_else(|| {
                    let why = "the service gave no total_count, so desktops cannot be counted without reading them";
                    InvalidResponse::contract(InvalidResponseKind::MissingTotal, StatusCode::OK, why, p.request_id())
                        .into()
                })
            })
            .collect::<Result<_, Error>>()?;
        let [total, unregister, registered, connected, disconnected] = totals[..] else {
            let why = format!("expected 5 counts, got {}", totals.len());
            return Err(InvalidResponse::contract(InvalidResponseKind::WrongCount, StatusCode::OK, why, None).into());
        };
        if totals.iter().any(|t| *t > MAX_PLAUSIBLE_TOTAL) {
            // No fleet is that large: the totals count nothing that can be trusted.
            return Ok(None);
        }
        let meaning = TotalsMeaning::from_split(total, &totals[1..]);
        profile.learn_totals(meaning);
        // An empty fleet has no desktop of any status, whatever the totals count.
        let trusted = meaning == TotalsMeaning::Filtered || total == 0;
        Ok(trusted.then_some(Self { total, unregister, registered, connected, disconnected }))
    }

    /// The counts of desktops that were read.
    pub fn from_desktops<'a>(desktops: impl IntoIterator<Item = &'a ConnectDesktopsInfo>) -> Self {
        let mut c = Self::default();
        desktops.into_iter().for_each(|d| c.add(d));
        c
    }

    /// Counts one more desktop that was read.
    pub(crate) fn add(&mut self, d: &ConnectDesktopsInfo) {
        self.total += 1;
        match d.status() {
            Some(ConnectStatus::Unregister) => self.unregister += 1,
            Some(ConnectStatus::Registered) => self.registered += 1,
            Some(ConnectStatus::Connected) => self.connected += 1,
            Some(ConnectStatus::Disconnected) => self.disconnected += 1,
            _ => {}
        }
    }

    /// The count of one documented status.
    pub fn get(&self, status: &ConnectStatus) -> Option<u64> {
        match status {
            ConnectStatus::Unregister => Some(self.unregister),
            ConnectStatus::Registered => Some(self.registered),
            ConnectStatus::Connected => Some(self.connected),
            ConnectStatus::Disconnected => Some(self.disconnected),
            _ => None,
        }
    }

    /// Desktops with a status outside the documented four (or none).
    pub fn other(&self) -> u64 {
        let known = [self.unregister, self.registered, self.connected, self.disconnected];
        self.total.saturating_sub(known.iter().fold(0u64, |a, n| a.saturating_add(*n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Service;

    fn counts(service: &Service, profile: &ServiceProfile) -> Result<Option<StatusCounts>, Error> {
        let pages: Vec<Page> = StatusCounts::requests(&Default::default())?.iter().map(|r| service.serve(r)).collect();
        StatusCounts::from_pages(&pages, profile)
    }

    #[test]
    fn five_limit_zero_requests_keep_the_user_names() {
        let base = ListDesktopsConnectStatusRequest::builder()
            .user_name("alice")
            .connect_status(ConnectStatus::Connected)
            .limit(50)
            .build()
            .unwrap();
        let reqs = StatusCounts::requests(&base).unwrap();
        assert_eq!(reqs.len(), 5);
        assert!(reqs.iter().all(|r| r.limit() == Some(0) && r.user_names() == ["alice"]));
        assert_eq!(reqs[0].connect_status(), None);
        assert_eq!(reqs[3].connect_status(), Some(&ConnectStatus::Connected));
    }

    #[test]
    fn totals_that_follow_filters_are_the_counts() {
        let service =
            Service::fleet(11, |i| if i == 0 { ConnectStatus::from("X") } else { ConnectStatus::KNOWN[i % 4].clone() });
        let profile = ServiceProfile::default();
        let c = counts(&service, &profile).unwrap().unwrap();
        assert_eq!((c.total, c.unregister, c.connected, c.other()), (11, 2, 3, 1));
        assert_eq!(profile.totals(), TotalsMeaning::Filtered);
        assert_eq!(c.get(&ConnectStatus::Disconnected), Some(2));
    }

    #[test]
    fn totals_that_ignore_filters_mean_counting_by_reading() {
        let service = Service::fleet(12, |i| ConnectStatus::KNOWN[i % 4].clone()).unfiltered_totals(true);
        let profile = ServiceProfile::default();
        assert_eq!(counts(&service, &profile).unwrap(), None);
        assert_eq!(profile.totals(), TotalsMeaning::Unfiltered);
        let read = service.serve(&ListDesktopsConnectStatusRequest::builder().limit(2000).build().unwrap());
        let c = StatusCounts::from_desktops(read.desktops());
        assert_eq!((c.total, c.registered, c.other()), (12, 3, 0));
    }

    #[test]
    fn a_missing_total_breaks_the_contract() {
        let page =
            Page::new(workspace_types::ListDesktopsConnectStatusResponse::new(vec![], None), http::HeaderMap::new());
        let err = StatusCounts::from_pages(&[page], &ServiceProfile::default()).unwrap_err();
        assert!(matches!(&err, Error::InvalidResponse(e) if e.kind() == InvalidResponseKind::MissingTotal), "{err:?}");
    }

    #[test]
    fn an_empty_fleet_counts_zero() {
        let c = counts(&Service::fleet(0, |_| ConnectStatus::Connected), &ServiceProfile::default()).unwrap();
        assert_eq!(c, Some(StatusCounts::default()));
    }
}
