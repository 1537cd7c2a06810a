//! One query's pages, chained by anchors: each page is asked to overlap the one before it, and
//! the desktops they share prove that nothing lies between them, however the fleet moved.
//!
//! Offset paging alone cannot see movement: a desktop leaving a position before the offset
//! shifts every later one down, so the next page silently skips one. Here a page after the
//! first starts a few entries before the previous page ended (the overlap). When the two share
//! a desktop (the anchor), every desktop after the anchor that stayed in the list is on one of
//! them: the later page is a contiguous window of the list from the anchor on. When they share
//! none, the list moved by at least the overlap between the two answers: the chain asks again
//! for the window of whichever page was answered first (a bridge), which sees the list as the
//! other did, and links both. The overlap grows with the movement seen. A chain gives up,
//! saying so, after a bounded number of bridges in a row.

use std::collections::HashMap;

use workspace_types::ConnectDesktopsInfo;
use workspace_types::limits::{MAX_LIMIT, MAX_OFFSET};

use crate::error::InvalidResponseKind;
use crate::response::Page;

/// At most this many bridges in a row between two pages; one more and the read fails.
pub(crate) const MAX_BRIDGE_DEPTH: u8 = 4;

/// The overlap asked at first: a sixteenth of the page, from 2 to 32 entries.
pub(crate) fn initial_overlap(step: u32) -> u32 {
    (step / 16).clamp(2, 32)
}

/// The overlap after a link whose anchor moved by `shift`: twice that and a little, at most half
/// a page; it never shrinks.
pub(crate) fn grow_overlap(overlap: u32, shift: u64, step: u32) -> u32 {
    if shift == 0 {
        return overlap;
    }
    let wanted = u32::try_from(shift.saturating_mul(2).saturating_add(4)).unwrap_or(u32::MAX);
    if wanted > overlap { wanted.min(step / 2).max(overlap) } else { overlap }
}

/// Where a page of a chain stands.
#[derive(Clone, Debug)]
enum State {
    /// Not asked yet.
    Planned,
    /// Asked, not answered.
    Out,
    /// Answered.
    In(Box<Arrived>),
}

/// An answered page.
#[derive(Clone, Debug)]
struct Arrived {
    /// The order the answers came in, which is close to the order they were served in.
    seq: u64,
    /// Entries, `null` ones included: what the offset counts.
    entries: u64,
    total: Option<u64>,
    /// Ids of the desktops in page order (`None`: the desktop has no id).
    ids: Vec<Option<String>>,
    /// The desktops, until they are released.
    items: Vec<ConnectDesktopsInfo>,
    /// Whether the page is certainly the last one (shorter than asked and than pages served
    /// before).
    ends_data: bool,
    request_id: Option<String>,
}

/// Why a slot was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// The next window of the list.
    Forward,
    /// A window asked again, to link two pages that share nothing.
    Bridge,
}

#[derive(Clone, Debug)]
struct Slot {
    id: u64,
    offset: u32,
    limit: u32,
    kind: Kind,
    /// Bridges in a row that led to this slot.
    depth: u8,
    state: State,
    /// Whether its link to the slot before is proven (the first slot needs none).
    linked: bool,
    /// The index, in its items, of the anchor it shares with the slot before.
    anchor: Option<usize>,
    /// How many pages in a row, up to this one, listed the same desktops as the page before.
    repeats: u8,
    released: bool,
}

impl Slot {
    fn arrived(&self) -> Option<&Arrived> {
        match &self.state {
            State::In(a) => Some(a),
            _ => None,
        }
    }

    /// Where the entries of this page end, or would end when it is not answered yet.
    fn end(&self) -> u64 {
        u64::from(self.offset) + self.arrived().map_or(u64::from(self.limit), |a| a.entries)
    }
}

/// What a link between two answered pages proved.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Link {
    /// Ids on the earlier page, past the anchor, that the later page no longer lists, and ids on
    /// the later page, before the anchor, that the earlier page did not list: desktops that
    /// moved while the two were served.
    pub(crate) moved: Vec<String>,
    /// How far the anchor moved between the two pages (entries; either way).
    pub(crate) shift: u64,
    /// Pages in a row that repeated the page before, this one included.
    pub(crate) repeats: u8,
    /// Whether a shared desktop proves it (else only equal totals vouch for it).
    pub(crate) proven: bool,
}

/// What the chain tells its read after settling.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The service contradicts itself in ways movement cannot explain.
    Contract { kind: InvalidResponseKind, reason: String, request_id: Option<String> },
    /// Two pages could not be linked within the bound of bridges.
    Changed,
    /// The chain needs a page past the window of one query; at least this many entries match.
    Overflow { at_least: u64 },
}

/// What one settling did, for the read's report.
#[derive(Debug, Default)]
pub(crate) struct Settled {
    pub(crate) moved: Vec<String>,
    pub(crate) bridges: u64,
    pub(crate) largest_shift: u64,
    /// A page cap the answers proved, if any.
    pub(crate) cap: Option<u64>,
}

impl Settled {
    fn learn_cap(&mut self, cap: u64) {
        if cap > 0 {
            self.cap = Some(self.cap.map_or(cap, |c| c.min(cap)));
        }
    }
}

/// What a chain needs to know of its read to settle and plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx {
    /// The page size to ask for.
    pub(crate) step: u32,
    /// The page size to ask for at offset 2000, the window's last page (as much as it can get).
    pub(crate) last: u32,
    /// The overlap to ask for.
    pub(crate) overlap: u32,
    /// Whether the query's `total_count` is its number of matches.
    pub(crate) trusted: bool,
    /// The largest page the service was seen to serve.
    pub(crate) largest_page: u32,
}

impl Ctx {
    fn limit_at(&self, offset: u32) -> u32 {
        if offset >= MAX_OFFSET { self.last.max(self.step) } else { self.step }
    }
}

/// One query's pages, from offset 0 (or a given offset), linked by anchors.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    slots: Vec<Slot>,
    next_id: u64,
    ended: bool,
    /// The latest `total_count` answered.
    total: Option<u64>,
    /// The smallest and largest `total_count` answered.
    totals: Option<(u64, u64)>,
    /// Whether the pages showed movement: desktops gone from or new in an overlap, an anchor
    /// that shifted, or pages read again.
    moved: bool,
    /// Whether a page held entries without an id (`null` entries, or desktops without one).
    id_less: bool,
    /// How many leading slots are done with: released, and followed by a linked slot (so their
    /// ids are dropped). Nothing changes them any more, so the walks start after them.
    done: usize,
    /// The furthest end of the slots done with.
    done_reach: u64,
    /// Whether the last settling trusted the total: the end of the data is judged again from
    /// the first slot when that changes.
    settled_trusting: bool,
}

impl Chain {
    /// A chain whose first page starts at `offset` and asks for `limit` entries.
    pub(crate) fn new(offset: u32, limit: u32) -> Self {
        let mut chain = Self {
            slots: Vec::new(),
            next_id: 0,
            ended: false,
            total: None,
            totals: None,
            moved: false,
            id_less: false,
            done: 0,
            done_reach: 0,
            settled_trusting: false,
        };
        chain.insert(0, offset, limit, Kind::Forward, 0);
        chain.slots[0].linked = true;
        chain
    }

    fn insert(&mut self, at: usize, offset: u32, limit: u32, kind: Kind, depth: u8) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let slot = Slot {
            id,
            offset,
            limit,
            kind,
            depth,
            state: State::Planned,
            linked: false,
            anchor: None,
            repeats: 0,
            released: false,
        };
        self.slots.insert(at, slot);
        id
    }

    /// Plans pages after the first as if each came back full, so that `pages` are planned in
    /// all: for a part that will likely need them, sent with its first page.
    pub(crate) fn speculate(&mut self, step: u32, overlap: u32, pages: usize) {
        while self.slots.len() < pages {
            let last = &self.slots[self.slots.len() - 1];
            if last.offset >= MAX_OFFSET {
                return;
            }
            let next = (u64::from(last.offset) + u64::from(last.limit)).saturating_sub(u64::from(overlap));
            let o = u32::try_from(next.min(u64::from(MAX_OFFSET))).unwrap_or(MAX_OFFSET);
            let (at, depth) = (self.slots.len(), last.depth);
            self.insert(at, o, step, Kind::Forward, depth);
        }
    }

    /// The next page to ask for, asking for at most `max` entries: its slot id, offset and
    /// limit. It is marked as out.
    pub(crate) fn take_planned(&mut self, max: u32) -> Option<(u64, u32, u32)> {
        let slot = self.slots[self.done..].iter_mut().find(|s| matches!(s.state, State::Planned))?;
        slot.state = State::Out;
        slot.limit = slot.limit.min(max.max(1));
        Some((slot.id, slot.offset, slot.limit))
    }

    /// Whether a page is planned and not asked yet.
    pub(crate) fn has_planned(&self) -> bool {
        self.slots[self.done..].iter().any(|s| matches!(s.state, State::Planned))
    }

    /// Entries answered and not released.
    pub(crate) fn waiting(&self) -> u64 {
        self.slots[self.done..].iter().filter(|s| !s.released).filter_map(Slot::arrived).map(|a| a.entries).sum()
    }

    /// The first page's answer, once it is in: its entries and total.
    pub(crate) fn first(&self) -> Option<(u64, Option<u64>)> {
        self.slots.first().and_then(Slot::arrived).map(|a| (a.entries, a.total))
    }

    /// How far the `total_count`s answered drifted apart: desktops that came and went while the
    /// pages were read.
    pub(crate) fn drift(&self) -> u64 {
        self.totals.map_or(0, |(lo, hi)| hi - lo)
    }

    /// The latest `total_count` answered.
    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }

    /// Whether every position it covered can be told by a distinct id: the pages showed no
    /// movement and held no entry without an id. Then the distinct ids read must number the
    /// positions covered.
    pub(crate) fn still_and_identified(&self) -> bool {
        !self.moved && !self.id_less && self.drift() == 0
    }

    /// Whether the end of the data was found.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// Whether every page up to the end was answered, linked and released.
    pub(crate) fn finished(&self) -> bool {
        self.ended && self.slots[self.done..].iter().all(|s| s.released)
    }

    /// Where the linked pages reach so far (the end of the last linked page).
    pub(crate) fn reached(&self) -> u64 {
        let linked = self.slots[self.done..].iter().take_while(|s| s.linked && s.arrived().is_some());
        linked.map(Slot::end).fold(self.done_reach, u64::max)
    }

    /// Takes the answer of slot `id`: `false` when the slot is no longer needed (past the end).
    /// A page that lists one id twice breaks the service's contract.
    pub(crate) fn arrive(&mut self, id: u64, page: Page, seq: u64, ends_data: bool) -> Result<bool, Stop> {
        let Some(slot) = self.slots[self.done..].iter_mut().find(|s| s.id == id) else {
            return Ok(false);
        };
        let entries = page.entries();
        let total = page.total_count();
        let request_id = page.request_id().map(str::to_owned);
        let items = page.into_response().desktops;
        let ids: Vec<Option<String>> = items.iter().map(|d| d.desktop_id.clone()).collect();
        let mut unique = HashMap::with_capacity(ids.len());
        for id in ids.iter().flatten() {
            if unique.insert(id.as_str(), ()).is_some() {
                let reason = format!("the page at offset {} lists desktop {id:?} twice", slot.offset);
                return Err(Stop::Contract { kind: InvalidResponseKind::DuplicateIds, reason, request_id });
            }
        }
        self.id_less |= entries != ids.len() as u64 || ids.iter().any(Option::is_none);
        if let Some(t) = total {
            self.total = Some(t);
            self.totals = Some(self.totals.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
        }
        slot.state = State::In(Box::new(Arrived { seq, entries, total, ids, items, ends_data, request_id }));
        Ok(true)
    }

    /// Links what can be linked, finds the end, asks again where two pages share nothing, and
    /// plans the next pages so that up to `lookahead` are planned or out.
    pub(crate) fn settle(&mut self, ctx: Ctx, lookahead: usize) -> Result<Settled, Stop> {
        let mut out = Settled::default();
        let mut j = if ctx.trusted == self.settled_trusting { self.done } else { 0 };
        self.settled_trusting = ctx.trusted;
        while j < self.slots.len() {
            let Some(a) = self.slots[j].arrived() else { break };
            let (entries, short) = (a.entries, a.entries < u64::from(self.slots[j].limit));
            if !self.slots[j].linked {
                match self.link(j - 1, j, ctx) {
                    Some(Ok((anchor, mut link))) => {
                        // An unproven link may hide movement: the checks of a still part are off.
                        self.moved |= !link.proven || link.shift > 0 || !link.moved.is_empty();
                        out.largest_shift = out.largest_shift.max(link.shift);
                        out.moved.extend(std::mem::take(&mut link.moved));
                        let prev = &self.slots[j - 1];
                        let new_after = anchor.map_or(entries, |m| entries.saturating_sub(m as u64 + 1));
                        let prev_entries = prev.end() - u64::from(prev.offset);
                        if prev_entries < u64::from(prev.limit) && short && entries == prev_entries && new_after > 0 {
                            // Two pages in a row shorter than asked by the same size, the second
                            // with more: the service caps its pages (a fleet that grew between
                            // two short pages would hardly match them to the entry).
                            out.learn_cap(prev_entries);
                        }
                        self.slots[j].linked = true;
                        self.slots[j].anchor = anchor;
                        self.slots[j].repeats = link.repeats;
                    }
                    Some(Err(stop)) => return Err(stop),
                    None => {
                        self.moved = true;
                        self.bridge(j, ctx.step)?;
                        out.bridges += 1;
                        continue;
                    }
                }
            }
            if self.ends_at(j, ctx)? {
                self.slots.truncate(j + 1);
                if self.done > j {
                    // Judged again with another trust: what followed this page is gone.
                    self.done = j;
                    self.done_reach = self.slots[..j].iter().map(Slot::end).max().unwrap_or(0);
                }
                self.ended = true;
                break;
            }
            if short && ctx.trusted {
                out.learn_cap(entries);
            }
            // Pages planned before this one was answered start where it would have ended if
            // full: plan them again from where it did end. One already asked that cannot
            // overlap it leaves a hole: plan a page there.
            let next = self.next_offset(j, ctx.overlap).min(u64::from(MAX_OFFSET));
            let replan =
                |s: &Slot| matches!(s.state, State::Planned) && s.kind == Kind::Forward && u64::from(s.offset) != next;
            if self.slots.get(j + 1).is_some_and(replan) {
                self.drop_planned_after(j);
            }
            if self.slots.get(j + 1).is_some_and(|s| !s.linked && u64::from(s.offset) > self.next_offset(j, 1)) {
                let o = u32::try_from(next).unwrap_or(MAX_OFFSET);
                let depth = self.slots[j].depth;
                self.insert(j + 1, o, ctx.limit_at(o), Kind::Forward, depth);
            }
            if j + 1 == self.slots.len() && self.slots[j].offset >= MAX_OFFSET {
                return Err(Stop::Overflow { at_least: self.slots[j].end() });
            }
            j += 1;
        }
        self.plan(ctx, lookahead);
        Ok(out)
    }

    fn drop_planned_after(&mut self, j: usize) {
        let mut k = j + 1;
        while k < self.slots.len() {
            if matches!(self.slots[k].state, State::Planned) && self.slots[k].kind == Kind::Forward {
                self.slots.remove(k);
            } else {
                k += 1;
            }
        }
    }

    /// Where the page after slot `j` starts: its end less the overlap (none for a page of one
    /// entry, which cannot overlap and still advance).
    fn next_offset(&self, j: usize, overlap: u32) -> u64 {
        let s = &self.slots[j];
        let entries = s.end() - u64::from(s.offset);
        let k = u64::from(overlap).min(entries.saturating_sub(1));
        s.end() - k
    }

    /// Plans forward pages after the last slot, so that up to `lookahead` are planned or out:
    /// as far as the latest total says there are matches, or one page ahead of the last linked
    /// one when no total is known.
    fn plan(&mut self, ctx: Ctx, lookahead: usize) {
        if self.ended {
            return;
        }
        while self.slots[self.done..].iter().filter(|s| s.arrived().is_none()).count() < lookahead {
            let last = self.slots.len() - 1;
            let s = &self.slots[last];
            // A linked last page that did not end the data always has a page after it.
            let more = (s.linked && s.arrived().is_some()) || self.total.is_some_and(|t| s.end() < t);
            if !more || s.offset >= MAX_OFFSET {
                return;
            }
            let next = self.next_offset(last, ctx.overlap).min(u64::from(MAX_OFFSET));
            let o = u32::try_from(next).unwrap_or(MAX_OFFSET);
            let depth = s.depth;
            self.insert(last + 1, o, ctx.limit_at(o), Kind::Forward, depth);
        }
    }

    /// Whether slot `j` (answered and linked) holds the last of the data.
    fn ends_at(&self, j: usize, ctx: Ctx) -> Result<bool, Stop> {
        let s = &self.slots[j];
        let Some(a) = s.arrived() else { return Ok(false) };
        let end = s.end();
        if a.entries == 0 {
            if let Some(total) = a.total.filter(|t| ctx.trusted && *t > u64::from(s.offset)) {
                let reason =
                    format!("the service counts {total} matching desktops but returned none at offset {}", s.offset);
                let kind = InvalidResponseKind::ShortOfTotal;
                return Err(Stop::Contract { kind, reason, request_id: a.request_id.clone() });
            }
            return Ok(true);
        }
        // A total is an upper bound of the matches, but offsets are the service's word: a page
        // that reaches its total by offset ends the data when it also came back short, or when
        // it ends exactly there, the total is trusted and the pages showed no movement (a
        // service whose offsets do not count entries shows as movement).
        let short = a.entries < u64::from(s.limit);
        let reached = a.total.is_some_and(|t| end >= t);
        let exactly = ctx.trusted && !self.moved && a.total == Some(end);
        if reached && (short || exactly) {
            return Ok(true);
        }
        Ok(short && !ctx.trusted && a.ends_data)
    }

    /// Links slot `b` to slot `a` before it: `None` when they share no desktop in the same order
    /// (the list moved between them, or a page shorter than planned left a hole).
    #[allow(clippy::type_complexity)]
    fn link(&self, a: usize, b: usize, ctx: Ctx) -> Option<Result<(Option<usize>, Link), Stop>> {
        let (sa, sb) = (&self.slots[a], &self.slots[b]);
        let (pa, pb) = (sa.arrived()?, sb.arrived()?);
        // Pages of one entry cannot overlap: a service known to cap pages at one (or that never
        // served more, though asked) leaves only equal totals to vouch for them, and for the
        // empty page that ends the data after them.
        let one_a_page = sb.limit == 1 || (ctx.largest_page <= 1 && pb.entries <= 1 && sa.limit > 1);
        let index: HashMap<&str, usize> =
            pb.ids.iter().enumerate().filter_map(|(i, id)| id.as_deref().map(|id| (id, i))).collect();
        let find = |id: &Option<String>| id.as_deref().and_then(|id| index.get(id)).copied();
        // The anchor: the last desktop of the earlier page that the later one lists.
        let anchor = pa.ids.iter().enumerate().rev().find_map(|(i, id)| find(id).map(|m| (i, m)));
        let Some((i, m)) = anchor else {
            let one_entry = u64::from(sb.offset) == sa.end() && pa.entries == 1 && one_a_page;
            // Where the pages overlap, both may hold only `null` entries (which have no id). When
            // the earlier one is a bridge that came back shorter than asked (the service caps
            // its pages too short to overlap further), nothing can anchor them, and again only
            // equal totals vouch for them.
            let shared = sa.end().saturating_sub(u64::from(sb.offset));
            let nulls = |p: &Arrived| p.entries.saturating_sub(p.ids.iter().flatten().count() as u64);
            let capped_bridge = sa.kind == Kind::Bridge && pa.entries < u64::from(sa.limit);
            let only_nulls =
                capped_bridge && shared > 0 && sb.offset >= sa.offset && shared <= nulls(pa) && shared <= nulls(pb);
            let unprovable = one_entry || only_nulls;
            let totals_agree = pa.total.is_some() && pa.total == pb.total;
            return (unprovable && totals_agree).then(|| Ok((None, Link { proven: false, ..Link::default() })));
        };
        // Before the anchor, as far back as the later page reaches, the desktops both list come
        // in the same order; else the pages do not show one list (it was reordered).
        let mut after = m;
        for id in pa.ids[..i].iter().rev().take(m) {
            if let Some(earlier) = find(id) {
                if earlier >= after {
                    return None;
                }
                after = earlier;
            }
        }
        // The same desktops again further on: the service ignored the offset. Movement can
        // repeat a page only when as many desktops arrive before it as the offset moved on: a
        // few can, once or twice; sixteen exactly, or three times in a row, hardly.
        let apart = sb.offset.saturating_sub(sa.offset);
        let repeats = if sb.kind == Kind::Forward && apart > 0 && !pa.ids.is_empty() && pa.ids == pb.ids {
            sa.repeats + 1
        } else {
            0
        };
        if repeats >= 3 || (repeats >= 1 && apart >= 16) {
            let reason = format!(
                "paging made no progress: the page at offset {} repeats the page at offset {}",
                sb.offset, sa.offset
            );
            let kind = InvalidResponseKind::RepeatedPage;
            return Some(Err(Stop::Contract { kind, reason, request_id: pb.request_id.clone() }));
        }
        let in_a: HashMap<&str, ()> = pa.ids.iter().flatten().map(|id| (id.as_str(), ())).collect();
        let mut moved: Vec<String> = pa.ids[i + 1..].iter().flatten().cloned().collect();
        moved.extend(pb.ids[..m].iter().flatten().filter(|id| !in_a.contains_key(id.as_str())).cloned());
        // Positions are counted without `null` entries here; the shift only sizes the overlap.
        let at_a = u64::from(sa.offset) + i as u64;
        let at_b = u64::from(sb.offset) + m as u64;
        Some(Ok((Some(m), Link { moved, shift: at_a.abs_diff(at_b), repeats, proven: true })))
    }

    /// Puts a bridge before slot `b`, which shares nothing with the slot before it: the window
    /// of whichever of the two was answered first, asked again (the other's, when that window
    /// was just asked again).
    fn bridge(&mut self, b: usize, step: u32) -> Result<(), Stop> {
        let (sa, sb) = (&self.slots[b - 1], &self.slots[b]);
        let depth = sa.depth.max(sb.depth) + 1;
        if depth > MAX_BRIDGE_DEPTH {
            return Err(Stop::Changed);
        }
        let seq = |s: &Slot| s.arrived().map_or(u64::MAX, |a| a.seq);
        let (first, other) = if seq(sa) <= seq(sb) { (sa.offset, sb.offset) } else { (sb.offset, sa.offset) };
        let again = [sa, sb].iter().any(|s| s.kind == Kind::Bridge && s.offset == first);
        let offset = if again { other } else { first };
        #[cfg(feature = "tracing")]
        tracing::info!(offset, depth, "two pages share no desktop: asking again for the window answered first");
        // Twice the page, so that it overlaps both sides even where `null` entries (which have
        // no id) fill an overlap.
        self.insert(b, offset, step.saturating_mul(2).min(MAX_LIMIT), Kind::Bridge, depth);
        Ok(())
    }

    /// The desktops of the pages that are answered and linked, in order, not released before:
    /// each page's desktops after its anchor, and those before it that have an id (desktops
    /// that moved in; the read drops ids it has seen). Nothing is released until `commit`.
    pub(crate) fn release(&mut self) -> Vec<ConnectDesktopsInfo> {
        let mut out = Vec::new();
        // A page's ids serve only to link the page after it: once that one is linked, drop them.
        for k in self.done.max(1)..self.slots.len() {
            if self.slots[k].linked
                && let State::In(a) = &mut self.slots[k - 1].state
            {
                a.ids = Vec::new();
            }
        }
        for s in &mut self.slots[self.done..] {
            if !s.linked {
                break;
            }
            let State::In(a) = &mut s.state else { break };
            if !s.released {
                s.released = true;
                let anchor = s.anchor;
                let items = std::mem::take(&mut a.items);
                out.extend(
                    items
                        .into_iter()
                        .enumerate()
                        .filter(|(i, d)| anchor.is_none_or(|m| *i > m || d.desktop_id.is_some()))
                        .map(|(_, d)| d),
                );
            }
        }
        while self.slots.get(self.done + 1).is_some_and(|next| next.linked) && self.slots[self.done].released {
            self.done_reach = self.done_reach.max(self.slots[self.done].end());
            self.done += 1;
        }
        out
    }
}
