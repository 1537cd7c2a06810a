//! What a client learns of the behaviours the documentation leaves open: how large a page the
//! service really serves, and what its `total_count` counts.

use std::sync::{Arc, Mutex, PoisonError};

use workspace_types::ListDesktopsConnectStatusRequest;

/// What `total_count` counts. The documentation says only "total number of desktops".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TotalsMeaning {
    /// Not known yet: a filtered query's total is taken only as an upper bound.
    #[default]
    Unknown,
    /// The desktops that match the query's filters.
    Filtered,
    /// Every desktop of the project, whatever the filters.
    Unfiltered,
}

impl TotalsMeaning {
    /// What the totals of a query split into disjoint parts (such as one part per connection
    /// status) say: parts that add up to no more than the whole follow the filters; parts that
    /// each equal the whole ignore them. Anything else (the fleet changed between the requests,
    /// or the whole is empty) proves nothing.
    pub fn from_split(whole: u64, parts: &[u64]) -> Self {
        let sum = parts.iter().fold(0u64, |a, p| a.saturating_add(*p));
        if whole == 0 || parts.is_empty() {
            TotalsMeaning::Unknown
        } else if sum <= whole {
            TotalsMeaning::Filtered
        } else if parts.len() > 1 && parts.iter().all(|p| *p == whole) {
            TotalsMeaning::Unfiltered
        } else {
            TotalsMeaning::Unknown
        }
    }
}

/// What a client has learnt of the service, shared by its calls and reads (clones share it).
///
/// - The page cap: a page that came back shorter than asked while more desktops followed proves
///   that the service serves at most that many a page; later reads ask for pages of that size.
/// - The largest page served: a page shorter than that (and than what was asked) is the end of
///   the data, as a service that caps pages still fills them up to its cap.
/// - What `total_count` counts ([`TotalsMeaning`]), from the totals of a split by status.
/// - Whether the credentials were accepted ([`credentials_accepted`](Self::credentials_accepted)).
#[derive(Clone, Debug, Default)]
pub struct ServiceProfile {
    inner: Arc<Mutex<Learned>>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Learned {
    page_cap: Option<u32>,
    largest_page: u32,
    totals: TotalsMeaning,
    credentials_accepted: bool,
}

impl ServiceProfile {
    /// The page cap learnt, if any.
    pub fn page_cap(&self) -> Option<u32> {
        self.get().page_cap
    }

    /// The largest page the service was seen to serve.
    pub fn largest_page(&self) -> u32 {
        self.get().largest_page
    }

    /// What `total_count` was found to count.
    pub fn totals(&self) -> TotalsMeaning {
        self.get().totals
    }

    /// Whether a request signed with the client's credentials was accepted, and none refused
    /// since. Until then the client's machines send one request at a time: five failed AK/SK
    /// signatures in a row lock the key for every program that uses it.
    pub fn credentials_accepted(&self) -> bool {
        self.get().credentials_accepted
    }

    pub(crate) fn accept_credentials(&self) {
        self.lock().credentials_accepted = true;
    }

    pub(crate) fn refuse_credentials(&self) {
        self.lock().credentials_accepted = false;
    }

    /// Whether the `total_count` of `request` is its number of matches: always for a query
    /// without filters, and for a filtered one once the totals were found to follow filters.
    pub fn trusts_total_of(&self, request: &ListDesktopsConnectStatusRequest) -> bool {
        let unfiltered = request.connect_status().is_none() && request.user_names().is_empty();
        unfiltered || self.totals() == TotalsMeaning::Filtered
    }

    /// Whether a page of `entries` that was asked for `asked` is certainly the last one: it is
    /// shorter than asked and than a page the service has served before.
    pub(crate) fn ends_data(&self, asked: u32, entries: u64) -> bool {
        let l = self.get();
        entries < u64::from(asked) && entries < u64::from(l.largest_page)
    }

    pub(crate) fn served(&self, entries: u64) {
        let mut l = self.lock();
        l.largest_page = l.largest_page.max(u32::try_from(entries).unwrap_or(u32::MAX));
    }

    pub(crate) fn learn_cap(&self, cap: u32) {
        let mut l = self.lock();
        if cap > 0 && l.page_cap.is_none_or(|c| cap < c) {
            #[cfg(feature = "tracing")]
            tracing::info!(page_cap = cap, "the service caps its pages: reading on past the cap");
            l.page_cap = Some(cap);
        }
    }

    /// Records what a split's totals say; an inconclusive split changes nothing.
    pub(crate) fn learn_totals(&self, meaning: TotalsMeaning) {
        if meaning != TotalsMeaning::Unknown {
            #[cfg(feature = "tracing")]
            tracing::info!(totals = ?meaning, "learnt what total_count counts from a split by status");
            self.lock().totals = meaning;
        }
    }

    fn get(&self) -> Learned {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meaning_of_totals_from_a_split() {
        assert_eq!(TotalsMeaning::from_split(100, &[10, 20, 30, 40]), TotalsMeaning::Filtered);
        assert_eq!(TotalsMeaning::from_split(100, &[0, 0, 100, 0]), TotalsMeaning::Filtered);
        assert_eq!(TotalsMeaning::from_split(100, &[100, 100, 100, 100]), TotalsMeaning::Unfiltered);
        assert_eq!(TotalsMeaning::from_split(100, &[30, 30, 21, 20]), TotalsMeaning::Unknown, "a desktop moved");
        assert_eq!(TotalsMeaning::from_split(0, &[0, 0, 0, 0]), TotalsMeaning::Unknown);
    }

    #[test]
    fn caps_and_ends() {
        let p = ServiceProfile::default();
        assert!(!p.ends_data(2000, 500), "nothing served yet: a short page may be the cap");
        p.served(2000);
        assert!(p.ends_data(2000, 500));
        p.learn_cap(500);
        p.learn_cap(700);
        assert_eq!(p.page_cap(), Some(500));
        let filtered = ListDesktopsConnectStatusRequest::builder().user_name("a").build().unwrap();
        assert!(!p.trusts_total_of(&filtered));
        assert!(p.trusts_total_of(&ListDesktopsConnectStatusRequest::default()));
        p.learn_totals(TotalsMeaning::Filtered);
        assert!(p.trusts_total_of(&filtered));
    }
}
