//! The process's own metrics: `huaweicloud_workspace_exporter_build_info` and the standard
//! `process_*` metrics (read through the `procfs` crate, on Linux only).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

/// The version, git revision and compiler this program was built from.
const BUILD: [(&str, &str); 3] = [
    ("version", env!("CARGO_PKG_VERSION")),
    ("revision", env!("WORKSPACE_EXPORTER_REVISION")),
    ("rustc", env!("WORKSPACE_EXPORTER_RUSTC")),
];

/// The build information and the process metrics now, in the OpenMetrics text format without
/// its `# EOF` line.
pub(crate) fn render() -> String {
    let mut r = Registry::default();
    let build: Family<Vec<(&'static str, &'static str)>, Gauge> = Family::default();
    build.get_or_create(&BUILD.to_vec()).set(1);
    r.register(
        "huaweicloud_workspace_exporter_build_info",
        "1, with the version, git revision and compiler the exporter was built from (unknown when not known)",
        build,
    );
    register_process(&mut r);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = encode(&mut out, &r);
    out.strip_suffix("# EOF\n").map(str::to_owned).unwrap_or(out)
}

/// The `process_*` metrics of this process, as the Prometheus client libraries name them.
#[cfg(target_os = "linux")]
fn register_process(r: &mut Registry) {
    use prometheus_client::metrics::counter::ConstCounter;
    let Ok(me) = procfs::process::Process::myself() else { return };
    if let Ok(stat) = me.stat() {
        let ticks = procfs::ticks_per_second() as f64;
        let cpu = (stat.utime + stat.stime) as f64 / ticks;
        r.register("process_cpu_seconds", "Total user and system CPU time spent in seconds", ConstCounter::new(cpu));
        let page = procfs::page_size();
        r.register(
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            ConstGauge::new(gauge(stat.rss.saturating_mul(page))),
        );
        r.register("process_virtual_memory_bytes", "Virtual memory size in bytes", ConstGauge::new(gauge(stat.vsize)));
        if let Ok(boot) = procfs::boot_time_secs() {
            let start = boot as f64 + stat.starttime as f64 / ticks;
            let gauge: Gauge<f64, AtomicU64> = Gauge::default();
            gauge.set(start);
            r.register("process_start_time_seconds", "Start time of the process since unix epoch in seconds", gauge);
        }
    }
    if let Ok(fds) = me.fd_count() {
        r.register("process_open_fds", "Number of open file descriptors", ConstGauge::new(gauge(fds as u64)));
    }
    if let Ok(limits) = me.limits() {
        if let procfs::process::LimitValue::Value(max) = limits.max_open_files.soft_limit {
            r.register("process_max_fds", "Maximum number of open file descriptors", ConstGauge::new(gauge(max)));
        }
    }
}

/// Elsewhere there are no process metrics.
#[cfg(not(target_os = "linux"))]
fn register_process(_: &mut Registry) {}

/// A count as a gauge value.
#[cfg(target_os = "linux")]
fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_is_described() {
        let text = render();
        let line = text.lines().find(|l| l.starts_with("huaweicloud_workspace_exporter_build_info{")).unwrap_or("");
        assert!(line.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))), "{text}");
        assert!(line.contains("revision=\"") && line.contains("rustc=\"") && line.ends_with("} 1"), "{text}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_metrics_are_there() {
        let text = render();
        for name in [
            "process_cpu_seconds_total ",
            "process_resident_memory_bytes ",
            "process_virtual_memory_bytes ",
            "process_start_time_seconds ",
            "process_open_fds ",
            "process_max_fds ",
        ] {
            let value = text.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.parse::<f64>().ok());
            assert!(value.is_some_and(|v| v >= 0.0), "{name}in {text}");
        }
        let rss = text.lines().find_map(|l| l.strip_prefix("process_resident_memory_bytes ")).unwrap_or("0");
        assert!(rss.parse::<f64>().unwrap_or(0.0) > 1_000_000.0, "a running test has more than 1 MB resident");
    }
}
