//! Whole reads end to end against the emulator: a status too large for one query, reached with
//! `--users-from`, and a fleet that moves while it is read, with the read's report on stderr.
#![cfg(feature = "emulator")]
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use workspace_emulator::{Behaviour, DEMO_AK, DEMO_SK, Desktop, Emulator, EmulatorConfig, TotalCount};

/// A fleet of 9000 desktops, all `UNREGISTER`: one status holds more than one query reaches.
fn one_huge_status(behaviour: Behaviour) -> Emulator {
    let config = EmulatorConfig::default().desktops(9000).seed(5).status_weights([1, 0, 0, 0]);
    Emulator::start(config.behaviour(behaviour)).unwrap()
}

/// A private directory for this test process's files.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-whole-reads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wks` in an empty environment.
fn bare() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", scratch()).env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

/// `wks` pointed at `emu`, with the demo keys in an otherwise empty environment.
fn wks(emu: &Emulator) -> Command {
    let mut c = bare();
    c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", DEMO_SK);
    c.args(["--endpoint", &emu.base_url(), "--project-id", emu.project_id()]);
    c
}

/// Runs `wks` with `args` to its end.
fn run(emu: &Emulator, args: &[&str]) -> Output {
    wks(emu).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn context(o: &Output) -> String {
    format!("exit {:?}; stderr: {}", o.status.code(), text(&o.stderr))
}

/// The distinct user names of `desktops`, sorted.
fn user_names(desktops: &[Desktop]) -> Vec<String> {
    let names: BTreeSet<String> = desktops.iter().flat_map(|d| d.user_names().map(str::to_owned)).collect();
    names.into_iter().collect()
}

/// Writes `names` to a file, one per line, with blank lines and whitespace around some of them
/// and CRLF line ends, which are all ignored.
fn names_file(tag: &str, names: &[String]) -> PathBuf {
    let mut body = String::from("\r\n");
    for (i, n) in names.iter().enumerate() {
        match i % 3 {
            0 => body.push_str(&format!("{n}\r\n")),
            1 => body.push_str(&format!("  {n}\t\n\n")),
            _ => body.push_str(&format!("{n}\n")),
        }
    }
    let path = scratch().join(format!("{tag}.txt"));
    std::fs::write(&path, body).unwrap();
    path
}

/// The ids of an ndjson listing, each of which must come once.
fn listed_once(o: &Output) -> HashSet<String> {
    assert_eq!(o.status.code(), Some(0), "{}", context(o));
    let ids: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["desktop_id"].as_str().unwrap().to_owned())
        .collect();
    let set: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "a desktop was listed twice");
    set
}

fn ids(desktops: &[Desktop]) -> HashSet<String> {
    desktops.iter().map(|d| d.desktop_id.clone()).collect()
}

/// The lines of stderr that report a read.
fn report_lines(o: &Output) -> Vec<String> {
    text(&o.stderr).lines().filter(|l| l.starts_with("wks: read ")).map(str::to_owned).collect()
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_status_too_large_for_one_query_needs_user_names() {
    let emu = one_huge_status(Behaviour::default());
    let fleet = emu.desktops();
    let names = user_names(&fleet);
    let o = run(&emu, &["connections", "list", "--all", "-o", "ndjson"]);
    assert_eq!(o.status.code(), Some(4), "{}", context(&o));
    let err = text(&o.stderr);
    assert!(err.contains("9000") && err.contains("--users-from"), "{err}");
    assert!(report_lines(&o).is_empty(), "no report for a failed read: {err}");

    let file = names_file("every-user", &names);
    let o = run(&emu, &["connections", "list", "--all", "--users-from", path_arg(&file), "-o", "ndjson"]);
    assert_eq!(listed_once(&o), ids(&fleet));
    assert!(o.stderr.is_empty(), "a still fleet, without -v: {}", context(&o));
}

#[test]
fn user_names_come_on_stdin_and_make_a_list_a_whole_read() {
    let emu = one_huge_status(Behaviour::default());
    let fleet = emu.desktops();
    let file = names_file("every-user-stdin", &user_names(&fleet));
    // Without --all: the names serve only whole reads, so the listing is one.
    let o = wks(&emu)
        .args(["connections", "list", "--users-from", "-", "-o", "ndjson"])
        .stdin(Stdio::from(File::open(&file).unwrap()))
        .output()
        .unwrap();
    assert_eq!(listed_once(&o), ids(&fleet));
}

#[test]
fn too_few_user_names_say_how_many_desktops_they_cannot_reach() {
    let emu = one_huge_status(Behaviour::default());
    let fleet = emu.desktops();
    let names = user_names(&fleet);
    let half: HashSet<&str> = names[..names.len() / 2].iter().map(String::as_str).collect();
    let reached = fleet.iter().filter(|d| d.user_names().any(|n| half.contains(n))).count();
    assert!(reached < fleet.len());
    let file = names_file("half-the-users", &names[..names.len() / 2]);
    let o = run(&emu, &["connections", "list", "--all", "--users-from", path_arg(&file), "-o", "ndjson"]);
    assert_eq!(o.status.code(), Some(4), "{}", context(&o));
    let err = text(&o.stderr);
    let missing = format!("{} cannot be reached", fleet.len() - reached);
    assert!(err.contains(&missing), "{missing:?} in {err}");
}

#[test]
fn summary_counts_a_status_too_large_for_one_query() {
    let want = |o: &Output| {
        assert_eq!(o.status.code(), Some(0), "{}", context(o));
        let counts: Value = serde_json::from_slice(&o.stdout).unwrap();
        for (status, n) in
            [("UNREGISTER", 9000), ("REGISTERED", 0), ("CONNECTED", 0), ("DISCONNECTED", 0), ("total", 9000)]
        {
            assert_eq!(counts[status], n, "{status}: {counts}");
        }
    };
    // Totals that follow the filters count without reading: the names are not needed.
    let emu = one_huge_status(Behaviour::default());
    let file = names_file("summary-users", &user_names(&emu.desktops()));
    want(&run(&emu, &["connections", "summary", "--users-from", path_arg(&file), "-o", "json"]));
    assert_eq!(emu.stats().requests, 5);
    // Totals that ignore them: the count reads the desktops, and needs the names.
    let emu = one_huge_status(Behaviour::default().total_count(TotalCount::Unfiltered));
    let o = run(&emu, &["connections", "summary", "-o", "json"]);
    assert_eq!(o.status.code(), Some(4), "{}", context(&o));
    assert!(text(&o.stderr).contains("--users-from"), "{}", context(&o));
    want(&run(&emu, &["connections", "summary", "--users-from", path_arg(&file), "-o", "json"]));
}

#[test]
fn watch_reads_with_user_names() {
    let emu = one_huge_status(Behaviour::default());
    let file = names_file("watch-users", &user_names(&emu.desktops()));
    let o = run(&emu, &["connections", "watch", "--iterations", "1", "-o", "ndjson"]);
    assert_eq!(o.status.code(), Some(4), "a permanent error ends the watch: {}", context(&o));
    assert!(text(&o.stderr).contains("--users-from"), "{}", context(&o));
    let o = run(&emu, &["-v", "connections", "watch", "--iterations", "1", "--users-from", path_arg(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", context(&o));
    assert!(o.stdout.is_empty(), "the first poll is the baseline");
    assert_eq!(report_lines(&o).len(), 1, "{}", context(&o));
    assert!(report_lines(&o)[0].starts_with("wks: read 9000 desktops in "), "{}", context(&o));
}

#[test]
fn a_users_file_that_cannot_be_read_is_a_usage_error() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(10)).unwrap();
    let missing = scratch().join("no-such-file.txt");
    for command in ["list", "summary", "watch"] {
        let o = run(&emu, &["connections", command, "--users-from", path_arg(&missing)]);
        assert_eq!(o.status.code(), Some(2), "{command}: {}", context(&o));
        let err = text(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("wks: cannot read --users-from {}: ", missing.display())), "{err}");
    }
    let not_utf8 = scratch().join("latin1.txt");
    std::fs::write(&not_utf8, b"alice\nj\xf6rg\n").unwrap();
    let o = run(&emu, &["connections", "list", "--users-from", path_arg(&not_utf8)]);
    assert_eq!(o.status.code(), Some(2), "{}", context(&o));
    assert!(text(&o.stderr).contains("not UTF-8 text (at byte 7)"), "{}", context(&o));
    // A single page starts at an offset; a whole read does not.
    let file = names_file("with-offset", &["alice".to_owned()]);
    let o = run(&emu, &["connections", "list", "--offset", "5", "--users-from", path_arg(&file)]);
    assert_eq!(o.status.code(), Some(2), "{}", context(&o));
    assert_eq!(emu.stats().requests, 0, "nothing was sent");
}

#[test]
fn a_moving_fleet_is_listed_whole_and_the_read_reported() {
    let behaviour = Behaviour::default().page_cap(500).moves_per_page(20).move_seed(11);
    let emu = Emulator::start(EmulatorConfig::default().desktops(3000).seed(3).behaviour(behaviour)).unwrap();
    for concurrency in ["1", "8"] {
        let before = ids(&emu.desktops());
        emu.clear_touched();
        let o = run(&emu, &["--concurrency", concurrency, "connections", "list", "--all", "-o", "ndjson"]);
        let listed = listed_once(&o);
        let touched = emu.touched();
        assert!(!touched.is_empty());
        let untouched: HashSet<String> = before.iter().filter(|id| !touched.contains(*id)).cloned().collect();
        assert!(untouched.is_subset(&listed), "{} desktops that kept their status are missing", {
            untouched.difference(&listed).count()
        });
        assert!(listed.is_subset(&before), "moves create no desktop");
        let err = text(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(report_lines(&o).len(), 1, "{err}");
        assert!(err.contains(" changed during the read; "), "{err}");
    }
}

#[test]
fn a_still_fleet_is_reported_only_with_verbose() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(3000).behaviour(Behaviour::default().page_cap(500)))
        .unwrap();
    let all = ids(&emu.desktops());
    let o = run(&emu, &["connections", "list", "--all", "-o", "ndjson"]);
    assert_eq!(listed_once(&o), all);
    assert!(o.stderr.is_empty(), "{}", context(&o));
    let o = run(&emu, &["-v", "connections", "list", "--all", "-o", "ndjson"]);
    assert_eq!(listed_once(&o), all);
    let report = report_lines(&o);
    assert_eq!(report.len(), 1, "{}", context(&o));
    assert!(report[0].starts_with("wks: read 3000 desktops in "), "{}", report[0]);
    assert!(report[0].ends_with("; 0 changed during the read; 0 pages read again"), "{}", report[0]);
    // Every format keeps stdout a pure listing.
    for format in ["json", "csv"] {
        let o = run(&emu, &["-v", "connections", "list", "--all", "-o", format]);
        assert_eq!(o.status.code(), Some(0), "{}", context(&o));
        assert!(!text(&o.stdout).contains("wks: read "), "{format}");
        assert_eq!(report_lines(&o).len(), 1, "{format}: {}", context(&o));
    }
    // A single page is no whole read: no report.
    let o = run(&emu, &["-v", "connections", "list", "--limit", "100", "-o", "ndjson"]);
    assert_eq!(o.status.code(), Some(0), "{}", context(&o));
    assert!(report_lines(&o).is_empty(), "{}", context(&o));
    // Each poll of a watch is one.
    let o = run(&emu, &["connections", "watch", "--iterations", "1"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", context(&o));
    let o = run(&emu, &["-v", "connections", "watch", "--iterations", "1"]);
    assert_eq!(report_lines(&o).len(), 1, "{}", context(&o));
}

#[test]
fn help_shows_users_from() {
    let help = |command: &str| text(&bare().args(["connections", command, "--help"]).output().unwrap().stdout);
    for command in ["list", "summary", "watch"] {
        assert!(help(command).contains("--users-from <FILE>"), "{command}");
    }
    assert!(help("list").contains("Implies --all"));
}
