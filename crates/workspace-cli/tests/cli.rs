//! The `wks` contract, end to end against the emulator: every subcommand, every format parsed
//! back and compared with the fleet, every exit code.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use workspace_emulator::{DEMO_AK, DEMO_SK, Desktop, Emulator, EmulatorConfig, Fault, FaultRule, fleet};

/// An emulator serving an exact fleet.
fn emulator(n: usize) -> Emulator {
    let desktops = fleet::generate(&fleet::FleetSpec { desktops: n, seed: 21, status_weights: [1, 2, 3, 4] });
    Emulator::start(EmulatorConfig::default().fleet(desktops)).unwrap()
}

/// An empty home, so that no real configuration is ever read.
fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wks` with a clean environment: no HUAWEICLOUD_* variable, an empty home.
fn wks() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", empty_home()).env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

/// `wks` pointed at `emu` with the demo keys in the environment.
fn wks_at(emu: &Emulator) -> Command {
    let mut c = wks();
    c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", DEMO_SK);
    c.args(["--endpoint", &emu.base_url(), "--project-id", emu.project_id()]);
    c
}

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}; stderr: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Desktops as JSON, to compare what wks printed with what the emulator holds.
fn json(ds: &[Desktop]) -> Vec<Value> {
    ds.iter().map(|d| serde_json::to_value(d).unwrap()).collect()
}

fn ids(ds: &[Value]) -> Vec<String> {
    ds.iter().map(|d| d["desktop_id"].as_str().unwrap().to_owned()).collect()
}

fn desktops(page: &Value) -> Vec<Value> {
    page["desktops"].as_array().unwrap().clone()
}

#[test]
fn list_json_is_the_apis_shape() {
    let emu = emulator(120);
    let out = stdout(&run(wks_at(&emu).args(["connections", "list", "--limit", "7", "--offset", "3", "-o", "json"])));
    let page: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(page["total_count"], 120);
    assert_eq!(desktops(&page), json(&emu.desktops()[3..10]));
}

#[test]
fn list_all_ndjson_has_every_desktop_once() {
    let emu = emulator(450);
    let out = stdout(&run(wks_at(&emu).args(["connections", "list", "--all", "--limit", "100", "-o", "ndjson"])));
    let got: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got, json(&emu.desktops()));
    let out = stdout(&run(wks_at(&emu).args(["connections", "list", "--all", "--status", "CONNECTED", "-o", "json"])));
    let page: Value = serde_json::from_str(&out).unwrap();
    let connected: Vec<Desktop> = emu.desktops().into_iter().filter(|d| d.connect_status == "CONNECTED").collect();
    assert_eq!((desktops(&page), page["total_count"].as_u64()), (json(&connected), Some(connected.len() as u64)));
}

#[test]
fn list_csv_parses_back() {
    let emu = emulator(60);
    let out = stdout(&run(wks_at(&emu).args(["connections", "list", "--limit", "60", "-o", "csv"])));
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(reader.headers().unwrap(), vec!["desktop_id", "desktop_name", "connect_status", "users"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let fleet = emu.desktops();
    assert_eq!(rows.len(), fleet.len());
    for (row, d) in rows.iter().zip(&fleet) {
        assert_eq!(&row[0], d.desktop_id);
        assert_eq!(&row[1], d.desktop_name);
        assert_eq!(&row[2], d.connect_status);
        for name in d.user_names() {
            assert!(row[3].split(';').any(|u| u == name), "{name} in {}", &row[3]);
        }
    }
}

#[test]
fn list_table_shows_desktops_and_users() {
    let emu = emulator(30);
    let out = stdout(&run(wks_at(&emu).args(["connections", "list", "--limit", "30", "-o", "table"])));
    assert!(out.starts_with("DESKTOP"));
    for d in emu.desktops() {
        let line = out.lines().find(|l| l.contains(&d.desktop_id)).unwrap();
        assert!(line.contains(&d.desktop_name) && line.contains(&d.connect_status));
        for u in &d.attach_users {
            assert!(line.contains(&u.name), "{} in {line}", u.name);
        }
    }
    assert!(out.trim_end().ends_with("30 of 30 desktops"));
}

#[test]
fn more_than_100_users_are_batched_and_merged() {
    let emu = emulator(400);
    let fleet = emu.desktops();
    let names: Vec<String> =
        fleet.iter().take(180).flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    let mut cmd = wks_at(&emu);
    cmd.args(["connections", "list", "-o", "json"]);
    for n in &names {
        cmd.args(["--user", n]);
    }
    let page: Value = serde_json::from_str(&stdout(&run(&mut cmd))).unwrap();
    let expected: HashSet<String> = fleet
        .iter()
        .filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n)))
        .map(|d| d.desktop_id.clone())
        .collect();
    let got = ids(&desktops(&page));
    assert_eq!(got.len(), expected.len(), "no duplicates");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), expected);
}

#[test]
fn summary_in_every_format() {
    let emu = emulator(100);
    let mut want: HashMap<String, u64> = HashMap::new();
    for d in emu.desktops() {
        *want.entry(d.connect_status.clone()).or_default() += 1;
    }
    let json: Value =
        serde_json::from_str(&stdout(&run(wks_at(&emu).args(["connections", "summary", "-o", "json"])))).unwrap();
    assert_eq!(json["total"], 100);
    for (s, n) in &want {
        assert_eq!(json[s.as_str()], *n, "{s}");
    }
    let nd = stdout(&run(wks_at(&emu).args(["connections", "summary", "-o", "ndjson"])));
    let lines: Vec<Value> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.last().unwrap()["count"], 100);
    let csv_out = stdout(&run(wks_at(&emu).args(["connections", "summary", "-o", "csv"])));
    assert!(
        csv_out.starts_with("connect_status,count\n") && csv_out.contains(&format!("CONNECTED,{}", want["CONNECTED"]))
    );
    let table = stdout(&run(wks_at(&emu).args(["connections", "summary", "-o", "table"])));
    assert!(table.lines().last().unwrap().ends_with("100"));
    // Five limit=0 requests per summary, four summaries.
    assert_eq!(emu.stats().requests, 20);
}

#[test]
fn watch_prints_each_change_once() {
    let emu = emulator(20);
    let mut child = wks_at(&emu)
        .args(["connections", "watch", "--interval", "0.3", "--iterations", "2", "-o", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) for the baseline poll, then change one desktop.
    for _ in 0..200 {
        if emu.stats().pages_served >= 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let d = emu.desktops()[4].clone();
    let to = if d.connect_status == "CONNECTED" { "DISCONNECTED" } else { "CONNECTED" };
    assert!(emu.set_status(&d.desktop_id, to));
    let raw: Vec<String> = BufReader::new(child.stdout.take().unwrap()).lines().map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success());
    let lines: Vec<Value> = raw.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    // The documented order of the keys.
    let keys: Vec<&str> = raw.iter().flat_map(|l| l.split("\":").map(|k| k.rsplit('"').next().unwrap_or(""))).collect();
    assert_eq!(keys[..6], ["time", "desktop_id", "desktop_name", "change", "from", "to"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let t = &lines[0];
    assert_eq!((t["desktop_id"].as_str(), t["change"].as_str()), (Some(d.desktop_id.as_str()), Some("status_changed")));
    assert_eq!((t["from"].as_str(), t["to"].as_str()), (Some(d.connect_status.as_str()), Some(to)));
    assert!(t["time"].as_str().unwrap().ends_with('Z'));
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exit_codes() {
    let emu = emulator(10);
    // 2: invalid input, nothing sent.
    let o = run(wks_at(&emu).args(["connections", "list", "--limit", "5000"]));
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o).trim(), "wks: invalid limit 5000: must be between 0 and 2000");
    assert_eq!(emu.stats().requests, 0);
    assert_eq!(code(&run(wks().args(["connections", "frobnicate"]))), 2);
    // 3: no credentials anywhere.
    let o = run(wks().args(["--endpoint", &emu.base_url(), "--project-id", "p", "connections", "list"]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("no credentials: none found; looked at:"));
    // 4: the service refuses the signature: status, code, message and request id on one line.
    let o = run(wks_at(&emu).env("HUAWEICLOUD_SDK_SK", "wrong").args(["connections", "list"]));
    assert_eq!(code(&o), 4);
    let line = stderr(&o);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("HTTP 401 APIGW.0301") && line.contains("request id"), "{line}");
    assert!(!line.contains("wrong"), "{line}");
    // 6: a response that cannot be understood.
    emu.push_faults([FaultRule::new(Fault::Malformed, 1)]);
    let o = run(wks_at(&emu).args(["--retries", "0", "connections", "list"]));
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert!(stderr(&o).contains("invalid response (HTTP 200)"));
    // 5: nobody listening.
    let url = emu.base_url();
    let project = emu.project_id().to_owned();
    emu.stop();
    let o = run(wks().env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", DEMO_SK).args([
        "--endpoint",
        &url,
        "--project-id",
        &project,
        "--retries",
        "0",
        "--timeout",
        "2",
        "connections",
        "list",
    ]));
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(stderr(&o).contains("connection failed"));
}

#[test]
fn the_embedded_emulator_needs_no_configuration() {
    let o = run(wks().args(["--emulator", "connections", "list", "-o", "json"]));
    let page: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((desktops(&page).len(), page["total_count"].as_u64()), (200, Some(200)));
    assert!(stderr(&o).contains("using a local emulator"));
}

#[test]
fn help_reads_well() {
    let top = stdout(&run(wks().arg("--help")));
    for s in ["connections", "--emulator", "--region", "--retries", "Exit codes:", "HUAWEICLOUD_SDK_AK"] {
        assert!(top.contains(s), "{s}");
    }
    let list = stdout(&run(wks().args(["connections", "list", "--help"])));
    for s in ["--user", "--status", "--offset", "--limit", "--all", "--output", "table", "ndjson", "csv", "CONNECTED"] {
        assert!(list.contains(s), "{s}");
    }
    assert!(stdout(&run(wks().args(["connections", "summary", "--help"]))).contains("--output"));
    let watch = stdout(&run(wks().args(["connections", "watch", "--help"])));
    assert!(watch.contains("--interval") && watch.contains("--iterations"));
}

#[test]
fn list_reads_every_desktop_unless_limited() {
    let emu = emulator(250);
    let o = run(wks_at(&emu).args(["connections", "list", "-o", "json"]));
    let page: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((desktops(&page), page["total_count"].as_u64()), (json(&emu.desktops()), Some(250)));
    assert_eq!(stderr(&o), "", "a complete list says nothing more");
    // --all is still accepted, and means the same.
    let all: Value =
        serde_json::from_str(&stdout(&run(wks_at(&emu).args(["connections", "list", "--all", "-o", "json"])))).unwrap();
    assert_eq!(all, page);
}

#[test]
fn a_limited_list_says_what_remains_unless_quiet() {
    let emu = emulator(250);
    let o = run(wks_at(&emu).args(["connections", "list", "--limit", "7", "-o", "ndjson"]));
    assert_eq!(stdout(&o).lines().count(), 7);
    assert_eq!(
        stderr(&o),
        "wks: 243 more desktops of 250 not listed (--limit 7): add --offset 7 for the next page, or leave out --limit to list them all\n"
    );
    let before = emu.stats().requests;
    let o = run(wks_at(&emu).args(["connections", "list", "--offset", "240", "--limit", "5", "-o", "json"]));
    let page: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(desktops(&page), json(&emu.desktops()[240..245]));
    assert_eq!(emu.stats().requests - before, 1, "--offset with --limit is one request");
    assert!(stderr(&o).contains("5 more desktops of 250 not listed (--limit 5): add --offset 245"), "{}", stderr(&o));
    let o = run(wks_at(&emu).args(["-q", "connections", "list", "--limit", "7"]));
    assert_eq!((stdout(&o).is_empty(), stderr(&o)), (false, String::new()));
    // The last page leaves nothing out, and says nothing.
    let o = run(wks_at(&emu).args(["connections", "list", "--offset", "245", "--limit", "5"]));
    assert_eq!((stdout(&o).is_empty(), stderr(&o)), (false, String::new()));
    // --offset alone has no meaning any more: a usage error, nothing sent.
    let before = emu.stats().requests;
    let o = run(wks_at(&emu).args(["connections", "list", "--offset", "3"]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(emu.stats().requests, before);
}

#[test]
fn an_undocumented_status_is_sent_with_one_warning() {
    let emu = emulator(20);
    let o = run(wks_at(&emu).args(["connections", "list", "--status", "bogus", "-o", "json"]));
    let page: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(page["total_count"], 0);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("wks: warning: --status \"bogus\" is not one of the documented statuses; sent as given"),
        "{err}"
    );
    assert!(emu.stats().requests >= 1, "the status is sent");
    // A documented one, in any case, says nothing.
    let o = run(wks_at(&emu).args(["connections", "list", "--status", "connected", "-o", "json"]));
    assert_eq!(stderr(&o), "");
}

#[test]
fn output_flags_work_before_and_after_the_subcommand() {
    let emu = emulator(40);
    let before = stdout(&run(wks_at(&emu).args(["-o", "csv", "--no-headers", "connections", "list"])));
    let after = stdout(&run(wks_at(&emu).args(["connections", "list", "--no-headers", "-o", "csv"])));
    assert_eq!(before, after);
    assert_eq!(before.lines().count(), 40, "no header");
    assert!(!before.contains("desktop_id"));
    let table = stdout(&run(wks_at(&emu).args(["connections", "list", "-o", "table", "--no-headers"])));
    assert_eq!(table.lines().count(), 40, "{table}");
    let summary = stdout(&run(wks_at(&emu).args(["-o", "csv", "--no-headers", "connections", "summary"])));
    assert!(summary.starts_with("UNREGISTER,"), "{summary}");
    assert_eq!(code(&run(wks_at(&emu).args(["-o", "json", "doctor"]))), 0);
}

#[test]
fn wide_tables_show_user_groups_and_attach_types() {
    let emu = emulator(30);
    let out = stdout(&run(wks_at(&emu).args(["connections", "list", "-o", "wide"])));
    assert!(out.starts_with("DESKTOP"));
    let header: Vec<&str> = out.lines().next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(header, ["DESKTOP", "STATUS", "USERS", "USER GROUPS", "ATTACH TYPES", "DESKTOP ID"]);
    for d in emu.desktops() {
        let line = out.lines().find(|l| l.contains(&d.desktop_id)).unwrap();
        for u in &d.attach_users {
            assert!(line.contains(&u.user_group) && line.contains(&u.attach_type), "{u:?} in {line}");
        }
    }
}

#[test]
fn sort_by_gives_a_stable_order() {
    let emu = emulator(120);
    let fleet = emu.desktops();
    for (key, field) in [("name", "desktop_name"), ("id", "desktop_id"), ("status", "connect_status")] {
        let out = stdout(&run(wks_at(&emu).args(["connections", "list", "--sort-by", key, "-o", "ndjson"])));
        let got: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(got.len(), fleet.len());
        let keys: Vec<(String, String, String)> = got
            .iter()
            .map(|d| {
                let s = |f: &str| d[f].as_str().unwrap_or_default().to_owned();
                (s(field), s("desktop_name"), s("desktop_id"))
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "--sort-by {key}");
        let again = stdout(&run(wks_at(&emu).args(["connections", "list", "--sort-by", key, "-o", "ndjson"])));
        assert_eq!(again, out, "the same order every time");
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let emu = emulator(20);
    let table = |extra: &[&str], env: &[(&str, &str)]| {
        let mut c = wks_at(&emu);
        c.args(["connections", "list", "-o", "table"]).args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        stdout(&run(&mut c))
    };
    let coloured = |s: &str| s.contains("\x1b[");
    assert!(!coloured(&table(&[], &[])), "not a terminal");
    assert!(coloured(&table(&["--color", "always"], &[])));
    assert!(coloured(&table(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(!coloured(&table(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
    assert!(!coloured(&table(&["--color", "never"], &[("CLICOLOR_FORCE", "1")])));
    assert!(coloured(&table(&["--color", "always"], &[("NO_COLOR", "1")])));
    // Colour never moves a column.
    let plain = table(&["--color", "never"], &[]);
    let painted = table(&["--color", "always"], &[]);
    let strip =
        |s: &str| s.replace("\x1b[0m", "").replace("\x1b[32m", "").replace("\x1b[33m", "").replace("\x1b[31m", "");
    assert_eq!(strip(&painted), plain);
}

#[test]
fn tables_fit_the_width_of_columns() {
    let emu = emulator(30);
    let out = stdout(&run(wks_at(&emu).env("COLUMNS", "70").args(["connections", "list", "-o", "table"])));
    for line in out.lines() {
        assert!(line.chars().count() <= 70, "{line}");
    }
    assert!(out.contains('…'), "{out}");
    for d in emu.desktops() {
        assert!(out.contains(&d.desktop_id), "ids are never cut");
    }
}

#[test]
fn version_names_the_commit_when_the_build_knows_it() {
    let version = stdout(&run(wks().arg("--version")));
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_owned());
    let plain = concat!("wks ", env!("CARGO_PKG_VERSION"));
    match head {
        // A checkout: the commit it was built from, which is the one checked out.
        Some(head) => {
            let commit = version.trim().strip_prefix(plain).and_then(|c| c.strip_prefix(" (commit "));
            let commit = commit.and_then(|c| c.strip_suffix(')')).unwrap_or_else(|| panic!("{version}"));
            assert!(commit.len() >= 7 && head.starts_with(commit), "{version} vs {head}");
        }
        // Sources without git: the version alone.
        None => assert_eq!(version.trim(), plain),
    }
}

#[test]
fn top_needs_a_terminal_and_points_to_watch() {
    let emu = emulator(10);
    let o = run(wks_at(&emu).arg("top"));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "wks: top draws on a terminal and stdout is not one; for changes as lines, use `wks connections watch`\n"
    );
    assert_eq!(emu.stats().requests, 0, "nothing sent");
}
