//! What the client's reads return: iterators of pages, desktops, a whole fleet, a watch's
//! transitions. Each dereferences to its operation, for its progress: `offset()` and
//! `total_count()` of a listing, `report()` and `expected()` of a whole read, `polls()` of a watch.

use std::ops::Deref;

use workspace_core::op::{FleetOp, ItemsOp, PagesOp, WatchOp};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, Page, Transition};

use crate::drive::Drive;

impl Watcher {
    /// Stops after `n` polls (the first one is the baseline).
    pub fn max_polls(mut self, n: u64) -> Self {
        self.0.op.set_max_polls(n);
        self
    }

    /// Reads now, for callers that poll when they choose: the transitions since the last read
    /// (none for the baseline), the poll's error, or `None` once the watch is over.
    pub fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        let client = self.0.client.clone();
        Some(client.once(self.0.op.poll_now()?))
    }
}

macro_rules! iterator {
    ($(#[$doc:meta])* $name:ident, $op:ty, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub(crate) Drive<$op>);

        impl Iterator for $name {
            type Item = Result<$item, Error>;

            fn next(&mut self) -> Option<Self::Item> {
                self.0.next()
            }
        }

        impl Deref for $name {
            type Target = $op;

            fn deref(&self) -> &$op {
                &self.0.op
            }
        }
    };
}

iterator!(
    /// The pages of a listing, one request each; an error ends the iteration.
    Pages, PagesOp, Page
);
iterator!(
    /// The desktops of a listing, page by page; an error ends the iteration.
    Items, ItemsOp, ConnectDesktopsInfo
);
iterator!(
    /// Every matching desktop of a full read, once each, in a stable order; an error ends the
    /// iteration. Up to `concurrency` requests are in flight, sent by as many threads at most
    /// (the caller's included).
    FleetItems, FleetOp, ConnectDesktopsInfo
);
iterator!(
    /// The changes of a fleet, as they are seen: it reads, hands out each change, sleeps the
    /// interval and reads again. A poll's error is an item; a permanent one ends the watch.
    Watcher, WatchOp, Transition
);
