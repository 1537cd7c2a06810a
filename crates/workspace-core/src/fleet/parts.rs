//! The parts of a read: one query each, with its chain of pages.

use std::collections::{BTreeSet, HashSet};

use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest};

use super::{FleetRead, MAX_PAGES_OUT, MAX_REREADS};
use crate::chain::{Chain, Stop, grow_overlap};

/// One query of the read (a batch of user names, maybe a status) and its pages.
#[derive(Debug)]
pub(super) struct Part {
    pub(super) request: ListDesktopsConnectStatusRequest,
    /// The split by status it belongs to.
    pub(super) group: Option<usize>,
    /// The split by a source of user names it belongs to.
    pub(super) names: Option<usize>,
    /// The split by a source of user names that replaced it.
    pub(super) split: Option<usize>,
    pub(super) chain: Chain,
    /// Whether its first page was taken into account.
    pub(super) probed: bool,
    pub(super) replaced: bool,
    /// Whether its `total_count` is its number of matches (else only an upper bound).
    pub(super) trusted: bool,
    /// Whether it is known to fit in one query's window: only then are its items released, so
    /// that what comes out never depends on how far it got before it had to be split.
    pub(super) committed: bool,
    pub(super) unknown_statuses: BTreeSet<ConnectStatus>,
    /// The distinct ids its pages released: on a still part, one per position covered.
    pub(super) distinct: HashSet<String>,
}

impl Part {
    pub(super) fn new(request: ListDesktopsConnectStatusRequest, step: u32) -> Self {
        Self {
            request,
            group: None,
            names: None,
            split: None,
            chain: Chain::new(0, step),
            probed: false,
            replaced: false,
            trusted: false,
            committed: false,
            unknown_statuses: BTreeSet::new(),
            distinct: HashSet::new(),
        }
    }

    /// Says what the part is without its user names (they are personal data).
    pub(super) fn describe(&self) -> String {
        let status =
            self.request.connect_status().map_or_else(|| "any status".to_owned(), |s| format!("connect_status={s}"));
        match self.request.user_names().len() {
            0 => format!("the query ({status})"),
            1 => format!("the part with {status} and 1 user name"),
            n => format!("the part with {status} and {n} user names"),
        }
    }
}

impl FleetRead {
    /// Links, ends and plans a part's pages, and records what moved.
    pub(super) fn settle(&mut self, i: usize) -> Result<(), Stop> {
        let ctx = self.ctx(i);
        let part = &mut self.parts[i];
        let settled = part.chain.settle(ctx, MAX_PAGES_OUT)?;
        if part.chain.ended() {
            part.committed = true;
        }
        self.changed.extend(settled.moved);
        self.report.pages_reread += settled.bridges;
        if let Some(cap) = settled.cap {
            self.profile.learn_cap(u32::try_from(cap).unwrap_or(u32::MAX));
        }
        self.overlap = grow_overlap(self.overlap, settled.largest_shift, self.step());
        if self.report.pages_reread > MAX_REREADS {
            return Err(Stop::Changed);
        }
        Ok(())
    }
}
