//! A simulated service for the state machines' tests: filters, offset and limit as documented,
//! and each behaviour the documentation leaves open (page cap, what `total_count` counts, `null`
//! entries).

use http::HeaderMap;
use workspace_types::{
    AttachType, AttachUsersInfo, ConnectDesktopsInfo, ConnectStatus, ListDesktopsConnectStatusRequest,
    ListDesktopsConnectStatusResponse, UserGroup,
};

use crate::response::Page;

/// A fleet and how the service serves it.
pub(crate) struct Service {
    /// The entries in service order; `None` is a `null` entry (listed only without filters).
    pub(crate) entries: Vec<Option<ConnectDesktopsInfo>>,
    /// At most this many entries per page.
    pub(crate) cap: Option<u32>,
    /// `total_count` counts every entry, whatever the filters.
    pub(crate) unfiltered_totals: bool,
}

impl Service {
    /// `n` desktops `d00000`, … with the status `status(i)`, each attached to users
    /// `user{i % 300}` and `user{(i + 1) % 300}`.
    pub(crate) fn fleet(n: usize, status: impl Fn(usize) -> ConnectStatus) -> Self {
        let entries = (0..n)
            .map(|i| {
                let user = |k: usize| {
                    AttachUsersInfo::new("u", format!("user{}", k % 300), UserGroup::Users, AttachType::User)
                };
                Some(ConnectDesktopsInfo::new(
                    format!("d{i:05}"),
                    format!("desk{i}"),
                    status(i),
                    vec![user(i), user(i + 1)],
                ))
            })
            .collect();
        Self { entries, cap: None, unfiltered_totals: false }
    }

    pub(crate) fn cap(mut self, cap: Option<u32>) -> Self {
        self.cap = cap;
        self
    }

    pub(crate) fn unfiltered_totals(mut self, yes: bool) -> Self {
        self.unfiltered_totals = yes;
        self
    }

    /// Puts a `null` entry before every `every`-th desktop.
    pub(crate) fn nulls(mut self, every: usize) -> Self {
        let mut out = Vec::new();
        for (i, e) in self.entries.drain(..).enumerate() {
            if i % every == every - 1 {
                out.push(None);
            }
            out.push(e);
        }
        self.entries = out;
        self
    }

    /// The ids of the desktops `request` matches, in order.
    pub(crate) fn ids(&self, request: &ListDesktopsConnectStatusRequest) -> Vec<String> {
        self.matching(request).into_iter().flatten().map(|d| d.id().to_owned()).collect()
    }

    fn matching(&self, r: &ListDesktopsConnectStatusRequest) -> Vec<Option<&ConnectDesktopsInfo>> {
        let filtered = r.connect_status().is_some() || !r.user_names().is_empty();
        self.entries
            .iter()
            .filter(|e| match e {
                None => !filtered,
                Some(d) => {
                    r.connect_status().is_none_or(|s| d.status() == Some(s))
                        && (r.user_names().is_empty() || d.user_names().any(|n| r.user_names().iter().any(|x| x == n)))
                }
            })
            .map(Option::as_ref)
            .collect()
    }

    /// The page the service answers `r` with.
    pub(crate) fn serve(&self, r: &ListDesktopsConnectStatusRequest) -> Page {
        let matching = self.matching(r);
        let offset = r.offset().unwrap_or(0) as usize;
        let limit = r.limit().unwrap_or(100).min(self.cap.unwrap_or(u32::MAX)) as usize;
        let page: Vec<Option<&ConnectDesktopsInfo>> = matching.iter().skip(offset).take(limit).copied().collect();
        let total = if self.unfiltered_totals { self.entries.len() } else { matching.len() } as u64;
        if page.iter().any(Option::is_none) {
            let body = serde_json::json!({"desktops": page, "total_count": total});
            let response: ListDesktopsConnectStatusResponse =
                serde_json::from_value(body).unwrap_or_else(|e| unreachable!("{e}"));
            return Page::new(response, HeaderMap::new());
        }
        let desktops = page.into_iter().flatten().cloned().collect();
        Page::new(ListDesktopsConnectStatusResponse::new(desktops, Some(total)), HeaderMap::new())
    }
}
