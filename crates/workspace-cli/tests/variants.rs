//! `wks` end to end against every behaviour of the emulator the documentation leaves open: a
//! page cap, a `total_count` that ignores the filters, a gateway whose clock is an hour off with
//! either code for a stale date, and odd data. Under each, every listing holds every desktop
//! exactly once, every count is right, and `doctor` says what the service does.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use workspace_emulator::{AttachedUser, Behaviour, DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, TotalCount, fleet};

/// User names outside the letters, digits, `-` and `_` of the assigning operation's rule: any
/// name is a filter value, so each is sent as it is and answered.
fn unusual_names() -> Vec<String> {
    let long = format!("u{}", "x".repeat(69));
    vec!["john.smith".into(), "张三".into(), "_lead".into(), long, "dev@corp".into()]
}

/// An emulator with `n` desktops (a quarter in each status) under `behaviour`; the unusual
/// names are attached to a few of them.
fn emulator(n: usize, behaviour: Behaviour) -> Emulator {
    let mut desktops = fleet::generate(&fleet::FleetSpec { desktops: n, seed: 9, status_weights: [1, 1, 1, 1] });
    for (k, name) in unusual_names().into_iter().enumerate() {
        let d = &mut desktops[(n - 1) * k / 4];
        d.attach_users.push(AttachedUser::user(format!("unusual-{k}"), name, "users"));
    }
    Emulator::start(EmulatorConfig::default().fleet(desktops).behaviour(behaviour)).unwrap()
}

/// An empty home, so that no real configuration is ever read.
fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-variants-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wks` pointed at `emu`, with the demo keys in an otherwise empty environment.
fn wks(emu: &Emulator, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", empty_home()).env("PATH", std::env::var("PATH").unwrap_or_default());
    c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", DEMO_SK);
    c.args(["--endpoint", &emu.base_url(), "--project-id", emu.project_id()]).args(args);
    c.output().unwrap()
}

fn describe(args: &[&str], o: &Output) -> String {
    format!("wks {}: exit {:?}; stderr: {}", args.join(" "), o.status.code(), String::from_utf8_lossy(&o.stderr))
}

/// Runs `wks` and returns its stdout; it must succeed.
fn ok(emu: &Emulator, args: &[&str]) -> String {
    let o = wks(emu, args);
    assert_eq!(o.status.code(), Some(0), "{}", describe(args, &o));
    String::from_utf8(o.stdout).unwrap()
}

/// The ids of an ndjson listing; each desktop must come once.
fn listed_once(args: &[&str], out: &str) -> HashSet<String> {
    let ids: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["desktop_id"].as_str().unwrap().to_owned())
        .collect();
    let set: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "wks {}: a desktop was listed twice", args.join(" "));
    set
}

/// What `doctor` must report under a behaviour.
struct Expect {
    /// The page cap found: `None` when pages hold all they are asked for.
    page_cap: Option<u64>,
    totals_meaning: &'static str,
    /// The gateway's clock against the machine's, in seconds.
    clock_offset_secs: i64,
    /// The first check that fails (exit code 7), or none (exit code 0).
    first_failure: Option<&'static str>,
    /// Checks whose result is `FAILED`; all others are `ok`.
    failed: &'static [&'static str],
}

/// One thing `wks` does, checked against the emulator's fleet.
type Step<'a> = dyn Fn(&Emulator) + 'a;

/// Everything `wks` does, under `behaviour`, against a fleet of `n`. Every step runs even when
/// an earlier one failed, and the test fails naming each step that did.
fn check_variant(n: usize, behaviour: Behaviour, expect: &Expect) {
    let emu = emulator(n, behaviour);
    assert_eq!(emu.desktops().len(), n);
    let steps: [(&str, &Step<'_>); 5] = [
        ("list --all", &list_all),
        ("list --all --status CONNECTED", &list_connected),
        ("summary", &summary),
        ("list --user", &unusual_users),
        ("doctor", &|emu| doctor(emu, n, expect)),
    ];
    let failed: Vec<&str> = steps
        .iter()
        .filter(|(_, step)| std::panic::catch_unwind(AssertUnwindSafe(|| step(&emu))).is_err())
        .map(|(name, _)| *name)
        .collect();
    assert!(failed.is_empty(), "failed under {:?}: {failed:?}", emu.behaviour());
}

/// The desktops the emulator describes: with odd data, every 37th desktop of the fleet is listed
/// and counted but served as `null`, so no client can print it.
fn readable(emu: &Emulator) -> Vec<workspace_emulator::Desktop> {
    let odd = emu.behaviour().odd_data;
    emu.desktops().into_iter().enumerate().filter(|(i, _)| !odd || i % 37 != 36).map(|(_, d)| d).collect()
}

/// Every desktop, exactly once.
fn list_all(emu: &Emulator) {
    let args = ["connections", "list", "--all", "-o", "ndjson"];
    let all: HashSet<String> = readable(emu).into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(listed_once(&args, &ok(emu, &args)), all, "wks {}", args.join(" "));
}

/// Exactly the connected desktops.
fn list_connected(emu: &Emulator) {
    let args = ["connections", "list", "--all", "--status", "CONNECTED", "-o", "ndjson"];
    let connected: HashSet<String> =
        readable(emu).into_iter().filter(|d| d.connect_status == "CONNECTED").map(|d| d.desktop_id).collect();
    assert_eq!(listed_once(&args, &ok(emu, &args)), connected, "wks {}", args.join(" "));
}

/// The right count per status, and in all.
fn summary(emu: &Emulator) {
    let fleet = emu.desktops();
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for d in &fleet {
        *want.entry(d.connect_status.clone()).or_default() += 1;
    }
    want.insert("total".into(), fleet.len() as u64);
    let args = ["connections", "summary", "-o", "json"];
    let got: BTreeMap<String, u64> = serde_json::from_str(&ok(emu, &args)).unwrap();
    assert_eq!(got, want, "wks {}", args.join(" "));
}

/// Any user name is sent and answered, with the desktop it is attached to.
fn unusual_users(emu: &Emulator) {
    let fleet = emu.desktops();
    for name in unusual_names() {
        let args = ["connections", "list", "--user", &name, "-o", "json"];
        let page: Value = serde_json::from_str(&ok(emu, &args)).unwrap();
        let got: HashSet<String> =
            page["desktops"].as_array().unwrap().iter().map(|d| d["desktop_id"].as_str().unwrap().to_owned()).collect();
        let want: HashSet<String> = fleet
            .iter()
            .filter(|d| d.attach_users.iter().any(|u| u.attach_type == "USER" && u.name == name))
            .map(|d| d.desktop_id.clone())
            .collect();
        assert_eq!((got.len(), &got), (1, &want), "wks {}", args.join(" "));
    }
}

/// `wks doctor -o json` says what the service does, and exits 7 exactly when it differs from its
/// documentation, naming the first check that failed.
fn doctor(emu: &Emulator, n: usize, expect: &Expect) {
    let args = ["doctor", "-o", "json"];
    let o = wks(emu, &args);
    let context = describe(&args, &o);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {context}"));
    let names: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = ["endpoint", "credentials", "clock", "page_cap", "total_count", "limit_zero", "request_id"];
    sorted.sort_unstable();
    assert_eq!(names, sorted, "{context}");
    for (name, check) in report.as_object().unwrap() {
        let want = if expect.failed.contains(&name.as_str()) { "FAILED" } else { "ok" };
        assert_eq!(check["result"], want, "{name}: {check}; {context}");
        assert_eq!(check["name"], name.as_str());
        assert!(!check["detail"].as_str().unwrap().is_empty());
    }
    assert_eq!(report["page_cap"]["page_cap"].as_u64(), expect.page_cap, "{context}");
    assert_eq!(report["total_count"]["totals_meaning"], expect.totals_meaning, "{context}");
    assert_eq!(report["credentials"]["project_id"], emu.project_id());
    let offset_ms = report["clock"]["clock_offset_ms"].as_i64().unwrap();
    // The Date header counts whole seconds; a minute's margin says which hour it is.
    assert!((offset_ms - expect.clock_offset_secs * 1000).abs() < 60_000, "offset {offset_ms} ms; {context}");
    assert!(report["endpoint"]["latency_ms"].is_u64());
    assert_eq!(report["limit_zero"]["entries_held"], 0);
    assert_eq!(report["request_id"]["without_request_id"], 0);
    let stderr = String::from_utf8_lossy(&o.stderr);
    match expect.first_failure {
        None => assert_eq!(o.status.code(), Some(0), "{context}"),
        Some(first) => {
            assert_eq!(o.status.code(), Some(7), "{context}");
            assert_eq!(stderr.lines().count(), 1, "{context}");
            let line = format!("wks: the service behaves differently from its documentation: {first}: ");
            assert!(stderr.starts_with(&line), "{context}");
        }
    }
    assert!(report["page_cap"]["total_count"].as_u64().unwrap() >= n as u64, "{context}");
    let nulls = report["page_cap"]["null_entries"].as_u64().unwrap();
    assert_eq!(nulls > 0, emu.behaviour().odd_data, "null entries: {nulls}; {context}");
}

const DESKTOPS: usize = 3000;

#[test]
fn default_behaviour() {
    let expect =
        Expect { page_cap: None, totals_meaning: "filtered", clock_offset_secs: 0, first_failure: None, failed: &[] };
    check_variant(DESKTOPS, Behaviour::default(), &expect);
}

#[test]
fn pages_capped_at_500() {
    let expect = Expect {
        page_cap: Some(500),
        totals_meaning: "filtered",
        clock_offset_secs: 0,
        first_failure: Some("page_cap"),
        failed: &["page_cap"],
    };
    check_variant(DESKTOPS, Behaviour::default().page_cap(500), &expect);
}

#[test]
fn pages_of_one_desktop() {
    let expect = Expect {
        page_cap: Some(1),
        totals_meaning: "filtered",
        clock_offset_secs: 0,
        first_failure: Some("page_cap"),
        failed: &["page_cap"],
    };
    check_variant(600, Behaviour::default().page_cap(1), &expect);
}

#[test]
fn unfiltered_totals() {
    let expect = Expect {
        page_cap: None,
        totals_meaning: "unfiltered",
        clock_offset_secs: 0,
        first_failure: Some("total_count"),
        failed: &["total_count"],
    };
    check_variant(DESKTOPS, Behaviour::default().total_count(TotalCount::Unfiltered), &expect);
}

#[test]
fn capped_pages_and_unfiltered_totals() {
    let expect = Expect {
        page_cap: Some(500),
        totals_meaning: "unfiltered",
        clock_offset_secs: 0,
        first_failure: Some("page_cap"),
        failed: &["page_cap", "total_count"],
    };
    check_variant(DESKTOPS, Behaviour::default().page_cap(500).total_count(TotalCount::Unfiltered), &expect);
}

#[test]
fn gateway_an_hour_ahead_answering_0301() {
    let expect = Expect {
        page_cap: None,
        totals_meaning: "filtered",
        clock_offset_secs: 3600,
        first_failure: Some("clock"),
        failed: &["clock"],
    };
    check_variant(DESKTOPS, Behaviour::default().skew_error("APIGW.0301").clock_offset_secs(3600), &expect);
}

#[test]
fn gateway_an_hour_behind_answering_apig_0303() {
    let expect = Expect {
        page_cap: None,
        totals_meaning: "filtered",
        clock_offset_secs: -3600,
        first_failure: Some("clock"),
        failed: &["clock"],
    };
    check_variant(DESKTOPS, Behaviour::default().skew_error("APIG.0303").clock_offset_secs(-3600), &expect);
}

/// Null entries and unknown fields are tolerated: listings skip the nulls, and `doctor` counts
/// them in its page check without failing (they are not something the SDK has to work around).
#[test]
fn odd_data() {
    let expect =
        Expect { page_cap: None, totals_meaning: "filtered", clock_offset_secs: 0, first_failure: None, failed: &[] };
    check_variant(DESKTOPS, Behaviour::default().odd_data(true), &expect);
}
