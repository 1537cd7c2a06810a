//! Desktops per connection status, without fetching desktops: `limit=0` reads `total_count`.

use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest};

use crate::error::{ConfigError, Error};
use crate::response::Page;

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
    /// The five requests to send, in this order: all statuses, then each documented status;
    /// each with `limit=0`, keeping the user-name filter of `base`.
    pub fn requests(base: &ListDesktopsConnectStatusRequest) -> Result<Vec<ListDesktopsConnectStatusRequest>, Error> {
        let mut b = base.to_builder();
        b = b.offset(0).limit(0);
        let all = ListDesktopsConnectStatusRequest::from_query_pairs(
            b.build()?.query_pairs().into_iter().filter(|(k, _)| *k != "connect_status"),
        )?;
        let mut out = vec![all.clone()];
        for s in ConnectStatus::KNOWN {
            out.push(all.with_connect_status(s.clone())?);
        }
        Ok(out)
    }

    /// The counts from the pages answering [`requests`](Self::requests), in the same order.
    pub fn from_pages(pages: &[Page]) -> Result<Self, Error> {
        let totals: Vec<u64> = pages
            .iter()
            .map(|p| p.total_count().ok_or_else(|| ConfigError::new("the service gave no total_count").into()))
            .collect::<Result<_, Error>>()?;
        match totals.as_slice() {
            [total, unregister, registered, connected, disconnected] => Ok(Self {
                total: *total,
                unregister: *unregister,
                registered: *registered,
                connected: *connected,
                disconnected: *disconnected,
            }),
            _ => Err(ConfigError::new(format!("expected 5 counts, got {}", totals.len())).into()),
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

    /// Desktops with a status outside the documented four.
    pub fn other(&self) -> u64 {
        self.total.saturating_sub(self.unregister + self.registered + self.connected + self.disconnected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_types::ListDesktopsConnectStatusResponse;

    #[test]
    fn five_limit_zero_requests_and_their_counts() {
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
        let page = |n| Page::new(ListDesktopsConnectStatusResponse::new(vec![], Some(n)), None);
        let c = StatusCounts::from_pages(&[page(11), page(1), page(2), page(3), page(4)]).unwrap();
        assert_eq!((c.total, c.connected, c.other()), (11, 3, 1));
        assert_eq!(c.get(&ConnectStatus::Disconnected), Some(4));
    }
}
