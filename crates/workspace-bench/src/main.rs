//! `workspace-bench`: the end-to-end measurements behind `cargo xtask bench`, run against an
//! emulator started separately (so that its work and memory are not counted here). Each prints a
//! Markdown table.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use workspace_async::Client as AsyncClient;
use workspace_blocking::Client;
use workspace_core::{ClientOptions, Credentials, Query, build_request};
use workspace_emulator::{DEMO_AK, DEMO_SK};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(0).as_str() {
        "e2e" => e2e(&arg(1), &arg(2), arg(3).parse().unwrap_or(2.0)),
        "limit" => limit(&arg(1), &arg(2), &arg(3), arg(4) == "quick"),
        "memory" => memory(&arg(1), &arg(2), &arg(3)),
        "capacity" => capacity(&arg(1), &arg(2), arg(3).parse().unwrap_or(2), arg(4).parse().unwrap_or(2.0)),
        "criterion" => criterion(Path::new(&arg(1))),
        "cpu" => cpu(&arg(1), &arg(2), &arg(3), arg(4) == "quick"),
        _ => eprintln!("usage: workspace-bench e2e|limit|memory|capacity|criterion|cpu ..."),
    }
}

/// The options of a client of the emulator at `url`, keeping `concurrency` requests in flight
/// when reading the fleet.
fn options(url: &str, project: &str, concurrency: usize) -> ClientOptions {
    ClientOptions::builder()
        .endpoint(url)
        .project_id(project)
        .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK).unwrap())
        .concurrency(concurrency)
        .build()
        .unwrap()
}

fn blocking(url: &str, project: &str, concurrency: usize) -> Client {
    Client::new(options(url, project, concurrency)).unwrap()
}

fn asynchronous(url: &str, project: &str, concurrency: usize) -> AsyncClient {
    AsyncClient::new(options(url, project, concurrency)).unwrap()
}

/// One signed request for 100 desktops, built once: what a hand-written caller would resend.
fn raw_request(url: &str, project: &str) -> http::Request<Vec<u8>> {
    let q = Query::new().limit(100).request().unwrap();
    build_request(&options(url, project, 1), &q, SystemTime::now()).unwrap()
}

/// Requests per second and latency percentiles of `n` timed runs.
struct Sample(Vec<Duration>);

impl Sample {
    fn rps(&self) -> f64 {
        self.0.len() as f64 / self.0.iter().sum::<Duration>().as_secs_f64()
    }
    fn pct(&self, p: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        v[((v.len() - 1) as f64 * p).round() as usize]
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Runs `sdk` and `raw` in alternating rounds for about `seconds` each.
fn alternate(seconds: f64, mut sdk: impl FnMut(), mut raw: impl FnMut()) -> (Sample, Sample) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        sdk();
        raw();
    }
    let round = Duration::from_secs_f64(seconds / 8.0);
    for _ in 0..8 {
        for (f, out) in [(&mut sdk as &mut dyn FnMut(), &mut a), (&mut raw as &mut dyn FnMut(), &mut b)] {
            let end = Instant::now() + round;
            while Instant::now() < end {
                let t = Instant::now();
                f();
                out.push(t.elapsed());
            }
        }
    }
    (Sample(a), Sample(b))
}

fn e2e(url: &str, project: &str, seconds: f64) {
    println!("| client | requests/s | p50 | p90 | p99 | raw baseline requests/s | raw p50 | SDK / raw |");
    println!("|---|---|---|---|---|---|---|---|");
    let row = |name: &str, (s, r): (Sample, Sample)| {
        println!(
            "| {name} | {:.0} | {} | {} | {} | {:.0} | {} | {:.0}% |",
            s.rps(),
            us(s.pct(0.5)),
            us(s.pct(0.9)),
            us(s.pct(0.99)),
            r.rps(),
            us(r.pct(0.5)),
            100.0 * s.rps() / r.rps()
        );
    };

    let client = blocking(url, project, 1);
    let hundred = Query::new().limit(100);
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let req = raw_request(url, project);
    row(
        "blocking (ureq)",
        alternate(
            seconds,
            || assert_eq!(client.send(&hundred).unwrap().desktops().len(), 100),
            || {
                let (_, mut body) = agent.run(req.clone()).unwrap().into_parts();
                let v: serde_json::Value = serde_json::from_slice(&body.read_to_vec().unwrap()).unwrap();
                assert_eq!(v["desktops"].as_array().unwrap().len(), 100);
            },
        ),
    );

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = asynchronous(url, project, 1);
    let raw = reqwest::Client::new();
    row(
        "async (reqwest)",
        alternate(
            seconds,
            || rt.block_on(async { assert_eq!(client.send(&hundred).await.unwrap().desktops().len(), 100) }),
            || {
                rt.block_on(async {
                    let r = raw.execute(reqwest::Request::try_from(req.clone()).unwrap()).await.unwrap();
                    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
                    assert_eq!(v["desktops"].as_array().unwrap().len(), 100);
                })
            },
        ),
    );
}

fn admin(url: &str, method: &str, path: &str, body: &str) -> String {
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let req = http::Request::builder()
        .method(method)
        .uri(format!("{url}{path}"))
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap();
    agent.run(req).unwrap().body_mut().read_to_string().unwrap()
}

fn admin_latency(url: &str, ms: u64) {
    admin(url, "PUT", "/admin/settings", &format!("{{\"latency_ms\":{ms}}}"));
}

/// API requests the emulator has answered so far.
fn served(url: &str) -> u64 {
    let stats: serde_json::Value = serde_json::from_str(&admin(url, "GET", "/admin/stats", "")).unwrap();
    stats["requests"].as_u64().unwrap_or(0)
}

/// The median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Whole-fleet reads and counts of 12,000 desktops at 0, 20 and 100 ms of emulator latency, for
/// the blocking client, the async client and `wks` (`wks_bin`), each beside one single-request
/// call and the round trips the read needs at the least.
fn limit(url: &str, project: &str, wks_bin: &str, quick: bool) {
    println!(
        "| emulator latency | what | requests | wall time | one call | times one call | round trips at the least | model: round trips x latency |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let latencies: &[u64] = if quick { &[20] } else { &[0, 20, 100] };
    let runs = if quick { 1 } else { 3 };
    for &ms in latencies {
        admin_latency(url, ms);
        let client = blocking(url, project, 8);
        let one = median(5, || {
            client.send(&Query::new().limit(1)).unwrap();
        });
        let row = |what: &str, rounds: u64, one: Duration, f: &mut dyn FnMut()| {
            let before = served(url);
            let took = median(runs, f);
            let requests = (served(url) - before) / runs as u64;
            println!(
                "| {ms} ms | {what} | {requests} | {:.3} s | {:.3} s | {:.1} | {rounds} | {:.3} s |",
                took.as_secs_f64(),
                one.as_secs_f64(),
                took.as_secs_f64() / one.as_secs_f64(),
                Duration::from_millis(ms * rounds).as_secs_f64()
            );
        };
        row("blocking `read_fleet`, 8 in flight", 2, one, &mut || {
            let n =
                blocking(url, project, 8).read_fleet(&Query::new()).inspect(|d| assert!(d.is_ok(), "{d:?}")).count();
            assert_eq!(n, 12_000);
        });
        row("async `read_fleet`, 8 in flight", 2, one, &mut || {
            assert_eq!(rt.block_on(read_fleet_async(&asynchronous(url, project, 8))), 12_000);
        });
        row("blocking `read_fleet`, sequential", 2, one, &mut || {
            assert_eq!(blocking(url, project, 1).read_fleet(&Query::new()).count(), 12_000);
        });
        // The same reads while 20 desktops change status after every page served. A desktop that
        // moves into a status already read is not delivered (it changed during the read), and one
        // seen in two statuses is delivered once, so a read delivers about 12,000.
        admin(url, "PUT", "/admin/behaviour", r#"{"moves_per_page":20,"move_seed":7}"#);
        row("blocking `read_fleet`, 8 in flight, 20 moves per page", 2, one, &mut || {
            let mut items = blocking(url, project, 8).read_fleet(&Query::new());
            let n = items.by_ref().filter(Result::is_ok).count();
            assert!(n > 11_000, "{n}: {}", items.report());
            eprintln!("bench: moving read at {ms} ms: {}", items.report());
        });
        row("async `read_fleet`, 8 in flight, 20 moves per page", 2, one, &mut || {
            let client = asynchronous(url, project, 8);
            let report = rt.block_on(async {
                let mut items = client.read_fleet(&Query::new());
                while items.next().await.is_some() {}
                items.report()
            });
            assert!(report.delivered > 11_000, "{report}");
        });
        admin(url, "PUT", "/admin/behaviour", r#"{"moves_per_page":0}"#);
        row("blocking `count_by_status`", 1, one, &mut || {
            blocking(url, project, 8).count_by_status(&Query::new()).unwrap();
        });
        row("async `count_by_status`", 1, one, &mut || {
            let client = asynchronous(url, project, 8);
            rt.block_on(client.count_by_status(&Query::new())).unwrap();
        });
        let wks = |args: &[&str]| {
            let out = std::process::Command::new(wks_bin)
                .env_clear()
                .env("HUAWEICLOUD_SDK_AK", DEMO_AK)
                .env("HUAWEICLOUD_SDK_SK", DEMO_SK)
                .args(["--endpoint", url, "--project-id", project])
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        };
        // One call of `wks` is one `wks` process asking for one desktop, started as the rows' are.
        let one_wks = median(5, || wks(&["connections", "list", "--limit", "1", "-o", "ndjson"]));
        row("`wks connections list --all -o ndjson`", 2, one_wks, &mut || {
            wks(&["connections", "list", "--all", "-o", "ndjson"])
        });
        row("`wks connections summary -o json`", 1, one_wks, &mut || wks(&["connections", "summary", "-o", "json"]));
    }
    admin_latency(url, 0);
}

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Reads the whole fleet with the async client, keeping nothing; the number of desktops.
async fn read_fleet_async(client: &AsyncClient) -> usize {
    let mut items = client.read_fleet(&Query::new());
    let mut n = 0;
    while let Some(d) = items.next().await {
        d.unwrap();
        n += 1;
    }
    n
}

/// The growth of the peak resident set while reading the fleet: `iterate` and `collect` with
/// the blocking client, `async` iterating with the async client on two worker threads.
fn memory(url: &str, project: &str, mode: &str) {
    // As a whole-fleet read runs by default: 8 requests in flight. Each client first warms up its
    // connection and the allocator with one page.
    let (n, before) = if mode == "async" {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let client = asynchronous(url, project, 8);
        rt.block_on(client.send(&Query::new().limit(100))).unwrap();
        let before = peak_kib();
        (rt.block_on(read_fleet_async(&client)), before)
    } else {
        let client = blocking(url, project, 8);
        client.send(&Query::new().limit(100)).unwrap();
        let before = peak_kib();
        let n = if mode == "collect" {
            let all: Vec<_> = client.read_fleet(&Query::new()).map(|d| d.unwrap()).collect();
            all.len()
        } else {
            client.read_fleet(&Query::new()).inspect(|d| assert!(d.is_ok(), "{d:?}")).count()
        };
        (n, before)
    };
    println!("{n}\t{}", peak_kib().saturating_sub(before));
}

fn capacity(url: &str, project: &str, threads: usize, seconds: f64) {
    let req = raw_request(url, project);
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let req = req.clone();
            std::thread::spawn(move || {
                let agent =
                    ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
                let mut n = 0u64;
                while Instant::now() < end {
                    let (_, mut body) = agent.run(req.clone()).unwrap().into_parts();
                    body.read_to_vec().unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    println!("{:.0}", total as f64 / seconds);
}

/// The medians criterion measured, as `name<TAB>nanoseconds` lines.
fn criterion(dir: &Path) {
    let mut found = Vec::new();
    visit(dir, dir, &mut found);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, ns) in found {
        println!("{name}\t{ns:.1}");
    }
}

fn visit(root: &Path, dir: &Path, out: &mut Vec<(String, f64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            visit(root, &p, out);
        } else if p.ends_with("new/estimates.json") {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let bench = p.parent().and_then(Path::parent).unwrap();
            let name = bench.strip_prefix(root).unwrap_or(bench).display().to_string();
            out.push((name, v["median"]["point_estimate"].as_f64().unwrap_or(0.0)));
        }
    }
}

/// The CPU time this process and the children it waited for have used, in milliseconds:
/// `utime + stime` and `cutime + cstime` from `/proc/self/stat` (in ticks of 10 ms).
fn cpu_ms() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command, which is in parentheses and may hold spaces.
    let fields: Vec<u64> =
        stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    let ticks = |a: usize, b: usize| fields.get(a).unwrap_or(&0) + fields.get(b).unwrap_or(&0);
    // Fields 14 to 17 of the file (utime, stime, cutime, cstime) are 11 to 14 here; 100 ticks a second.
    (ticks(11, 12) * 10, ticks(13, 14) * 10)
}

/// Client CPU per request of whole reads in 2-desktop pages (the emulator at `url` holds 1,000
/// desktops and runs in its own process): each client sequentially and at 8 in flight, and `wks`
/// (`wks_bin`) as a child process, whose CPU is counted when it has been waited for.
fn cpu(url: &str, project: &str, wks_bin: &str, quick: bool) {
    println!("| client | in flight | reads | requests | client CPU | CPU per request | at most 30 µs |");
    println!("|---|---|---|---|---|---|---|");
    let reads = if quick { 2 } else { 10 };
    let query = Query::new().limit(2);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let row = |what: &str, concurrency: usize, read: &mut dyn FnMut(), child: bool| {
        read();
        // The least of three runs: other work on the machine only ever adds to a run's CPU.
        let (ms, requests) = (0..3)
            .map(|_| {
                let (before, served_before) = (cpu_ms(), served(url));
                for _ in 0..reads {
                    read();
                }
                let (after, requests) = (cpu_ms(), served(url) - served_before);
                (if child { after.1 - before.1 } else { after.0 - before.0 }, requests)
            })
            .min()
            .unwrap();
        let per = ms as f64 * 1000.0 / requests.max(1) as f64;
        let met = match what.starts_with("floor") {
            true => "(no client)",
            false if per <= 30.0 => "met",
            false => "missed",
        };
        println!("| {what} | {concurrency} | {reads} | {requests} | {ms} ms | {per:.0} µs | {met} |");
    };
    // The floor: the same number of exchanges of one signed 2-desktop request, resent as it is
    // over one kept-alive connection, by a bare socket and by a bare ureq agent. What a client
    // spends above these rows is its own; the rest is the kernel's loopback and scheduling.
    let signed = {
        let q = Query::new().limit(2).request().unwrap();
        build_request(&options(url, project, 1), &q, SystemTime::now()).unwrap()
    };
    let mut socket = BareSocket::connect(&signed);
    row("floor: one signed request resent over a bare socket", 1, &mut || socket.exchanges(1000), false);
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let resend = &mut || {
        for _ in 0..1000 {
            let (_, mut body) = agent.run(signed.clone()).unwrap().into_parts();
            assert!(body.read_to_vec().unwrap().starts_with(b"{"));
        }
    };
    row("floor: the same over a bare ureq agent", 1, resend, false);
    let bare = reqwest::Client::new();
    let resend = &mut || {
        rt.block_on(async {
            for _ in 0..1000 {
                let r = bare.execute(reqwest::Request::try_from(signed.clone()).unwrap()).await.unwrap();
                assert!(r.bytes().await.unwrap().starts_with(b"{"));
            }
        });
    };
    row("floor: the same over a bare reqwest client (tokio, current thread)", 1, resend, false);
    for concurrency in [1, 8] {
        let client = blocking(url, project, concurrency);
        row("blocking `read_fleet`", concurrency, &mut || assert_eq!(client.read_fleet(&query).count(), 1000), false);
        let client = asynchronous(url, project, concurrency);
        let read = &mut || {
            let n = rt.block_on(async {
                let mut items = client.read_fleet(&query);
                let mut n = 0;
                while let Some(d) = items.next().await {
                    d.unwrap();
                    n += 1;
                }
                n
            });
            assert_eq!(n, 1000);
        };
        row("async `read_fleet` (tokio, current thread)", concurrency, read, false);
        let wks = &mut || {
            let out = std::process::Command::new(wks_bin)
                .env_clear()
                .env("HUAWEICLOUD_SDK_AK", DEMO_AK)
                .env("HUAWEICLOUD_SDK_SK", DEMO_SK)
                .args(["--endpoint", url, "--project-id", project, "--concurrency", &concurrency.to_string()])
                .args(["connections", "list", "--all", "--limit", "2", "-o", "ndjson"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        };
        row("`wks connections list --all --limit 2`", concurrency, wks, true);
    }
}

/// One kept-alive connection to the emulator that resends the same request bytes and reads each
/// response whole (by its `content-length`), with nothing else in the way.
struct BareSocket {
    stream: std::net::TcpStream,
    request: Vec<u8>,
    buffer: Vec<u8>,
}

impl BareSocket {
    fn connect(request: &http::Request<Vec<u8>>) -> Self {
        let uri = request.uri();
        let host = uri.authority().unwrap().as_str();
        let mut bytes = format!("GET {} HTTP/1.1\r\n", uri.path_and_query().unwrap()).into_bytes();
        if !request.headers().contains_key(http::header::HOST) {
            bytes.extend_from_slice(format!("host: {host}\r\n").as_bytes());
        }
        for (name, value) in request.headers() {
            bytes.extend_from_slice(format!("{name}: ").as_bytes());
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        let stream = std::net::TcpStream::connect(host).unwrap();
        stream.set_nodelay(true).unwrap();
        Self { stream, request: bytes, buffer: Vec::with_capacity(1 << 16) }
    }

    /// Sends the request `n` times, one after the other, reading each answer.
    fn exchanges(&mut self, n: usize) {
        use std::io::{Read, Write};
        for _ in 0..n {
            self.stream.write_all(&self.request).unwrap();
            self.buffer.clear();
            let mut chunk = [0u8; 16384];
            loop {
                let read = self.stream.read(&mut chunk).unwrap();
                assert!(read > 0, "the emulator closed the connection");
                self.buffer.extend_from_slice(&chunk[..read]);
                let text = String::from_utf8_lossy(&self.buffer);
                let Some(head_end) = text.find("\r\n\r\n") else { continue };
                assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                let length: usize = text[..head_end]
                    .lines()
                    .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
                    .map_or(0, |(_, v)| v.trim().parse().unwrap());
                if self.buffer.len() >= head_end + 4 + length {
                    break;
                }
            }
        }
    }
}
