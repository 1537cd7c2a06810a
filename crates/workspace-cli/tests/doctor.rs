//! `wks doctor` when it cannot finish: refused credentials, an endpoint nobody answers, a request
//! that fails halfway, an empty fleet. The report of what was learnt is printed whatever happens,
//! and the exit code is the failed request's.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, Fault, FaultRule};

const CHECKS: [&str; 7] = ["endpoint", "credentials", "clock", "page_cap", "total_count", "limit_zero", "request_id"];

fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-doctor-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wks doctor` against `url` with the demo keys (`sk` for the secret) in an otherwise empty
/// environment.
fn doctor(url: &str, project: &str, sk: &str, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", empty_home()).env("PATH", std::env::var("PATH").unwrap_or_default());
    c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", sk);
    c.args(["--endpoint", url, "--project-id", project, "doctor"]).args(args);
    c.output().unwrap()
}

fn context(o: &Output) -> String {
    format!("exit {:?}; stdout: {}; stderr: {}", o.status.code(), String::from_utf8_lossy(&o.stdout), stderr(o))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON report, with its checks in order; returns each check's result.
fn results(o: &Output) -> (Value, Vec<String>) {
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    let keys: Vec<usize> = CHECKS.iter().map(|c| text.find(&format!("\"{c}\":{{")).unwrap()).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "checks in order: {text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    let results = CHECKS.iter().map(|c| report[c]["result"].as_str().unwrap().to_owned()).collect();
    (report, results)
}

#[test]
fn refused_credentials_fail_the_credentials_check_with_the_services_code() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(10)).unwrap();
    let o = doctor(&emu.base_url(), emu.project_id(), "wrong", &["-o", "json"]);
    assert_eq!(o.status.code(), Some(4), "{}", context(&o));
    let (report, results) = results(&o);
    assert_eq!(results, ["ok", "FAILED", "unknown", "unknown", "unknown", "unknown", "unknown"]);
    let detail = report["credentials"]["detail"].as_str().unwrap();
    assert!(detail.contains("APIGW.0301") && detail.contains("verify aksk signature fail"), "{detail}");
    assert_eq!(stderr(&o).lines().count(), 1, "{}", context(&o));
    assert!(stderr(&o).contains("HTTP 401 APIGW.0301"), "{}", context(&o));
    assert!(!stderr(&o).contains("wrong") && !String::from_utf8_lossy(&o.stdout).contains("wrong"));
    // A refused signature is not tried again: five in a row lock the key.
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn an_endpoint_nobody_answers_fails_the_endpoint_check() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(10)).unwrap();
    let (url, project) = (emu.base_url(), emu.project_id().to_owned());
    emu.stop();
    let o = doctor(&url, &project, DEMO_SK, &["--retries", "0", "--timeout", "2", "-o", "json"]);
    assert_eq!(o.status.code(), Some(5), "{}", context(&o));
    let (report, results) = results(&o);
    assert_eq!(results, ["FAILED", "unknown", "unknown", "unknown", "unknown", "unknown", "unknown"]);
    assert!(report["endpoint"]["detail"].as_str().unwrap().starts_with("not reached: "), "{report}");
    assert!(stderr(&o).contains("connection failed"), "{}", context(&o));
}

#[test]
fn a_request_failing_halfway_keeps_what_was_learnt() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(10)).unwrap();
    // The first request is answered (after no delay), the second gets a 500.
    emu.push_faults([FaultRule::new(Fault::delay(Duration::ZERO), 1), FaultRule::new(Fault::status(500), 1)]);
    let o = doctor(&emu.base_url(), emu.project_id(), DEMO_SK, &["--retries", "0", "-o", "json"]);
    assert_eq!(o.status.code(), Some(4), "{}", context(&o));
    let (report, results) = results(&o);
    assert_eq!(results, ["ok", "ok", "ok", "FAILED", "unknown", "unknown", "unknown"]);
    assert!(report["page_cap"]["detail"].as_str().unwrap().contains("HTTP 500"), "{report}");
    assert_eq!(report["credentials"]["project_id"], emu.project_id());
    assert!(stderr(&o).starts_with("wks: HTTP 500"), "{}", context(&o));
}

#[test]
fn an_empty_fleet_leaves_the_cap_and_totals_unknown_without_failing() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(0)).unwrap();
    let o = doctor(&emu.base_url(), emu.project_id(), DEMO_SK, &["-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", context(&o));
    let (report, results) = results(&o);
    assert_eq!(results, ["ok", "ok", "ok", "unknown", "unknown", "ok", "ok"]);
    assert_eq!(report["total_count"]["totals_meaning"], "unknown");
    assert_eq!(emu.stats().requests, 6, "six requests");
}

#[test]
fn the_table_has_one_line_per_check() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(10)).unwrap();
    let o = doctor(&emu.base_url(), emu.project_id(), DEMO_SK, &["-o", "table"]);
    assert_eq!(o.status.code(), Some(0), "{}", context(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8, "{out}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["CHECK", "RESULT", "DETAIL"]);
    for (line, check) in lines[1..].iter().zip(CHECKS) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[..2], [check, "ok"], "{line}");
    }
    assert!(out.contains("at least 10"), "{out}");
}

#[test]
fn help_names_doctor_and_its_exit_code() {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    let o = c.env_clear().env("HOME", empty_home()).arg("--help").output().unwrap();
    let help = String::from_utf8(o.stdout).unwrap();
    assert!(help.contains("doctor"), "{help}");
    assert!(help.contains("7  the service behaves differently from its documentation"), "{help}");
}
