//! The exporter at scale, with `--per-desktop`: the series and bytes of a scrape at 12,000 and
//! 50,000 desktops, plain and gzip; and three targets of 12,000 desktops each in one process:
//! resident memory, CPU per poll and scrape latency.

use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::bench::Emulator;
use crate::exporter_bench::Exporter;

/// What Prometheus asks for.
const PROMETHEUS: [&str; 2] =
    ["Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", "Accept-Encoding: gzip"];

/// The polling interval of the three targets: the shortest against a service.
const INTERVAL: u64 = 10;

/// Markdown tables of both measures.
pub(crate) fn measure(root: &Path, quick: bool) -> Result<String> {
    let emulator_bin = root.join("target/release/workspace-emulator");
    let exporter_bin = root.join("target/release/workspace-exporter");
    let dir = root.join("target/exporter-scale");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    let mut out = String::from(
        "| desktops | targets | series | text | text, gzip | OpenMetrics | OpenMetrics, gzip |\n|---|---|---|---|---|---|---|\n",
    );
    // A status past 4,000 desktops cannot be read whole without a source of user names, which
    // the exporter has not: 50,000 desktops are five projects of 10,000.
    for (projects, each) in [(1, 12_000), (5, 10_000)] {
        let emulators = (0..projects)
            .map(|i| {
                let project = format!("{:032x}", 0xe0 + i);
                Emulator::start_args(&emulator_bin, &["--desktops", &each.to_string(), "--project-id", &project])
            })
            .collect::<Result<Vec<_>>>()?;
        let listed: Vec<(&Emulator, &str)> = emulators.iter().map(|e| (e, "cn-north-4")).collect();
        let config = targets(&dir, &listed, 3600)?;
        let mut exporter = Exporter::launch(&exporter_bin, &["--config.file".to_owned(), config])?;
        let text = exporter.metrics()?;
        let series = text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).count();
        let mut sizes = Vec::new();
        for headers in [&[][..], &["Accept-Encoding: gzip"], &PROMETHEUS[..1], &PROMETHEUS[..]] {
            sizes.push(exporter.scrape(headers)?.0.len());
        }
        exporter.stop();
        out.push_str(&format!(
            "| {} | {projects} of {} | {} | {} | {} | {} | {} |\n",
            thousands(projects * each),
            thousands(each),
            thousands(series),
            bytes(sizes[0]),
            bytes(sizes[1]),
            bytes(sizes[2]),
            bytes(sizes[3])
        ));
    }

    let polls = if quick { 2 } else { 6 };
    let emulators =
        ["0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b02", "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c03"]
            .map(|project| Emulator::start_args(&emulator_bin, &["--desktops", "12000", "--project-id", project]));
    let [a, b, c] = emulators;
    let (a, b, c) = (a?, b?, c?);
    let config = targets(&dir, &[(&a, "cn-north-4"), (&b, "cn-east-3"), (&c, "ap-southeast-1")], INTERVAL)?;
    let mut exporter = Exporter::launch(&exporter_bin, &["--config.file".to_owned(), config])?;
    let rss_first = exporter.rss_kb()?;
    let (cpu0, done0) = (exporter.cpu_ms()?, last_successes(&exporter.metrics()?));
    std::thread::sleep(Duration::from_millis(polls * INTERVAL * 1000 + INTERVAL * 500));
    let (cpu1, done1) = (exporter.cpu_ms()?, last_successes(&exporter.metrics()?));
    let counted: f64 = done0.iter().zip(&done1).map(|(t0, t1)| ((t1 - t0) / INTERVAL as f64).round()).sum();
    let (rss_after, peak) = (exporter.rss_kb()?, exporter.peak_rss_kb()?);
    let mut latencies = Vec::new();
    for headers in [&PROMETHEUS[..], &[][..]] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..20 {
            let (body, took) = exporter.scrape(headers)?;
            size = body.len();
            times.push(took);
        }
        times.sort();
        latencies.push((times[times.len() / 2], times[times.len() - 1], size));
    }
    exporter.stop();
    out.push_str(&format!(
        "\nThree targets of 12,000 desktops each, `per_desktop: true`, polled every {INTERVAL} s:\n\n\
         | RSS after the first polls | RSS after {polls} intervals | peak RSS | CPU per poll (one target) | \
         scrape as Prometheus asks (OpenMetrics, gzip): median / max | scrape without gzip (text): median / max |\n\
         |---|---|---|---|---|---|\n\
         | {} | {} | {} | {} ({counted:.0} polls) | {} / {} ({}) | {} / {} ({}) |\n",
        mb(rss_first),
        mb(rss_after),
        mb(peak),
        if counted > 0.0 { format!("{:.0} ms", (cpu1 - cpu0) as f64 / counted) } else { "no poll counted".to_owned() },
        ms(latencies[0].0),
        ms(latencies[0].1),
        bytes(latencies[0].2),
        ms(latencies[1].0),
        ms(latencies[1].1),
        bytes(latencies[1].2),
    ));
    Ok(out)
}

/// Writes a `--config.file` of one target per emulator (with `per_desktop: true`, the demo
/// credentials from the environment) and returns its path.
fn targets(dir: &Path, emulators: &[(&Emulator, &str)], interval: u64) -> Result<String> {
    let mut text = String::from("targets:\n");
    for (emulator, region) in emulators {
        text.push_str(&format!(
            "  - region: {region}\n    project_id: '{}'\n    endpoint: {}\n    per_desktop: true\n    interval: {interval}\n",
            emulator.project, emulator.url
        ));
    }
    let path = dir.join(format!("targets-{}.yml", emulators.len()));
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

/// The values of `huaweicloud_workspace_last_success_timestamp_seconds`, in the order served.
fn last_successes(metrics: &str) -> Vec<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with("huaweicloud_workspace_last_success_timestamp_seconds{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect()
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: usize) -> String {
    if n >= 1_000_000 { format!("{:.2} MB", n as f64 / 1e6) } else { format!("{:.0} kB", n as f64 / 1e3) }
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
