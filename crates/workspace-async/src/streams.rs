//! What the client's reads return: streams of pages, desktops, a whole fleet, a watch's
//! transitions, each with `next().await` for callers without a stream crate. Each dereferences
//! to its operation, for its progress: `offset()` and `total_count()` of a listing, `report()`
//! and `expected()` of a whole read, `polls()` of a watch. Dropping one cancels its requests in flight.

use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
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
    /// (none for the baseline), the poll's error, or `None` once the watch is over. A read or
    /// wait the stream left unfinished (its `next()` was cancelled) is replaced by this one.
    pub async fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        self.0.reset();
        let client = self.0.client.clone();
        Some(client.first(self.0.op.poll_now()?).await)
    }
}

macro_rules! stream {
    ($(#[$doc:meta])* $name:ident, $op:ty, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub(crate) Drive<$op>);

        impl $name {
            /// The next item, or `None` at the end.
            pub async fn next(&mut self) -> Option<Result<$item, Error>> {
                self.0.next().await
            }
        }

        impl Stream for $name {
            type Item = Result<$item, Error>;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                Pin::new(&mut self.get_mut().0).poll_next(cx)
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

stream!(
    /// The pages of a listing, one request each; an error ends the stream.
    Pages, PagesOp, Page
);
stream!(
    /// The desktops of a listing, page by page; an error ends the stream.
    Items, ItemsOp, ConnectDesktopsInfo
);
stream!(
    /// Every matching desktop of a full read, once each, in a stable order; an error ends the
    /// stream. Up to `concurrency` requests are in flight, as futures polled by its task.
    FleetItems, FleetOp, ConnectDesktopsInfo
);
stream!(
    /// The changes of a fleet, as they are seen: it reads, hands out each change, sleeps the
    /// interval and reads again. A poll's error is an item; a permanent one ends the watch.
    Watcher, WatchOp, Transition
);
