//! The `workspace-exporter` program: flags, configuration errors, its endpoints, a real parser
#![allow(clippy::unwrap_used)]
//! of its exposition, and stopping on SIGTERM.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::exposition::{sum, value};
use support::process::{ExporterProcess, PATIENCE, get, prometheus_tool};

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
    for flag in ["--listen", "--interval", "--per-desktop", "--transitions", "--emulator", "--endpoint"] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

#[tokio::test]
async fn serves_metrics_promtool_accepts_and_stops_on_sigterm() {
    let promtool = prometheus_tool("promtool");
    let mut exporter = ExporterProcess::start(&[
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
        assert!(start.elapsed() < PATIENCE, "no successful poll: {:?}", exporter.stderr());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &[]), 200.0);
    assert_eq!(sum(&text, "huaweicloud_workspace_desktop_status", &[]), 200.0);

    for (format, accept) in [("text", None), ("OpenMetrics", Some("application/openmetrics-text; version=1.0.0"))] {
        let (_, exposition) = get(&format!("{base}/metrics"), accept).await;
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

    let status = exporter.terminate();
    assert!(status.success(), "a clean stop on SIGTERM: {status:?}");
    assert!(exporter.stderr().iter().any(|l| l == "workspace-exporter: stopped"), "{:?}", exporter.stderr());
}
