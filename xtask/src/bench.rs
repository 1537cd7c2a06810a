//! `cargo xtask bench [--quick]`: every benchmark in one run, printed as a report; the full run
//! also writes it to docs/performance.md.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::{Result, cargo, cargo_output, project_root};

/// The crates whose footprint is measured.
const FOOTPRINT: &[&str] = &["workspace-types", "workspace-core", "workspace-blocking", "workspace-async"];

pub(crate) fn run(quick: bool) -> Result {
    let root = project_root();
    cargo(&[
        "build",
        "--quiet",
        "--release",
        "-p",
        "workspace-emulator",
        "-p",
        "workspace-bench",
        "-p",
        "workspace-cli",
        "-p",
        "workspace-exporter",
        "--bins",
    ])?;
    let times = if quick { ["0.3", "1"] } else { ["1", "3"] };
    cargo(&[
        "bench",
        "--quiet",
        "-p",
        "workspace-bench",
        "--bench",
        "micro",
        "--",
        "--warm-up-time",
        times[0],
        "--measurement-time",
        times[1],
    ])?;
    let bench_bin = root.join("target/release/workspace-bench");
    let bench = |args: &[&str]| -> Result<String> {
        let out = Command::new(&bench_bin).args(args).output().map_err(|e| format!("workspace-bench: {e}"))?;
        if !out.status.success() {
            return Err(format!("workspace-bench {args:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let micro = bench(&["criterion", &root.join("target/criterion").display().to_string()])?;

    let mut emulator = Emulator::start(&root.join("target/release/workspace-emulator"), "12000")?;
    let (url, project) = (emulator.url.clone(), emulator.project.clone());
    let seconds = if quick { "1" } else { "4" };
    let e2e = bench(&["e2e", &url, &project, seconds])?;
    let capacity = capacity(&url, &project, seconds, &bench)?;
    let iterate = bench(&["memory", &url, &project, "iterate"])?;
    let collect = bench(&["memory", &url, &project, "collect"])?;
    let iterate_async = bench(&["memory", &url, &project, "async"])?;
    let wks = root.join("target/release/wks").display().to_string();
    let fleet = bench(&["limit", &url, &project, &wks, if quick { "quick" } else { "full" }])?;
    let exporter_bin = root.join("target/release/workspace-exporter");
    let exporter = crate::exporter_bench::measure(&exporter_bin, &url, &project, quick)?;
    emulator.stop();
    let mut small = Emulator::start(&root.join("target/release/workspace-emulator"), "1000")?;
    let cpu = bench(&["cpu", &small.url, &small.project, &wks, if quick { "quick" } else { "full" }])?;
    small.stop();
    let scale = crate::exporter_scale::measure(&root, quick)?;

    let footprint = footprint(quick)?;
    let report = report(Figures {
        micro,
        e2e,
        capacity,
        iterate,
        collect,
        iterate_async,
        fleet,
        cpu,
        exporter,
        scale,
        footprint,
        quick,
    });
    println!("{report}");
    if !quick {
        fs::write(root.join("docs/performance.md"), report).map_err(|e| e.to_string())?;
        eprintln!("bench: wrote docs/performance.md");
    }
    Ok(())
}

/// The emulator, as a separate process so that its work and memory are not counted.
pub(crate) struct Emulator {
    child: Child,
    pub(crate) url: String,
    pub(crate) project: String,
}

impl Emulator {
    fn start(bin: &std::path::Path, desktops: &str) -> Result<Self> {
        Self::start_args(bin, &["--desktops", desktops])
    }

    /// Starts it with `args` on a free port.
    pub(crate) fn start_args(bin: &std::path::Path, args: &[&str]) -> Result<Self> {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let mut line = || lines.next().and_then(|l| l.ok()).unwrap_or_default();
        let url = line().trim_start_matches("listening on ").to_owned();
        let project = line().trim_start_matches("project id: ").to_owned();
        Ok(Self { child, url, project })
    }

    pub(crate) fn stop(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// The emulator's requests per second for 100-desktop pages: with wrk when it is installed,
/// else with the bench's own threads (which compete with the emulator for the same cores).
fn capacity(
    url: &str,
    project: &str,
    seconds: &str,
    bench: &dyn Fn(&[&str]) -> Result<String>,
) -> Result<(String, String)> {
    let target = format!("{url}/v2/{project}/connect-desktops?limit=100&offset=500");
    let wrk = Command::new("wrk")
        .args(["-t1", "-c8", &format!("-d{seconds}s"), "-H", "X-Auth-Token: workspace-emulator-demo-token", &target])
        .output();
    if let Ok(out) = wrk {
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(rps) = text.lines().find_map(|l| l.strip_prefix("Requests/sec:")) {
            return Ok((rps.trim().to_owned(), "wrk, 1 thread, 8 connections".to_owned()));
        }
    }
    let rps = bench(&["capacity", url, project, "2", seconds])?;
    Ok((rps.trim().to_owned(), "2 threads of plain ureq requests".to_owned()))
}

/// Crates in each library's tree (default features), and in the full run its clean release build time.
fn footprint(quick: bool) -> Result<Vec<(String, usize, Option<f64>)>> {
    let mut out = Vec::new();
    for krate in FOOTPRINT {
        let tree = cargo_output(&["tree", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}"])?;
        let mut names: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
        names.sort_unstable();
        names.dedup();
        let build = if quick {
            None
        } else {
            let dir = project_root().join("target/footprint").join(krate);
            let _ = fs::remove_dir_all(&dir);
            let start = Instant::now();
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--quiet", "--release", "-p", krate])
                .env("CARGO_TARGET_DIR", &dir)
                .current_dir(project_root())
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("clean build of {krate} failed"));
            }
            let _ = fs::remove_dir_all(&dir);
            Some(start.elapsed().as_secs_f64())
        };
        out.push(((*krate).to_owned(), names.len(), build));
    }
    Ok(out)
}

/// `cargo xtask bench exporter [--quick]`: only the exporter at scale, printed.
pub(crate) fn exporter(quick: bool) -> Result {
    let root = project_root();
    cargo(&["build", "--quiet", "--release", "-p", "workspace-emulator", "-p", "workspace-exporter", "--bins"])?;
    let scale = crate::exporter_scale::measure(&root, quick)?;
    println!("{}", scale_section(&scale));
    Ok(())
}

/// The report's section of the exporter at scale.
fn scale_section(scale: &str) -> String {
    format!(
        "## The exporter at scale (`--per-desktop`)\n\n{scale}\n\
         Each emulator runs in its own process. Series are the sample lines of the text format (the \
         per-desktop series are two per desktop: `desktop_status` and `desktop_info`); sizes are the \
         bodies as sent, gzip when asked for. CPU per poll is the exporter's `utime + stime` over \
         the polls of the three targets counted from their `last_success` timestamps, each poll a \
         whole read of 12,000 desktops and its snapshot (the time counted also has one scrape \
         without gzip, which renders the text as it sends it). A gzip body is rendered at \
         the first scrape that asks for it after a poll, then shared until the next; a body \
         without gzip is rendered as it is sent, at each scrape. A scrape is timed from \
         connecting to its last byte, on loopback, 20 times each way. `cargo xtask bench exporter` runs only \
         this section and prints it.\n\n"
    )
}

struct Figures {
    micro: String,
    e2e: String,
    capacity: (String, String),
    iterate: String,
    collect: String,
    iterate_async: String,
    fleet: String,
    cpu: String,
    exporter: String,
    scale: String,
    footprint: Vec<(String, usize, Option<f64>)>,
    quick: bool,
}

fn nanos(micro: &str, name: &str) -> f64 {
    micro.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix('\t')?.parse().ok()).unwrap_or(f64::NAN)
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

pub(crate) fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn report(f: Figures) -> String {
    let m = |n: &str| nanos(&f.micro, n);
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown".into());
    let mut r = String::new();
    r.push_str("# Performance\n\n");
    r.push_str("Written by `cargo xtask bench` (the full run); `cargo xtask bench --quick` prints the same report from\nshorter runs without writing it. Every figure below comes from one run of that command.\n\n");
    r.push_str(&format!(
        "- Date: {}\n- Machine: {} cores, {cpu}\n- Toolchain: {}\n- Mode: {}\n\n",
        command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command_output("nproc", &[]),
        command_output("rustc", &["--version"]),
        if f.quick { "quick" } else { "full" }
    ));
    r.push_str("## The core's hot path (criterion, medians)\n\n| what | SDK | baseline in the same run | ratio | target |\n|---|---|---|---|---|\n");
    let sign = m("sign/validate_build_sign");
    r.push_str(&format!(
        "| validate + build + sign one request | {} | one HMAC-SHA256 of the string to sign: {} | {:.0}x | at most 5 µs: {} |\n",
        time(sign),
        time(m("sign/hmac_sha256_baseline")),
        sign / m("sign/hmac_sha256_baseline"),
        if sign <= 5000.0 { "met" } else { "missed" }
    ));
    for n in ["100", "2000"] {
        let sdk = m(&format!("parse_{n}/sdk"));
        let value = m(&format!("parse_{n}/serde_json_value_baseline"));
        let plain = m(&format!("parse_{n}/plain_struct_baseline"));
        r.push_str(&format!(
            "| parse a {n}-desktop page | {} | `serde_json::Value`: {}; plain derive-only struct: {} | {:.2}x of Value, {:.2}x of plain | no slower than Value: {} |\n",
            time(sdk),
            time(value),
            time(plain),
            sdk / value,
            sdk / plain,
            if sdk <= value { "met" } else { "missed" }
        ));
    }
    r.push_str(&format!(
        "| one whole call through an in-memory transport (100 desktops) | {} | parsing that page alone: {} | +{} for building, signing and the state machine | |\n\n",
        time(m("call_in_memory_100")),
        time(m("parse_100/sdk")),
        time(m("call_in_memory_100") - m("parse_100/sdk"))
    ));
    r.push_str("The SDK parses into typed structs with open enums and optional fields; the plain struct has\nrequired `String` fields only, which is as fast as a typed parse of these bytes can be.\n\n");
    r.push_str("## End to end against the emulator (loopback, keep-alive, 100-desktop pages, sequential)\n\n");
    r.push_str(&f.e2e);
    r.push_str("\nThe raw baseline resends one pre-signed request with the same headers through a bare ureq agent\nor reqwest client and parses the body with `serde_json` into a `Value`. The SDK builds, signs and\nvalidates every request and parses into typed structs; the ratio is its cost (target: at least\n90% of the baseline's requests per second). A ratio above 100% means the typed parse saves more\nthan building and signing cost: parsing into `Value` is about twice as slow (see above).\n\n");
    r.push_str(&format!(
        "The emulator alone serves {} requests/s of these pages ({}): {} times what the fastest\nclient above needs, so it does not bound these figures (target: at least 5 times).\n\n",
        f.capacity.0,
        f.capacity.1,
        max_ratio(&f.capacity.0, &f.e2e)
    ));
    r.push_str("## Reading a whole fleet at the physical limit (12,000 desktops, 3,000 per status)\n\n");
    r.push_str(&f.fleet);
    r.push_str("\nEach row is the median of three runs (one in the quick run), in a fresh client. The fleet is more\nthan one query reaches (4,000), so a read is a probe of the whole query (a page of 2,000), then,\ntogether, each status's first page and the page after it (at offset 1,968, overlapping the first\nby 32 so that the desktops they share prove that nothing lies between them): 9 requests, 2 round\ntrips at the least (ceil(3,000 / 2,000) = 2 requests per status, plus the probe). The second page\nof each status goes out with its first because the whole (12,000) shows that a status averages more\nthan one page. The rows with 20 moves per page read while the emulator moves 20 desktops to another\nstatus after every page it serves; their extra requests are pages read again to join two pages that\nmoved apart. A count is the five\n`limit=0` requests together: 1 round trip. One call is a single `limit=1` request: through the\nclient for the clients' rows, and `wks connections list --limit 1` for `wks`'s rows, which run it\nas its own process, so that both sides of their ratio include starting it. Targets, at 20 ms: a read of a still fleet at most 3 times one call; `wks connections list\n--all` at most 16 requests and at most 6 times one call; `summary` at most 3 times one call; at\n100 ms, a read within 5 round trips (0.5 s).\n\n");
    let mem = |s: &str| s.split('\t').nth(1).map(|v| v.trim().to_owned()).unwrap_or_default();
    r.push_str(&format!(
        "Peak memory while reading the 12,000 desktops, 8 requests in flight (growth of the process's\npeak resident set, `VmHWM`, in a fresh process; the emulator runs in another; target: under\n32 MiB while iterating):\n\n| how | peak growth |\n|---|---|\n| blocking client, iterating items, keeping none | {} KiB |\n| async client (tokio, 2 worker threads), iterating items, keeping none | {} KiB |\n| blocking client, collecting every desktop into a `Vec` (baseline) | {} KiB |\n\nIterating holds the pages in flight and those waiting to be released in order (at most 16 pages of\n2,000 desktops beyond the part being released) and the set of ids seen, not the fleet.\n\n",
        mem(&f.iterate),
        mem(&f.iterate_async),
        mem(&f.collect)
    ));
    r.push_str("## Client CPU per request in a whole read (1,000 desktops, 2-desktop pages)\n\n");
    r.push_str(&f.cpu);
    r.push_str("\nEach row reads the whole fleet of an emulator holding 1,000 desktops (in its own process, so its\nwork is not counted) in pages of 2, ten times after one read to warm up (twice in the quick run):\nabout 1,000 requests a read, each bringing one new desktop (the other overlaps the page before).\nClient CPU is the process's `utime + stime` from `/proc/self/stat`, for `wks` its children's\n(`cutime + cstime`, counted once each `wks` has exited and been waited for), so `wks`'s rows include\nstarting the program. Each row is the least of three runs: other work on the machine only adds to\na run's CPU. The blocking client sends on the caller's thread and at most `concurrency - 1` more\nthreads kept for a read's whole life; the async client runs on a current-thread tokio runtime.\nThe floor rows resend one signed 2-desktop request, built once, over one kept-alive connection: by\nhand over a bare socket, and by a bare ureq agent and a bare reqwest client (no timeouts, no\nchecks): what is left above them is the clients' own work (signing, paging, parsing, timeouts).\nTarget: at most 30 µs per request.\n\n");
    r.push_str("## The exporter (the same 12,000 desktops)\n\n");
    r.push_str(&f.exporter);
    r.push_str(&format!(
        "\n`workspace-exporter` in its own process, polling the emulator every 10 s (the shortest interval\nagainst a service). RSS is `VmRSS` and CPU `utime + stime` (in ticks of 10 ms) from `/proc`, so\nthe figures per poll are averages over the polls counted; CPU at idle is over a time with no poll\n(interval 3,600 s, after the first). A default poll is the five `limit=0` requests of a count;\n`--per-desktop` reads the whole fleet. CPU per scrape is the average of 20 scrapes of `/metrics`.\n{}\n",
        if f.quick { "The quick run counts one poll and 3 s of idle; the full run six polls and 20 s.\n" } else { "" }
    ));
    r.push_str(&scale_section(&f.scale));
    r.push_str("## Footprint (default features, each crate alone)\n\n| crate | crates in its tree (itself included) | clean release build |\n|---|---|---|\n");
    for (krate, n, build) in &f.footprint {
        let b = build.map_or_else(|| "(full run only)".to_owned(), |s| format!("{s:.0} s"));
        r.push_str(&format!("| `{krate}` | {n} | {b} |\n"));
    }
    r.push_str("\nBuild times are wall-clock on this machine with its 2 cores, from an empty target directory\n(crates already downloaded).\n\n## Reproduce\n\n```sh\ncargo xtask bench          # full run: writes this file\ncargo xtask bench --quick  # short run: prints the report only\n```\n\nThe end-to-end figures use `target/release/workspace-emulator --desktops 12000` in its own process;\n`wrk` is used for the emulator's own capacity when it is installed.\n");
    r
}

/// The emulator's capacity over the highest requests/s in the end-to-end table.
fn max_ratio(capacity: &str, e2e: &str) -> String {
    let cap: f64 = capacity.parse().unwrap_or(f64::NAN);
    let best = e2e.lines().filter_map(|l| l.split('|').nth(2)?.trim().parse::<f64>().ok()).fold(0.0, f64::max);
    format!("{:.1}", cap / best)
}
