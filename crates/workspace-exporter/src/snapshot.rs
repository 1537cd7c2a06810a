//! One poll's view of the fleet, built whole before it replaces the previous one.

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use workspace_core::StatusCounts;
use workspace_core::types::{ConnectDesktopsInfo, ConnectStatus};

use crate::labels::{DesktopLabels, StatusLabels, escape};

/// Desktops per status and, when asked, each desktop's status.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// `huaweicloud_workspace_desktops`, empty before the first successful poll.
    pub(crate) desktops: Family<StatusLabels, Gauge>,
    /// `huaweicloud_workspace_desktop_status`, with `--per-desktop`.
    pub(crate) per_desktop: Option<Family<DesktopLabels, Gauge>>,
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
    pub(crate) fn from_desktops(list: &[ConnectDesktopsInfo], per_desktop: bool) -> Self {
        let mut snapshot = Self::from_counts(&StatusCounts::from_desktops(list));
        if per_desktop {
            let family: Family<DesktopLabels, Gauge> = Family::default();
            for d in list {
                let labels = DesktopLabels {
                    desktop_id: escape(d.id()),
                    desktop_name: escape(d.name()),
                    connect_status: escape(d.status().map_or("", ConnectStatus::as_str)),
                };
                family.get_or_create(&labels).set(1);
            }
            snapshot.per_desktop = Some(family);
        }
        snapshot
    }
}

/// A count as a gauge value (counts never come near `i64::MAX`).
fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
