//! The `workspace-exporter` program: flags, configuration errors, its endpoints, a real parser
#![allow(clippy::unwrap_used)]
//! of its exposition, and stopping on SIGTERM.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::exposition::{samples, sum, value};
use support::process::{EXPORTER, ExporterProcess, PATIENCE, get, get_raw, prometheus_tool};

/// Runs the program to its end with a clean environment (no credentials anywhere).
fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_workspace-exporter"))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The single line on stderr.
fn one_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err:?}");
    err
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    let out = run(&["--interval", "5", "--region", "cn-north-4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_line(&out).contains("--interval must be at least 10 s"));
    let out = run(&["--emulator", "--interval", "0.5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_line(&out).contains("at least 1 s"));
    assert_eq!(run(&["--listen", "not-an-address"]).status.code(), Some(2));
    assert_eq!(run(&["--emulator", "--region", "cn-north-4"]).status.code(), Some(2));
}

#[test]
fn missing_configuration_exits_3_with_one_line() {
    let out = run(&["--region", "cn-north-4"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(one_line(&out).contains("HUAWEICLOUD_SDK_AK"), "names where it looked");
    let out = run(&["--region", "nowhere-1", "--project-id", "p", "--auth-token", "t0ken-never-shown"]);
    assert_eq!(out.status.code(), Some(3));
    let line = one_line(&out);
    assert!(!line.contains("t0ken-never-shown"), "{line}");
}

#[test]
fn help_succeeds() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--interval",
        "--per-desktop",
        "--transitions",
        "--emulator",
        "--endpoint",
        "--max-connections",
        "--header-read-timeout",
        "--idle-timeout",
        "--write-timeout",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

#[tokio::test]
async fn serves_metrics_promtool_accepts_and_stops_on_sigterm() {
    let promtool = prometheus_tool("promtool");
    let exporter = ExporterProcess::start(&[
        "--emulator",
        "--interval",
        "1",
        "--listen",
        "127.0.0.1:0",
        "--per-desktop",
        "--transitions",
    ]);
    let base = format!("http://{}", exporter.addr);
    assert_eq!(get(&format!("{base}/healthz"), None).await, (200, "ok\n".to_owned()));
    let (status, index) = get(&format!("{base}/"), None).await;
    assert_eq!(status, 200);
    assert!(index.contains("href=\"/metrics\""), "{index}");

    // The first poll runs at start; wait, bounded, for its result.
    let start = Instant::now();
    let text = loop {
        let (status, text) = get(&format!("{base}/metrics"), None).await;
        assert_eq!(status, 200);
        if text.contains("huaweicloud_workspace_up{") && value(&text, "huaweicloud_workspace_up", &[]) == 1.0 {
            break text;
        }
        assert!(start.elapsed() < PATIENCE, "no successful poll: {:?}", exporter.stderr_so_far());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &[]), 200.0);
    assert_eq!(samples(&text, "huaweicloud_workspace_desktop_status", &[]).len(), 200);
    assert_eq!(sum(&text, "huaweicloud_workspace_desktop_info", &[]), 200.0);
    assert_eq!(value(&text, "huaweicloud_workspace_exporter_build_info", &[]), 1.0);
    for name in ["process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds", "process_max_fds"] {
        assert!(value(&text, name, &[]) >= 0.0, "{name}");
    }
    assert!(value(&text, "process_start_time_seconds", &[]) > 1.7e9);

    for (format, accept, gzip) in [
        ("text", None, false),
        ("text", None, true),
        ("OpenMetrics", Some("application/openmetrics-text; version=1.0.0"), false),
        ("OpenMetrics", Some("application/openmetrics-text; version=1.0.0"), true),
    ] {
        let mut headers = vec![("accept", accept.unwrap_or("*/*"))];
        if gzip {
            headers.push(("accept-encoding", "gzip"));
        }
        let (status, encoding, body) = get_raw(&format!("{base}/metrics"), &headers).await;
        assert_eq!(status, 200);
        // A test client built with reqwest's `gzip` feature (enabled in a workspace build with
        // all features) decodes the body itself and drops the header.
        let exposition = if gzip && encoding.is_some() {
            assert_eq!(encoding.as_deref(), Some("gzip"));
            let mut text = String::new();
            flate2::read::GzDecoder::new(&body[..]).read_to_string(&mut text).unwrap();
            text
        } else {
            assert!(gzip || encoding.is_none(), "{encoding:?}");
            String::from_utf8(body).unwrap()
        };
        assert!(exposition.contains("huaweicloud_workspace_desktops{"), "{exposition}");
        let mut check = Command::new(&promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        check.stdin.take().unwrap().write_all(exposition.as_bytes()).unwrap();
        let out = check.wait_with_output().unwrap();
        let problems = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        if format == "text" {
            assert!(out.status.success(), "promtool check metrics: {problems}\n{exposition}");
        } else {
            // promtool reads the Prometheus text format: OpenMetrics parses, but its counters
            // are named without their _total suffix, which only its lint minds.
            assert!(exposition.ends_with("# EOF\n"));
            assert!(problems.lines().all(|l| l.ends_with("_total no help text")), "{problems}");
        }
    }

    let (status, stderr) = exporter.terminate();
    assert!(status.success(), "a clean stop on SIGTERM: {status:?}");
    assert!(stderr.iter().any(|l| l.ends_with(" level=info msg=\"stopped\"")), "{stderr:?}");
}

#[tokio::test]
async fn a_half_sent_request_does_not_hold_the_stop() {
    // Timeouts far past the test's patience: only the grace period can end the connection.
    let exporter = ExporterProcess::start(&[
        "--emulator",
        "--listen",
        "127.0.0.1:0",
        "--header-read-timeout",
        "3600",
        "--idle-timeout",
        "3600",
        "--write-timeout",
        "3600",
    ]);
    let mut half = std::net::TcpStream::connect(&exporter.addr).unwrap();
    half.write_all(b"GET /metrics HTTP/1.1\r\nHost: exporter\r\n").unwrap();
    // Connections are accepted in order: once a later one is answered, the half one is open.
    assert_eq!(get(&format!("http://{}/healthz", exporter.addr), None).await, (200, "ok\n".to_owned()));

    let (status, stderr) = exporter.terminate();
    assert!(status.success(), "a clean stop on SIGTERM: {status:?}");
    assert!(stderr.last().is_some_and(|l| l.contains(" msg=\"stopped")), "{stderr:?}");
    drop(half);
}

#[cfg(target_os = "linux")]
#[test]
fn the_soft_limit_of_open_files_is_raised_to_the_hard_limit() {
    /// The soft and hard limits of open files of a process, from `/proc`.
    fn open_files(pid: &str) -> (String, String) {
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap().to_owned();
        let mut fields = line.split_whitespace().skip(3);
        (fields.next().unwrap().to_owned(), fields.next().unwrap().to_owned())
    }

    let (_, hard) = open_files("self");
    let low = hard.parse::<u64>().map_or(64, |h| (h / 2).min(64));
    let mut command = Command::new("sh");
    command.arg("-c").arg(format!("ulimit -Sn {low} && exec \"$0\" \"$@\"")).arg(EXPORTER).args([
        "--emulator",
        "--listen",
        "127.0.0.1:0",
    ]);
    let exporter = ExporterProcess::start_command(command);
    let (soft, hard) = open_files(&exporter.pid().to_string());
    assert_eq!(soft, hard, "started with a soft limit of {low}");
    assert!(exporter.terminate().0.success());
}

#[test]
fn a_sigterm_right_after_listening_stops_cleanly() {
    // The signal handlers are in place before the program says it listens.
    for _ in 0..5 {
        let exporter = ExporterProcess::start(&["--emulator", "--listen", "127.0.0.1:0"]);
        let (status, stderr) = exporter.terminate();
        assert!(status.success(), "a clean stop on SIGTERM: {status:?}");
        assert!(stderr.last().is_some_and(|l| l.ends_with(" msg=\"stopped\"")), "{stderr:?}");
    }
}
