//! The metrics that outlive a poll, and the exposition of everything.

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::labels::{ErrorLabels, RequestLabels, TransitionLabels};
use crate::snapshot::Snapshot;

/// The exporter's counters and health gauges. Clones share the same values.
#[derive(Clone, Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) transitions: Family<TransitionLabels, Counter>,
    pub(crate) api_requests: Family<RequestLabels, Counter>,
    pub(crate) api_errors: Family<ErrorLabels, Counter>,
    pub(crate) up: Gauge,
    /// Unix time of the last successful poll; 0 until one succeeded, and then not exported.
    pub(crate) last_success: Gauge<f64, AtomicU64>,
    pub(crate) poll_duration: Gauge<f64, AtomicU64>,
    pub(crate) poll_failures: Counter,
}

impl Metrics {
    /// Writes every metric in the OpenMetrics text format, the `snapshot`'s included, with the
    /// `constant` labels on each.
    pub(crate) fn render(&self, constant: Vec<(&'static str, String)>, snapshot: &Snapshot) -> String {
        let labels = constant.into_iter().map(|(k, v)| (Cow::Borrowed(k), Cow::Owned(v)));
        let mut r = Registry::with_labels(labels);
        r.register(
            "huaweicloud_workspace_desktops",
            "Desktops per connection status (UNREGISTER, REGISTERED, CONNECTED, DISCONNECTED, other), at the last successful poll",
            snapshot.desktops.clone(),
        );
        if let Some(per_desktop) = &snapshot.per_desktop {
            r.register(
                "huaweicloud_workspace_desktop_status",
                "1 for each desktop, with its connection status, at the last successful poll",
                per_desktop.clone(),
            );
        }
        r.register(
            "huaweicloud_workspace_status_transitions",
            "Changes of a desktop's connection status seen between successive polls (absent: it appeared or disappeared)",
            self.transitions.clone(),
        );
        r.register("huaweicloud_workspace_up", "1 when the last poll succeeded, else 0", self.up.clone());
        // Absent until a poll succeeded: a 0 would read as data 56 years old.
        if self.last_success.get() > 0.0 {
            r.register(
                "huaweicloud_workspace_last_success_timestamp_seconds",
                "Unix time of the last successful poll",
                self.last_success.clone(),
            );
        }
        r.register(
            "huaweicloud_workspace_poll_duration_seconds",
            "Duration of the last poll, successful or not, retries included",
            self.poll_duration.clone(),
        );
        r.register("huaweicloud_workspace_poll_failures", "Polls that failed", self.poll_failures.clone());
        r.register(
            "huaweicloud_workspace_api_requests",
            "HTTP exchanges with the service, retries and project discovery included, by status code or transport_error",
            self.api_requests.clone(),
        );
        r.register(
            "huaweicloud_workspace_api_errors",
            "HTTP exchanges that failed, by the service's error_code (none when the body has none) or transport_error",
            self.api_errors.clone(),
        );
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &r);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_success_is_absent_until_a_poll_succeeded() {
        let metrics = Metrics::default();
        let before = metrics.render(Vec::new(), &Snapshot::default());
        assert!(!before.contains("huaweicloud_workspace_last_success_timestamp_seconds"), "{before}");
        metrics.last_success.set(1.75e9);
        let after = metrics.render(Vec::new(), &Snapshot::default());
        assert!(after.contains("huaweicloud_workspace_last_success_timestamp_seconds 1750000000.0\n"), "{after}");
    }
}
