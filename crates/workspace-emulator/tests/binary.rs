//! The `workspace-emulator` program's contract: its flags, its first line, and a clean stop.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Lines, Read};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::SystemTime;

use common::*;

#[test]
fn serves_a_fleet_file_with_given_keys_and_stops_on_ctrl_c() {
    let dir = std::env::temp_dir().join(format!("wks-emu-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fleet = dir.join("fleet.json");
    std::fs::write(
        &fleet,
        r#"{"desktops":[
            {"desktop_id":"d-1","desktop_name":"one","connect_status":"CONNECTED","attach_users":[{"id":"u1","name":"alice","user_group":"users","type":"USER"}]},
            {"desktop_id":"d-2","desktop_name":"two","connect_status":"REGISTERED","attach_users":[]}
        ],"total_count":2}"#,
    )
    .unwrap();
    let args = ["--listen", "127.0.0.1:0", "--fleet", fleet.to_str().unwrap(), "--project-id", "proj1"];
    let mut program = Program::start(&[&args[..], &["--ak", "MYAK", "--sk", "my-sk"]].concat(), Stdio::null());
    let url = program.url.clone();
    assert!(url.starts_with("http://127.0.0.1:"));
    let rest = program.lines(2);
    assert_eq!(rest[0], "project id: proj1");
    assert!(!rest.join("\n").contains("my-sk"), "a secret given on the command line is not printed");
    assert!(!rest.join("\n").contains("demo"), "the demo credentials are off: {rest:?}");

    let resp = send(request_to(&url, "proj1", "", &Auth::keys("MYAK", "my-sk"), SystemTime::now())).unwrap();
    assert_eq!(resp.status(), 200);
    let want: serde_json::Value = serde_json::from_slice(&std::fs::read(&fleet).unwrap()).unwrap();
    assert_eq!(json(&resp), want);
    // Custom keys turn the demo token off too.
    let demo_token = Auth::Token(workspace_emulator::DEMO_AUTH_TOKEN.into());
    let resp = send(request_to(&url, "proj1", "", &demo_token, SystemTime::now())).unwrap();
    assert_eq!(resp.status(), 401);

    let (exit, _) = program.interrupt();
    assert!(exit.success(), "stops cleanly on Ctrl-C: {exit}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_flags_are_refused_with_a_clear_message() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_workspace-emulator")).args(["--status-weights", "1,2"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("give four weights"));
    let out = Command::new(env!("CARGO_BIN_EXE_workspace-emulator"))
        .args(["--fleet", "/no/such/file.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/file.json"));
}

/// Runs the program with `args` and returns its exit code and stderr.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_workspace-emulator")).args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn settings_out_of_bounds_end_with_exit_code_2_and_one_line() {
    for (args, needle) in [
        (&["--desktops", "4294967295"][..], "--desktops"),
        (&["--desktops", "1000001"][..], "1000000"),
        (&["--churn", "1e9"][..], "--churn"),
        (&["--churn", "NaN"][..], "--churn"),
        (&["--churn", "inf"][..], "--churn"),
        (&["--churn", "-1"][..], "--churn"),
        (&["--latency-ms", "60001"][..], "--latency-ms"),
        (&["--rate-limit", "0"][..], "--rate-limit"),
        (&["--rate-limit", "1000001"][..], "--rate-limit"),
        (&["--page-cap", "0"][..], "--page-cap"),
        (&["--page-cap", "2001"][..], "--page-cap"),
        (&["--clock-offset", "400000000"][..], "--clock-offset"),
        (&["--clock-offset", "-400000000"][..], "--clock-offset"),
        (&["--total-count", "some"][..], "--total-count"),
        (&["--skew-error", ""][..], "skew error code"),
        (&["--moves-per-page", "10001"][..], "--moves-per-page"),
        (&["--moves-per-page", "1e3"][..], "--moves-per-page"),
        (&["--fleet-changes-per-page", "101"][..], "--fleet-changes-per-page"),
        (&["--move-seed", "x"][..], "--move-seed"),
    ] {
        let (code, stderr) = refused(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn every_switch_is_accepted_within_bounds() {
    let args = [
        &["--desktops", "80", "--page-cap", "10", "--total-count", "unfiltered", "--skew-error", "APIG.0301"][..],
        &["--clock-offset", "-3600", "--odd-data", "--churn", "1000", "--rate-limit", "1000000"],
        &["--latency-ms", "0", "--admin-token", "s3cret"],
        &["--moves-per-page", "10000", "--fleet-changes-per-page", "100", "--move-seed", "18446744073709551615"],
    ]
    .concat();
    let mut program = Program::start(&args, Stdio::null());
    let url = program.url.clone();
    let rest = program.lines(3);
    assert!(rest.iter().any(|l| l.starts_with("demo credentials:")), "{rest:?}");
    let resp = send(request_to(
        &url,
        workspace_emulator::DEMO_PROJECT_ID,
        "limit=2000&connect_status=CONNECTED",
        &Auth::demo(),
        SystemTime::now() - std::time::Duration::from_secs(3600),
    ))
    .unwrap();
    let v = json(&resp);
    assert_eq!(resp.status(), 200, "{v}");
    assert_eq!(v["desktops"].as_array().unwrap().len(), 10);
    assert_eq!(v["total_count"], 80, "every desktop, those served as null included");
    let admin_get = |path: &str| {
        let req = http::Request::get(format!("{url}{path}")).header("authorization", "Bearer s3cret");
        json(&send(req.body(Vec::new()).unwrap()).unwrap())
    };
    let b = admin_get("/admin/behaviour");
    assert_eq!((b["moves_per_page"].as_u64(), b["fleet_changes_per_page"].as_u64()), (Some(10000), Some(100)), "{b}");
    assert_eq!(b["move_seed"].as_u64(), Some(u64::MAX), "{b}");
    let touched = admin_get("/admin/touched");
    assert!(touched["touched"].as_array().unwrap().len() >= 80, "every desktop moved after the page: {touched}");
    assert!(program.interrupt().0.success());
}

#[test]
fn a_ctrl_c_right_after_listening_stops_cleanly() {
    // The handler is in place before the program says it listens.
    for _ in 0..5 {
        let program = Program::start(&["--listen", "127.0.0.1:0", "--desktops", "1"], Stdio::piped());
        let (exit, stderr) = program.interrupt();
        assert!(exit.success(), "a clean stop on Ctrl-C: {exit}: {stderr}");
        assert!(stderr.contains("workspace-emulator: stopping"), "{stderr}");
    }
}

#[test]
fn listening_beyond_loopback_is_warned_about() {
    let program = Program::start(&["--listen", "0.0.0.0:0", "--desktops", "1"], Stdio::piped());
    assert!(program.url.starts_with("http://0.0.0.0:"));
    let (_, stderr) = program.interrupt();
    assert!(stderr.contains("warning") && stderr.contains("not a loopback address"), "{stderr}");
}

/// The program, started; its stdout stays open until it ends.
struct Program {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    url: String,
}

impl Program {
    /// Starts it with `args` and reads its first line, `listening on URL`.
    fn start(args: &[&str], stderr: Stdio) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_workspace-emulator"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = stdout.next().unwrap().unwrap();
        let url = first.strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {first}")).to_owned();
        Self { child, stdout, url }
    }

    /// The next `n` lines it prints.
    fn lines(&mut self, n: usize) -> Vec<String> {
        self.stdout.by_ref().take(n).map(Result::unwrap).collect()
    }

    /// Sends it Ctrl-C (SIGINT), waits for it to end, and returns its exit status and what it
    /// wrote on stderr (when piped).
    fn interrupt(mut self) -> (ExitStatus, String) {
        let sent = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).unwrap();
        }
        (self.child.wait().unwrap(), stderr)
    }
}

impl Drop for Program {
    /// Ends it even when a test fails halfway.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
