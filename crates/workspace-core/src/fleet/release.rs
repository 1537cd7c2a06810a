//! Releasing items: part after part, page after page, each id once; and the judgments made
//! when the parts of a split are all read.

use std::collections::HashSet;

use http::StatusCode;
use workspace_types::{ConnectDesktopsInfo, ConnectStatus};

use super::FleetRead;
use crate::error::{InvalidResponse, InvalidResponseKind, PagingError};
use crate::profile::TotalsMeaning;

impl FleetRead {
    /// Moves the desktops of linked pages to the ready items, part after part and page after
    /// page, each id once.
    pub(super) fn release(&mut self) {
        while let Some(&i) = self.order.front() {
            let part = &mut self.parts[i];
            if part.replaced {
                self.order.pop_front();
                continue;
            }
            if !part.committed {
                return;
            }
            let items = part.chain.release();
            let finished = part.chain.finished();
            let (group, names) = (part.group, part.names);
            part.distinct.extend(items.iter().filter_map(|d| d.desktop_id.clone()));
            for d in items {
                self.deliver(d, names);
            }
            if !finished {
                return;
            }
            let part = &mut self.parts[i];
            let (covered, distinct) = (part.chain.reached(), part.distinct.len() as u64);
            part.distinct = HashSet::new();
            if part.chain.still_and_identified() && distinct < covered {
                let why = format!(
                    "{} lists {covered} desktops but only {distinct} distinct desktop ids: ids are not unique",
                    part.describe()
                );
                let kind = InvalidResponseKind::DuplicateIds;
                return self.fail(InvalidResponse::contract(kind, StatusCode::OK, why, None).into());
            }
            // On a part that did not move, fewer distinct desktops than a trusted total counts is
            // never a short answer.
            let total = part.chain.total().filter(|_| part.trusted && part.chain.still_and_identified());
            if let Some(total) = total.filter(|t| distinct < *t) {
                let why = format!(
                    "the service counts {total} desktops for {}, but its pages held only {distinct} distinct ones",
                    part.describe()
                );
                let kind = InvalidResponseKind::ShortOfTotal;
                return self.fail(InvalidResponse::contract(kind, StatusCode::OK, why, None).into());
            }
            self.order.pop_front();
            if let Some(s) = names {
                self.splits[s].left -= 1;
                if self.splits[s].left == 0 {
                    self.judge_names(s);
                }
            }
            if group.is_some() || names.is_some() {
                for g in 0..self.groups.len() {
                    self.judge_group(g);
                }
            }
            if self.failed {
                return;
            }
        }
    }

    pub(super) fn deliver(&mut self, d: ConnectDesktopsInfo, names: Option<usize>) {
        let Some(id) = d.desktop_id.clone() else {
            if !self.capped() {
                self.report.delivered += 1;
                self.ready.push_back(d);
            }
            return;
        };
        if let Some(s) = names {
            self.splits[s].found.insert(id.clone());
        }
        let status = self.status_index(d.status());
        match self.seen.get(&id) {
            Some(&was) => {
                if was != status {
                    self.changed.insert(id);
                }
            }
            None if self.capped() => {}
            None => {
                self.seen.insert(id, status);
                self.report.delivered += 1;
                self.ready.push_back(d);
            }
        }
    }

    pub(super) fn status_index(&mut self, status: Option<&ConnectStatus>) -> u16 {
        let at = self.statuses.iter().position(|s| s.as_ref() == status).unwrap_or_else(|| {
            self.statuses.push(status.cloned());
            self.statuses.len() - 1
        });
        u16::try_from(at).unwrap_or(u16::MAX)
    }

    /// A split by status whose parts are all read (those read through user names included):
    /// the desktops its statuses' totals did not hold must be explained by the movement seen
    /// (desktops seen to change, totals that drifted), or some have a status that was not seen. When statuses were read through user
    /// names and their totals could not be trusted, what the names found is checked against
    /// what the trusted whole leaves for them.
    pub(super) fn judge_group(&mut self, g: usize) {
        let group = &self.groups[g];
        let done = |m: &usize| !self.order.contains(m) && self.parts[*m].split.is_none_or(|s| self.splits[s].left == 0);
        if group.judged || self.failed || !group.members.iter().all(done) {
            return;
        }
        self.groups[g].judged = true;
        let group = &self.groups[g];
        // Totals taken at different moments disagree by what moved between them: allow for the
        // desktops seen to change and for how far each status's totals drifted during the read.
        let drift = group.members.iter().fold(0u64, |a, &m| a.saturating_add(self.parts[m].chain.drift()));
        let changed = (self.changed.len() as u64).saturating_add(drift);
        let parent = group.parent_total.filter(|_| group.parent_trusted);
        let untrusted: Vec<usize> = group
            .members
            .iter()
            .filter_map(|&m| self.parts[m].split)
            .filter(|&s| self.splits[s].total.is_none())
            .collect();
        if let (Some(parent), false) = (parent, untrusted.is_empty()) {
            let others: u64 = group
                .members
                .iter()
                .filter(|&&m| !self.parts[m].replaced)
                .fold(0u64, |a, &m| a.saturating_add(self.parts[m].chain.reached()));
            let total = parent.saturating_sub(others);
            let found: u64 = untrusted.iter().map(|&s| self.splits[s].found.len() as u64).sum();
            if found.saturating_add(changed) < total {
                let part = self.splits[untrusted[0]].part.clone();
                return self.fail(PagingError::NamesIncomplete { part, total, found }.into());
            }
        }
        let group = &self.groups[g];
        // A deficit is only ever noted against a parent's total.
        if let (Some(total), true) = (group.parent_total, group.deficit > changed) {
            self.fail(PagingError::StatusesIncomplete { total, found: total.saturating_sub(group.deficit) }.into());
        }
    }

    /// A part read through user names: where totals follow filters, every desktop it counts must
    /// have been found (give or take the desktops seen to move).
    pub(super) fn judge_names(&mut self, s: usize) {
        let split = &self.splits[s];
        let Some(total) = split.total.filter(|_| self.profile.totals() == TotalsMeaning::Filtered) else {
            return;
        };
        let found = split.found.len() as u64;
        if found.saturating_add(self.changed.len() as u64) < total {
            let err = PagingError::NamesIncomplete { part: split.part.clone(), total, found };
            self.fail(err.into());
        }
    }
}
