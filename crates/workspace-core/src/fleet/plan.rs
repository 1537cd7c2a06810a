//! Planning what to request: probes, and splitting a part past the window of one query.

use std::collections::HashSet;

use workspace_types::limits::MAX_USER_NAMES;
use workspace_types::{ConnectStatus, ValidationError};

use super::FleetRead;
use super::parts::Part;
use crate::chain::{Chain, Stop};
use crate::error::PagingError;
use crate::profile::TotalsMeaning;

/// Whether a `total_count` can be a number of desktops: a total above
/// [`MAX_PLAUSIBLE_TOTAL`](crate::MAX_PLAUSIBLE_TOTAL) is taken only as an upper bound.
pub(crate) fn plausible(total: Option<u64>) -> bool {
    total.is_some_and(|t| t <= crate::counts::MAX_PLAUSIBLE_TOTAL)
}

/// The children of a part split by status: their totals tell what `total_count` counts, and
/// whether the statuses hold every desktop.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) parent_total: Option<u64>,
    pub(super) parent_trusted: bool,
    pub(super) members: Vec<usize>,
    pub(super) waiting: usize,
    /// Desktops the parent counts that the statuses' totals do not hold; judged at the end of
    /// the read against the movement seen.
    pub(super) deficit: u64,
    pub(super) judged: bool,
}

/// The parts of a part read through a source of user names, and what they found.
#[derive(Debug)]
pub(super) struct NamesSplit {
    pub(super) part: String,
    pub(super) total: Option<u64>,
    pub(super) left: usize,
    pub(super) found: HashSet<String>,
}

impl FleetRead {
    /// Takes a part's first page into account: what its total says, whether it must be split.
    pub(super) fn after_probe(&mut self, i: usize) -> Result<(), Stop> {
        let part = &mut self.parts[i];
        part.probed = true;
        if let Some(g) = part.group {
            // Its trust waits for the other statuses' first pages.
            self.groups[g].waiting -= 1;
            return if self.groups[g].waiting == 0 { self.resolve_group(g) } else { Ok(()) };
        }
        part.trusted =
            self.profile.trusts_total_of(&part.request) && part.chain.first().is_some_and(|f| plausible(f.1));
        if i == 0 && self.batches == 1 && part.trusted {
            self.expected = part.chain.first().and_then(|f| f.1);
        }
        self.judge_probe(i)
    }

    /// A part whose total is now trusted (or not): learn a cap from a short first page, split
    /// it when it has more than one query reaches, or read on.
    pub(super) fn judge_probe(&mut self, i: usize) -> Result<(), Stop> {
        let part = &self.parts[i];
        let Some((entries, total)) = part.chain.first() else {
            // Only a part with its first page is judged; without one, its chain decides alone.
            debug_assert!(false, "a part is judged before its first page");
            return self.settle(i);
        };
        let asked = u64::from(self.step());
        if part.trusted && entries > 0 && entries < asked && total.is_some_and(|t| t > entries) {
            // More remain although the page was short: the service caps its pages.
            self.profile.learn_cap(u32::try_from(entries).unwrap_or(u32::MAX));
        }
        let reach = self.reach();
        let part = &mut self.parts[i];
        match total {
            Some(t) if part.trusted && t > reach => self.overflow(i, t, false),
            Some(t) => {
                part.committed = part.trusted && t <= reach;
                self.settle(i)
            }
            None => self.settle(i),
        }
    }

    /// A part with more matches than one query reaches: split it, or fail saying so.
    pub(super) fn overflow(&mut self, i: usize, total: u64, at_least: bool) -> Result<(), Stop> {
        let reachable = self.reach();
        let step = self.step();
        let part = &self.parts[i];
        let names = part.request.user_names();
        let too_large = || PagingError::PartTooLarge {
            part: part.describe(),
            total,
            at_least,
            reachable,
            names_would_help: names.is_empty(),
        };
        // Only a part still being read overflows; one already released cannot be split in its place.
        let Some(at) = self.order.iter().position(|&p| p == i) else {
            debug_assert!(false, "a part that overflows is being read");
            let err = too_large();
            self.fail(err.into());
            return Ok(());
        };
        #[cfg(feature = "tracing")]
        let (described, how) = (
            part.describe(),
            if part.request.connect_status().is_none() {
                "by status"
            } else if names.len() > 1 {
                "into two halves of its user names"
            } else {
                "by the source of user names, 100 at a time"
            },
        );
        let children: Result<Vec<Part>, ValidationError> = if part.request.connect_status().is_none() {
            self.split_by_status(i, total)
        } else if names.len() > 1 {
            let (a, b) = names.split_at(names.len() / 2);
            [a, b]
                .iter()
                .map(|half| part.request.with_user_names(half.to_vec()))
                .map(|r| r.map(|r| Part { names: part.names, ..Part::new(r, step) }))
                .collect()
        } else if let (Some(directory), true) = (&self.directory, names.is_empty()) {
            let split = self.splits.len();
            let children: Result<Vec<Part>, ValidationError> = directory
                .chunks(MAX_USER_NAMES)
                .map(|chunk| part.request.with_user_names(chunk.to_vec()))
                .map(|r| r.map(|r| Part { names: Some(split), ..Part::new(r, step) }))
                .collect();
            if let Ok(children) = &children {
                let total = (part.trusted && !at_least).then_some(total);
                let left = children.len();
                self.splits.push(NamesSplit { part: part.describe(), total, left, found: HashSet::new() });
                self.parts[i].split = Some(split);
            }
            children
        } else {
            let err = too_large();
            self.fail(err.into());
            return Ok(());
        };
        // A child's request is the part's with one more filter, always valid; were one not, the
        // read ends with the error rather than leave the child's desktops unread.
        let mut children = match children {
            Ok(children) => children,
            Err(e) => {
                debug_assert!(false, "a part's child request is invalid: {e}");
                self.fail(e.into());
                return Ok(());
            }
        };
        #[cfg(feature = "tracing")]
        tracing::info!(
            part = described,
            total,
            parts = children.len(),
            how,
            "splitting a part that one query cannot reach"
        );
        if let Some(s) = self.parts[i].names.filter(|_| children.len() > 1) {
            self.splits[s].left += children.len() - 1;
        }
        let part = &mut self.parts[i];
        part.replaced = true;
        part.chain = Chain::new(0, step);
        let first = self.parts.len();
        let ids: Vec<usize> = (first..first + children.len()).collect();
        self.parts.append(&mut children);
        self.order.remove(at);
        for (k, id) in ids.into_iter().enumerate() {
            self.order.insert(at + k, id);
        }
        Ok(())
    }

    /// The parts of a split by status (the documented four and any seen in the data). When the
    /// whole is large enough that each status would need more than one page, their second
    /// pages go out with their first.
    pub(super) fn split_by_status(&mut self, i: usize, total: u64) -> Result<Vec<Part>, ValidationError> {
        let step = self.step();
        let part = &self.parts[i];
        let statuses: Vec<ConnectStatus> =
            ConnectStatus::KNOWN.iter().cloned().chain(part.unknown_statuses.iter().cloned()).collect();
        let group = self.groups.len();
        let overlap = self.overlap.min(step / 2).max(1);
        let pages = if total / statuses.len() as u64 > u64::from(step - overlap) { 2 } else { 1 };
        let children: Vec<Part> = statuses
            .into_iter()
            .map(|s| part.request.with_connect_status(s))
            .map(|r| {
                let mut child = Part { group: Some(group), names: part.names, ..Part::new(r?, step) };
                child.chain.speculate(step, overlap, pages);
                Ok(child)
            })
            .collect::<Result<_, ValidationError>>()?;
        let first = self.parts.len();
        self.groups.push(Group {
            parent_total: part.chain.first().and_then(|f| f.1),
            parent_trusted: part.trusted,
            members: (first..first + children.len()).collect(),
            waiting: children.len(),
            deficit: 0,
            judged: false,
        });
        Ok(children)
    }

    /// All parts of a split by status have their first page: learn what the totals count, note
    /// how many desktops the statuses do not hold, and judge each part.
    pub(super) fn resolve_group(&mut self, g: usize) -> Result<(), Stop> {
        let group = &self.groups[g];
        let totals: Option<Vec<u64>> =
            group.members.iter().map(|&m| self.parts[m].chain.first().and_then(|f| f.1)).collect();
        if let (Some(parent), Some(totals)) = (group.parent_total, &totals) {
            self.profile.learn_totals(TotalsMeaning::from_split(parent, totals));
        }
        let filtered = self.profile.totals() == TotalsMeaning::Filtered;
        if let (true, true, Some(parent), Some(totals)) = (filtered, group.parent_trusted, group.parent_total, &totals)
        {
            let found = totals.iter().fold(0u64, |a, t| a.saturating_add(*t));
            self.groups[g].deficit = parent.saturating_sub(found);
        }
        for m in self.groups[g].members.clone() {
            if self.failed {
                // A member judged before ended the read: nothing more is planned.
                return Ok(());
            }
            if self.parts[m].replaced {
                continue;
            }
            self.parts[m].trusted = filtered && self.parts[m].chain.first().is_some_and(|f| plausible(f.1));
            self.judge_probe(m)?;
        }
        Ok(())
    }
}
