//! Every JSON shape of `wks` keeps the key order `docs/cli.md` documents, nested objects
//! included. The keys are read from the raw output in the order written, since parsing into a
//! map could reorder them.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use serde_json::Value;
use workspace_emulator::{Behaviour, DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, fleet};

/// An emulator serving `n` desktops.
fn emulator(n: usize, config: EmulatorConfig) -> Emulator {
    let desktops = fleet::generate(&fleet::FleetSpec { desktops: n, seed: 11, status_weights: [1, 2, 3, 4] });
    Emulator::start(config.fleet(desktops)).unwrap()
}

/// `wks` pointed at `url` with the demo keys in an otherwise empty environment.
fn wks(url: &str, project: &str, args: &[&str]) -> Output {
    let home = std::env::temp_dir().join(format!("wks-json-order-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", &home).env("PATH", std::env::var("PATH").unwrap_or_default());
    c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", DEMO_SK);
    c.args(["--endpoint", url, "--project-id", project]).args(args);
    c.output().unwrap()
}

/// The standard output of `wks` against `emu`, which must succeed.
fn run(emu: &Emulator, args: &[&str]) -> String {
    let o = wks(&emu.base_url(), emu.project_id(), args);
    assert!(o.status.success(), "{args:?}: exit {:?}; stderr: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The keys of a JSON text in the order written, each with the path of the objects it is in:
/// `a.b` for the key `b` of the object under `a`, `a[].b` for the key `b` of the elements of the
/// array under `a`.
fn keys(json: &str) -> Vec<String> {
    // Each open object with its latest key, or an open array (`None`).
    let mut open: Vec<Option<String>> = Vec::new();
    let mut out = Vec::new();
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => open.push(Some(String::new())),
            '[' => open.push(None),
            '}' | ']' => {
                open.pop();
            }
            '"' => {
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => text.extend(chars.next()),
                        '"' => break,
                        c => text.push(c),
                    }
                }
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                if chars.peek() != Some(&':') {
                    continue;
                }
                let mut path = String::new();
                for frame in &open[..open.len() - 1] {
                    match frame {
                        Some(key) if path.is_empty() => path.push_str(key),
                        Some(key) => path.extend([".", key]),
                        None => path.push_str("[]"),
                    }
                }
                out.push(if path.is_empty() { text.clone() } else { format!("{path}.{text}") });
                if let Some(Some(latest)) = open.last_mut() {
                    *latest = text;
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_key_reader_follows_nesting() {
    let text = r#"{"b":{"z":1,"a":[{"y":"\"x\":","c":[]}]},"a":2}"#;
    assert_eq!(keys(text), ["b", "b.z", "b.a", "b.a[].y", "b.a[].c", "a"]);
}

/// The documented keys of a desktop (and of each of its users) in `json` and `ndjson`, each
/// with the path of the desktop (`desktops[].` or none).
fn desktop_keys(prefix: &str, desktop: &Value) -> Vec<String> {
    let mut want: Vec<String> = ["desktop_id", "desktop_name", "connect_status", "attach_users"]
        .iter()
        .map(|k| format!("{prefix}{k}"))
        .collect();
    for _ in desktop["attach_users"].as_array().unwrap() {
        want.extend(["id", "name", "user_group", "type"].iter().map(|k| format!("{prefix}attach_users[].{k}")));
    }
    want
}

#[test]
fn list_keeps_the_apis_order() {
    let emu = emulator(150, EmulatorConfig::default());
    for args in [&["connections", "list", "-o", "json"][..], &["connections", "list", "--limit", "40", "-o", "json"]] {
        let out = run(&emu, args);
        let doc: Value = serde_json::from_str(&out).unwrap();
        let mut want = vec!["desktops".to_owned()];
        for d in doc["desktops"].as_array().unwrap() {
            want.extend(desktop_keys("desktops[].", d));
        }
        want.push("total_count".into());
        assert!(want.iter().any(|k| k == "desktops[].attach_users[].type"), "{args:?}: desktops have users");
        assert_eq!(keys(&out), want, "{args:?}");
    }
    let out = run(&emu, &["connections", "list", "-o", "ndjson"]);
    assert_eq!(out.lines().count(), 150);
    for line in out.lines() {
        assert_eq!(keys(line), desktop_keys("", &serde_json::from_str(line).unwrap()), "{line}");
    }
}

#[test]
fn summary_keeps_the_documented_statuses_first_then_total() {
    let emu = emulator(40, EmulatorConfig::default());
    let documented = ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"];
    let out = run(&emu, &["connections", "summary", "-o", "json"]);
    assert_eq!(keys(&out), [&documented[..], &["total"]].concat());
    let out = run(&emu, &["connections", "summary", "-o", "ndjson"]);
    assert_eq!(out.lines().count(), 5);
    for line in out.lines() {
        assert_eq!(keys(line), ["connect_status", "count"], "{line}");
    }
    // A status outside the documented four: OTHER after them, before the total.
    assert!(emu.set_status(&emu.desktops()[0].desktop_id, "HIBERNATED"));
    let out = run(&emu, &["connections", "summary", "-o", "json"]);
    assert_eq!(keys(&out), [&documented[..], &["OTHER", "total"]].concat());
}

#[test]
fn watch_keeps_the_time_first() {
    // After each page served, one desktop moves: every poll after the first sees a change.
    let emu = emulator(20, EmulatorConfig::default().behaviour(Behaviour::default().moves_per_page(1)));
    for format in ["ndjson", "json"] {
        let out = run(&emu, &["connections", "watch", "--interval", "0.1", "--iterations", "3", "-o", format]);
        assert!(out.lines().count() >= 2, "{format}: {out}");
        for line in out.lines() {
            assert_eq!(keys(line), ["time", "desktop_id", "desktop_name", "change", "from", "to"], "{line}");
        }
    }
}

/// `name`, `result` and `detail` of each check, then its values, under the check's name.
fn checks(values: &[(&str, &[&str])]) -> Vec<String> {
    let mut want = Vec::new();
    for (check, vals) in values {
        want.push((*check).to_owned());
        let fields = ["name", "result", "detail"].iter().chain(vals.iter());
        want.extend(fields.map(|k| format!("{check}.{k}")));
    }
    want
}

#[test]
fn doctor_keeps_the_checks_and_their_values_in_order() {
    let per_status = ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"].map(|s| format!("per_status.{s}"));
    let per_status: Vec<&str> = per_status.iter().map(String::as_str).collect();
    let total_count = [&["totals_meaning", "total", "per_status"][..], &per_status].concat();
    let all_checked = checks(&[
        ("endpoint", &["latency_ms", "endpoint"]),
        ("credentials", &["project_id", "project_id_source"]),
        ("clock", &["clock_offset_ms"]),
        ("page_cap", &["page_cap", "entries", "expected", "total_count", "null_entries"]),
        ("total_count", &total_count),
        ("limit_zero", &["entries_held"]),
        ("request_id", &["responses", "without_request_id"]),
    ]);
    // Every check ok; then with pages capped, which fails page_cap with the same keys.
    for behaviour in [Behaviour::default(), Behaviour::default().page_cap(50)] {
        let emu = emulator(200, EmulatorConfig::default().behaviour(behaviour.clone()));
        let o = wks(&emu.base_url(), emu.project_id(), &["doctor", "-o", "json"]);
        let out = String::from_utf8(o.stdout).unwrap();
        assert_eq!(keys(&out), all_checked, "{behaviour:?}: {out}");
    }

    // An empty fleet: the page cap and the totals are unknown, with fewer values.
    let emu = emulator(0, EmulatorConfig::default());
    let out = run(&emu, &["doctor", "-o", "json"]);
    let empty = checks(&[
        ("endpoint", &["latency_ms", "endpoint"]),
        ("credentials", &["project_id", "project_id_source"]),
        ("clock", &["clock_offset_ms"]),
        ("page_cap", &["page_cap", "entries", "total_count", "null_entries"]),
        ("total_count", &total_count),
        ("limit_zero", &["entries_held"]),
        ("request_id", &["responses", "without_request_id"]),
    ]);
    assert_eq!(keys(&out), empty, "{out}");

    // Nobody answers: each check has its name, result and detail only.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let o = wks(&url, "5f0c6a1e9b7d4c2a8e3f1b0d7a6c9e21", &["--retries", "0", "doctor", "-o", "json"]);
    let out = String::from_utf8(o.stdout).unwrap();
    let names = ["endpoint", "credentials", "clock", "page_cap", "total_count", "limit_zero", "request_id"];
    let bare: Vec<(&str, &[&str])> = names.iter().map(|n| (*n, &[][..])).collect();
    assert_eq!(keys(&out), checks(&bare), "{out}");
}
