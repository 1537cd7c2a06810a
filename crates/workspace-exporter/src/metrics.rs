//! The metrics that outlive a poll, and the exposition of everything.

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::exposition::{DESKTOP_INFO, DESKTOP_STATUS, Fragment};
use crate::labels::{ErrorLabels, RequestLabels, TransitionLabels};
use crate::snapshot::{PerDesktop, Snapshot};

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
    pub(crate) poll_interval: Gauge<f64, AtomicU64>,
    pub(crate) poll_failures: Counter,
}

/// The documented statuses, `other` and `absent`: the values of a transition's `from` and `to`.
const TRANSITION_STATES: [&str; 6] = ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED", "other", "absent"];

/// The `status` values of `api_requests_total` declared at 0: success, the errors the client
/// treats apart (bad request, refused credentials, forbidden, not found, throttled, server
/// errors), and no response.
const REQUEST_STATUSES: [&str; 9] = ["200", "400", "401", "403", "404", "429", "500", "503", "transport_error"];

/// The `error_code` values of `api_errors_total` the exporter itself gives, declared at 0; the
/// service's own codes appear when first seen.
const ERROR_CODES: [&str; 3] = ["none", "other", "transport_error"];

impl Metrics {
    /// The metrics, with every counter declared at 0 for each documented label value (so that
    /// `rate()` and `increase()` see the first event), transitions only when they are counted.
    pub(crate) fn new(transitions: bool) -> Self {
        let metrics = Self::default();
        if transitions {
            for from in TRANSITION_STATES {
                for to in TRANSITION_STATES.into_iter().filter(|to| *to != from) {
                    let _ = metrics
                        .transitions
                        .get_or_create(&TransitionLabels { from: from.to_owned(), to: to.to_owned() });
                }
            }
        }
        for status in REQUEST_STATUSES {
            let _ = metrics.api_requests.get_or_create(&RequestLabels { status: status.to_owned() });
        }
        for error_code in ERROR_CODES {
            let _ = metrics.api_errors.get_or_create(&ErrorLabels { error_code: error_code.to_owned() });
        }
        metrics
    }

    /// What this target adds to an exposition: every metric of [`render`](Self::render), and
    /// the `snapshot`'s per-desktop series with the `constant` labels.
    pub(crate) fn fragment(&self, constant: Vec<(&'static str, String)>, snapshot: &Snapshot) -> Fragment {
        Fragment::new(self.render(constant.clone(), snapshot), snapshot.per_desktop.clone(), &constant)
    }

    /// Writes every metric in the OpenMetrics text format, with the `constant` labels on each:
    /// the `snapshot`'s counts, and the descriptors of its per-desktop families, whose series
    /// a [`Fragment`] writes.
    pub(crate) fn render(&self, constant: Vec<(&'static str, String)>, snapshot: &Snapshot) -> String {
        let labels = constant.into_iter().map(|(k, v)| (Cow::Borrowed(k), Cow::Owned(v)));
        let mut r = Registry::with_labels(labels);
        r.register(
            "huaweicloud_workspace_desktops",
            "Desktops per connection status (UNREGISTER, REGISTERED, CONNECTED, DISCONNECTED, other), at the last successful poll",
            snapshot.desktops.clone(),
        );
        if let Some(per_desktop) = &snapshot.per_desktop {
            register_per_desktop(&mut r, per_desktop);
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
        r.register(
            "huaweicloud_workspace_poll_interval_seconds",
            "Time between the starts of two polls",
            self.poll_interval.clone(),
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

/// The help of `huaweicloud_workspace_desktop_status`.
pub(crate) const DESKTOP_STATUS_HELP: &str = "Each desktop's connection status at the last successful poll: 0 UNREGISTER, 1 REGISTERED, 2 CONNECTED, 3 DISCONNECTED, -1 another or none";

/// The help of `huaweicloud_workspace_desktop_info`.
pub(crate) const DESKTOP_INFO_HELP: &str = "1 for each desktop, with its name, at the last successful poll";

/// Registers the two per-desktop families, whose series a [`Fragment`] writes from their
/// compact form: the registry writes their descriptors, or nothing when there is no desktop
/// (as for any family without series).
pub(crate) fn register_per_desktop(r: &mut Registry, per_desktop: &PerDesktop) {
    let family = WrittenElsewhere { empty: per_desktop.is_empty() };
    r.register(DESKTOP_STATUS, DESKTOP_STATUS_HELP, family.clone());
    r.register(DESKTOP_INFO, DESKTOP_INFO_HELP, family);
}

/// A gauge family whose series are written elsewhere: only its descriptor is encoded here.
#[derive(Clone, Debug)]
struct WrittenElsewhere {
    empty: bool,
}

impl EncodeMetric for WrittenElsewhere {
    fn encode(&self, _encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }

    fn is_empty(&self) -> bool {
        self.empty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_declared_at_zero() {
        let text = Metrics::new(true).render(Vec::new(), &Snapshot::default());
        let zeros = |name: &str| text.lines().filter(|l| l.starts_with(name) && l.ends_with("} 0")).count();
        assert_eq!(zeros("huaweicloud_workspace_status_transitions_total{"), 30, "{text}");
        assert!(
            text.contains("huaweicloud_workspace_status_transitions_total{from=\"CONNECTED\",to=\"DISCONNECTED\"} 0")
        );
        assert!(text.contains("huaweicloud_workspace_status_transitions_total{from=\"absent\",to=\"CONNECTED\"} 0"));
        assert_eq!(zeros("huaweicloud_workspace_api_requests_total{"), 9, "{text}");
        assert!(text.contains("huaweicloud_workspace_api_requests_total{status=\"401\"} 0"));
        assert_eq!(zeros("huaweicloud_workspace_api_errors_total{"), 3, "{text}");
        let without = Metrics::new(false).render(Vec::new(), &Snapshot::default());
        assert!(!without.contains("huaweicloud_workspace_status_transitions_total{"), "{without}");
    }

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
