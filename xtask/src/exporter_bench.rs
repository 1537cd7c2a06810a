//! The exporter's cost, measured from outside: its resident memory and CPU time (from `/proc`)
//! at idle and per poll, the requests a poll sends and the size and CPU of a scrape.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// The emulator's demo credentials, which it accepts from any client.
const DEMO_AK: &str = "WKSEMULATORDEMOAK001";
const DEMO_SK: &str = "workspace-emulator-demo-secret-key-0001";
/// The shortest interval the exporter accepts against a service.
const INTERVAL: u64 = 10;

/// A markdown table with a row per flag set.
pub(crate) fn measure(bin: &Path, url: &str, project: &str, quick: bool) -> Result<String> {
    let (idle, polls) = if quick { (3, 1) } else { (20, 6) };
    let mut table = String::from(
        "| flags | RSS after the first poll | RSS after more polls | CPU per poll | requests per poll | CPU at idle | `/metrics` size | CPU per scrape |\n|---|---|---|---|---|---|---|---|\n",
    );
    for flags in [&[][..], &["--per-desktop"][..]] {
        let idle_cpu = {
            let mut exporter = Exporter::start(bin, url, project, 3600, flags)?;
            let c0 = exporter.cpu_ms()?;
            std::thread::sleep(Duration::from_secs(idle));
            let c1 = exporter.cpu_ms()?;
            exporter.stop();
            c1 - c0
        };
        let mut exporter = Exporter::start(bin, url, project, INTERVAL, flags)?;
        let rss_first = exporter.rss_kb()?;
        let (c0, r0) = (exporter.cpu_ms()?, requests(&exporter.metrics()?));
        std::thread::sleep(Duration::from_millis((polls * INTERVAL * 1000) + INTERVAL * 500));
        let (c1, r1) = (exporter.cpu_ms()?, requests(&exporter.metrics()?));
        let rss_after = exporter.rss_kb()?;
        let (s0, mut size) = (exporter.cpu_ms()?, 0);
        for _ in 0..20 {
            size = exporter.metrics()?.len();
        }
        let s1 = exporter.cpu_ms()?;
        exporter.stop();
        let name = if flags.is_empty() { "(default)".to_owned() } else { format!("`{}`", flags.join(" ")) };
        table.push_str(&format!(
            "| {name} | {rss_first} kB | {rss_after} kB (after {polls}) | {} | {:.0} | {} in {idle} s | {size} bytes | {} |\n",
            per(c1 - c0, polls),
            (r1 - r0) / polls as f64,
            per(idle_cpu, 1),
            per(s1 - s0, 20),
        ));
    }
    Ok(table)
}

/// `ms` of CPU time spread over `n` events. The kernel counts CPU time in ticks of 10 ms, so
/// none counted is shown as a bound: less than one tick over the `n` events.
fn per(ms: u64, n: u64) -> String {
    if ms == 0 { format!("under {:.1} ms", 10.0 / n as f64) } else { format!("{:.1} ms", ms as f64 / n as f64) }
}

/// The sum of `huaweicloud_workspace_api_requests_total` over its series.
fn requests(metrics: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("huaweicloud_workspace_api_requests_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The exporter program, stopped with SIGTERM.
pub(crate) struct Exporter {
    child: Child,
    addr: String,
}

impl Exporter {
    /// Starts it and returns once its first poll has succeeded.
    fn start(bin: &Path, url: &str, project: &str, interval: u64, flags: &[&str]) -> Result<Self> {
        let mut args: Vec<String> =
            ["--endpoint", url, "--project-id", project, "--interval", &interval.to_string()].map(str::to_owned).into();
        args.extend(flags.iter().map(|f| (*f).to_owned()));
        Self::launch(bin, &args)
    }

    /// Starts it with `args` (and `--listen 127.0.0.1:0`, the demo credentials in the
    /// environment) and returns once the first poll of every target has succeeded.
    pub(crate) fn launch(bin: &Path, args: &[String]) -> Result<Self> {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("HUAWEICLOUD_SDK_AK", DEMO_AK)
            .env("HUAWEICLOUD_SDK_SK", DEMO_SK)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the exporter: {e}"))?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines.next().and_then(|l| l.ok()).ok_or("the exporter ended before listening")?;
            let found =
                line.split_once(" msg=\"listening on http://").and_then(|(_, rest)| rest.split_once("/metrics"));
            if let Some((addr, _)) = found {
                break addr.to_owned();
            }
        };
        // Keep draining its log so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(|l| l.ok()).for_each(drop));
        let exporter = Self { child, addr };
        let start = Instant::now();
        loop {
            let metrics = exporter.metrics()?;
            let up: Vec<&str> = metrics.lines().filter(|l| l.starts_with("huaweicloud_workspace_up{")).collect();
            if !up.is_empty() && up.iter().all(|l| l.ends_with(" 1")) {
                break;
            }
            if start.elapsed() > Duration::from_secs(300) {
                return Err("the exporter's first polls did not all succeed within 300 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(exporter)
    }

    /// The body of `/metrics`.
    pub(crate) fn metrics(&self) -> Result<String> {
        let (body, _) = self.scrape(&[])?;
        String::from_utf8(body).map_err(|e| format!("exporter: {e}"))
    }

    /// The body of `/metrics` as it came with these request headers, and the time from
    /// connecting to the last byte.
    pub(crate) fn scrape(&self, headers: &[&str]) -> Result<(Vec<u8>, Duration)> {
        let start = Instant::now();
        let mut stream = TcpStream::connect(&self.addr).map_err(|e| format!("exporter: {e}"))?;
        let mut request = String::from("GET /metrics HTTP/1.0\r\nHost: localhost\r\n");
        for h in headers {
            request.push_str(h);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).map_err(|e| format!("exporter: {e}"))?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(|e| format!("exporter: {e}"))?;
        let took = start.elapsed();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or("exporter: no HTTP response")?;
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        if head.split(' ').nth(1) != Some("200") {
            return Err(format!("exporter: {}", head.lines().next().unwrap_or_default()));
        }
        Ok((response[split + 4..].to_vec(), took))
    }

    /// Its CPU time so far (user + system), in milliseconds.
    pub(crate) fn cpu_ms(&self) -> Result<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).map_err(|e| e.to_string())?;
        // The fields after the command name: state is the first, utime the 12th, stime the 13th.
        let fields: Vec<&str> = stat.rsplit_once(") ").ok_or("unreadable /proc stat")?.1.split(' ').collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
        let per_second: u64 = crate::bench::command_output("getconf", &["CLK_TCK"]).parse().unwrap_or(100);
        Ok(ticks * 1000 / per_second)
    }

    /// Its resident set, in kB.
    pub(crate) fn rss_kb(&self) -> Result<u64> {
        self.status_kb("VmRSS:")
    }

    /// The most its resident set has been, in kB.
    pub(crate) fn peak_rss_kb(&self) -> Result<u64> {
        self.status_kb("VmHWM:")
    }

    /// A field of `/proc/PID/status` given in kB.
    fn status_kb(&self, field: &str) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).map_err(|e| e.to_string())?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.trim().trim_end_matches(" kB").parse().ok())
            .ok_or_else(|| format!("no {field}"))
    }

    pub(crate) fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
