//! The streams of a listing: pages, desktops, and the whole fleet. Each dereferences to its
//! operation, for its progress: `offset()` and `total_count()` of a listing, `report()` of a
//! whole read.

use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use workspace_core::op::{FleetOp, ItemsOp, PagesOp};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, Page};

use crate::drive::Drive;

/// The pages of a listing, one request each; an error ends the stream. A `Stream`, and
/// `next().await` without any stream crate.
#[derive(Debug)]
pub struct Pages(pub(crate) Drive<PagesOp>);

/// The desktops of a listing, page by page; an error ends the stream.
#[derive(Debug)]
pub struct Items(pub(crate) Drive<ItemsOp>);

/// Every matching desktop of a full read, once each, in a stable order; an error ends the
/// stream. Dropping it cancels the requests in flight.
#[derive(Debug)]
pub struct FleetItems(pub(crate) Drive<FleetOp>);

macro_rules! stream {
    ($name:ident, $op:ty, $item:ty) => {
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

stream!(Pages, PagesOp, Page);
stream!(Items, ItemsOp, ConnectDesktopsInfo);
stream!(FleetItems, FleetOp, ConnectDesktopsInfo);
