//! One poll's view of the fleet, built whole before it replaces the previous one.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use workspace_core::StatusCounts;
use workspace_core::types::{ConnectDesktopsInfo, ConnectStatus};

use crate::labels::{StatusLabels, escape_into};

/// Desktops per status and, when asked, each desktop's status.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// `huaweicloud_workspace_desktops`, empty before the first successful poll.
    pub(crate) desktops: Family<StatusLabels, Gauge>,
    /// `huaweicloud_workspace_desktop_status` and `_info`, with `--per-desktop`.
    pub(crate) per_desktop: Option<Arc<PerDesktop>>,
}

/// Two series per desktop whose label sets never change while the desktop exists: its status
/// as a number (`huaweicloud_workspace_desktop_status`), and its name on an info metric
/// (`huaweicloud_workspace_desktop_info`, always 1).
///
/// Kept compact, since it is kept for every desktop of every target between two polls: the
/// escaped ids and names one after another in one string, and per desktop where they end and
/// its status as a number. The series are written from it when an exposition is rendered.
#[derive(Default)]
pub(crate) struct PerDesktop {
    /// Each desktop's escaped id, then its escaped name, in the order read.
    text: String,
    rows: Vec<Row>,
}

/// One desktop of [`PerDesktop`].
#[derive(Clone, Copy)]
struct Row {
    /// Where its id ends in the text (it starts where the previous row's name ends).
    id_end: usize,
    /// Where its name ends in the text (it starts where its id ends).
    name_end: usize,
    /// Its [`status_code`].
    status: i8,
    /// Whether it has a status series: only the first desktop of an id has one.
    status_series: bool,
    /// Whether it has an info series: only the first desktop of an id and name has one.
    info_series: bool,
}

/// One desktop's series, as [`PerDesktop::series`] gives them: escaped id and name, status.
pub(crate) struct Desktop<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    /// The value of its status series, or `None` when another desktop of the same id has it.
    pub(crate) status: Option<i8>,
    /// Whether it has an info series (none when an earlier desktop has the same id and name).
    pub(crate) info: bool,
}

impl PerDesktop {
    /// Whether there is no desktop.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The desktops in the order read, from the one of index `first` on.
    pub(crate) fn series_from(&self, first: usize) -> impl Iterator<Item = Desktop<'_>> {
        let mut start = first.checked_sub(1).and_then(|i| self.rows.get(i)).map_or(0, |row| row.name_end);
        self.rows.iter().skip(first).map(move |row| {
            let id = &self.text[start..row.id_end];
            let name = &self.text[row.id_end..row.name_end];
            start = row.name_end;
            Desktop { id, name, status: row.status_series.then_some(row.status), info: row.info_series }
        })
    }

    /// Adds a desktop read, with its id and name escaped for a label value.
    fn push(&mut self, d: &ConnectDesktopsInfo) {
        escape_into(&mut self.text, d.id());
        let id_end = self.text.len();
        escape_into(&mut self.text, d.name());
        let name_end = self.text.len();
        self.rows.push(Row {
            id_end,
            name_end,
            status: status_code(d.status()),
            status_series: true,
            info_series: true,
        });
    }

    /// Gives each id one status series, and each id and name one info series, as a map of label
    /// sets would: the status series at the first desktop of the id, with the status of the
    /// last one. A read delivers each id once, but desktops without an id share the empty one.
    fn dedup(&mut self) {
        let Self { text, rows } = self;
        let text: &str = text;
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
        let mut repeated = false;
        let mut start = 0;
        for i in 0..rows.len() {
            let id = &text[start..rows[i].id_end];
            start = rows[i].name_end;
            match first.entry(id) {
                Entry::Occupied(at) => {
                    let at = *at.get();
                    rows[at].status = rows[i].status;
                    rows[i].status_series = false;
                    repeated = true;
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        if !repeated {
            return;
        }
        drop(first);
        let mut pairs: HashSet<(&str, &str)> = HashSet::with_capacity(rows.len());
        let mut start = 0;
        for row in rows.iter_mut() {
            row.info_series = pairs.insert((&text[start..row.id_end], &text[row.id_end..row.name_end]));
            start = row.name_end;
        }
    }
}

impl fmt::Debug for PerDesktop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerDesktop").field("desktops", &self.rows.len()).field("text_bytes", &self.text.len()).finish()
    }
}

/// The value of `huaweicloud_workspace_desktop_status`: the documented statuses in the order of
/// a desktop's life (0 `UNREGISTER`, 1 `REGISTERED`, 2 `CONNECTED`, 3 `DISCONNECTED`), -1 for
/// another status or none.
pub(crate) fn status_code(status: Option<&ConnectStatus>) -> i8 {
    match status {
        Some(ConnectStatus::Unregister) => 0,
        Some(ConnectStatus::Registered) => 1,
        Some(ConnectStatus::Connected) => 2,
        Some(ConnectStatus::Disconnected) => 3,
        _ => -1,
    }
}

impl Snapshot {
    /// A snapshot of counts: the four documented statuses always, `other` when some desktops
    /// have another status.
    pub(crate) fn from_counts(counts: &StatusCounts) -> Self {
        let desktops: Family<StatusLabels, Gauge> = Family::default();
        for status in ConnectStatus::KNOWN {
            let n = counts.get(status).unwrap_or(0);
            desktops.get_or_create(&StatusLabels { connect_status: status.as_str().to_owned() }).set(gauge(n));
        }
        if counts.other() > 0 {
            desktops.get_or_create(&StatusLabels { connect_status: "other".to_owned() }).set(gauge(counts.other()));
        }
        Self { desktops, per_desktop: None }
    }

    /// A snapshot of desktops that were read: their counts, and each desktop when `per_desktop`.
    #[cfg(test)]
    pub(crate) fn from_desktops(list: &[ConnectDesktopsInfo], per_desktop: bool) -> Self {
        let mut builder = SnapshotBuilder::new(per_desktop);
        list.iter().for_each(|d| builder.add(d));
        builder.finish()
    }
}

/// A [`Snapshot`] of desktops built as they are read, one at a time, so that the desktops
/// themselves need not be kept.
#[derive(Debug)]
pub(crate) struct SnapshotBuilder {
    counts: StatusCounts,
    per_desktop: Option<PerDesktop>,
}

impl SnapshotBuilder {
    /// A builder of counts, and of each desktop's series when `per_desktop`.
    pub(crate) fn new(per_desktop: bool) -> Self {
        Self { counts: StatusCounts::default(), per_desktop: per_desktop.then(PerDesktop::default) }
    }

    /// Counts one more desktop read, and keeps its series.
    pub(crate) fn add(&mut self, d: &ConnectDesktopsInfo) {
        let c = &mut self.counts;
        c.total += 1;
        match status_code(d.status()) {
            0 => c.unregister += 1,
            1 => c.registered += 1,
            2 => c.connected += 1,
            3 => c.disconnected += 1,
            _ => {}
        }
        if let Some(per_desktop) = &mut self.per_desktop {
            per_desktop.push(d);
        }
    }

    /// The snapshot of the desktops added.
    pub(crate) fn finish(self) -> Snapshot {
        let mut snapshot = Snapshot::from_counts(&self.counts);
        snapshot.per_desktop = self.per_desktop.map(|mut p| {
            p.dedup();
            p.text.shrink_to_fit();
            p.rows.shrink_to_fit();
            Arc::new(p)
        });
        snapshot
    }
}

/// A count as a gauge value (counts never come near `i64::MAX`).
fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
