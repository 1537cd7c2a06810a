//! One poll's view of the fleet, built whole before it replaces the previous one.

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use workspace_core::StatusCounts;
use workspace_core::types::{ConnectDesktopsInfo, ConnectStatus};

use crate::labels::{DesktopInfoLabels, DesktopLabels, StatusLabels, escape};

/// Desktops per status and, when asked, each desktop's status.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// `huaweicloud_workspace_desktops`, empty before the first successful poll.
    pub(crate) desktops: Family<StatusLabels, Gauge>,
    /// `huaweicloud_workspace_desktop_status` and `_info`, with `--per-desktop`.
    pub(crate) per_desktop: Option<PerDesktop>,
}

/// Two series per desktop whose label sets never change while the desktop exists: its status
/// as a number, and its name on an info metric.
#[derive(Debug, Default)]
pub(crate) struct PerDesktop {
    /// `huaweicloud_workspace_desktop_status`: the status's [`status_code`].
    pub(crate) status: Family<DesktopLabels, Gauge>,
    /// `huaweicloud_workspace_desktop_info`: 1, with the name.
    pub(crate) info: Family<DesktopInfoLabels, Gauge>,
}

/// The value of `huaweicloud_workspace_desktop_status`: the documented statuses in the order of
/// a desktop's life (0 `UNREGISTER`, 1 `REGISTERED`, 2 `CONNECTED`, 3 `DISCONNECTED`), -1 for
/// another status or none.
pub(crate) fn status_code(status: Option<&ConnectStatus>) -> i64 {
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
    pub(crate) fn from_desktops(list: &[ConnectDesktopsInfo], per_desktop: bool) -> Self {
        let mut snapshot = Self::from_counts(&StatusCounts::from_desktops(list));
        if per_desktop {
            let families = PerDesktop::default();
            for d in list {
                let desktop_id = escape(d.id());
                families
                    .info
                    .get_or_create(&DesktopInfoLabels {
                        desktop_id: desktop_id.clone(),
                        desktop_name: escape(d.name()),
                    })
                    .set(1);
                families.status.get_or_create(&DesktopLabels { desktop_id }).set(status_code(d.status()));
            }
            snapshot.per_desktop = Some(families);
        }
        snapshot
    }
}

/// A count as a gauge value (counts never come near `i64::MAX`).
fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
