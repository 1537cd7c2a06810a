//! The iterators of a listing: pages, desktops, and the whole fleet. Each dereferences to its
//! operation, for its progress: `offset()` and `total_count()` of a listing, `report()` of a
//! whole read.

use std::ops::Deref;

use workspace_core::op::{FleetOp, ItemsOp, PagesOp};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, Page};

use crate::drive::Drive;

/// The pages of a listing, one request each; an error ends the iteration.
#[derive(Debug)]
pub struct Pages(pub(crate) Drive<PagesOp>);

/// The desktops of a listing, page by page; an error ends the iteration.
#[derive(Debug)]
pub struct Items(pub(crate) Drive<ItemsOp>);

/// Every matching desktop of a full read, once each, in a stable order; an error ends the
/// iteration.
#[derive(Debug)]
pub struct FleetItems(pub(crate) Drive<FleetOp>);

macro_rules! iterator {
    ($name:ident, $op:ty, $item:ty) => {
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

iterator!(Pages, PagesOp, Page);
iterator!(Items, ItemsOp, ConnectDesktopsInfo);
iterator!(FleetItems, FleetOp, ConnectDesktopsInfo);
