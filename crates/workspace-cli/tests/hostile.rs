//! `wks` against a misbehaving server: hostile text in every field, huge error messages,
//! failures in the middle of a listing, permanent and transient failures during `watch`, a
//! reader that goes away, and a slow server. The server is written here: a thread on 127.0.0.1
//! that answers each request with a crafted HTTP/1.1 response and stops by itself.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How the server answers one request.
enum Reply {
    /// A status and a JSON body.
    Json(u16, String),
    /// Nothing: the connection is held open for a while, then closed.
    Stall,
}

/// A server that answers at most `max` requests, for at most a minute.
struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn start(max: usize, answer: impl Fn(usize, &str) -> Reply + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&requests);
        thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(60);
            while Instant::now() < until && seen.load(Ordering::SeqCst) < max {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(target) = read_request(&stream) {
                            let n = seen.fetch_add(1, Ordering::SeqCst);
                            respond(stream, answer(n, &target));
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(5)),
                    Err(_) => return,
                }
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads a request's head; returns its target (path and query).
fn read_request(stream: &TcpStream) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
    }
    first.split(' ').nth(1).map(str::to_owned)
}

fn respond(mut stream: TcpStream, reply: Reply) {
    match reply {
        Reply::Json(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Request-Id: req-1\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
        }
        Reply::Stall => thread::sleep(Duration::from_secs(10)),
    }
}

/// A query parameter of a request target.
fn param(target: &str, name: &str) -> Option<u32> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

fn page(desktops: &[Value], total: usize) -> Reply {
    Reply::Json(200, json!({"desktops": desktops, "total_count": total}).to_string())
}

fn error(status: u16, code: &str, msg: &str) -> Reply {
    Reply::Json(status, json!({"error_code": code, "error_msg": msg}).to_string())
}

/// A plain desktop.
fn desktop(i: usize) -> Value {
    json!({
        "desktop_id": format!("id-{i:05}"),
        "desktop_name": format!("desk-{i:05}"),
        "connect_status": "CONNECTED",
        "attach_users": [{"id": "u", "name": format!("user{i}"), "user_group": "users", "type": "USER"}]
    })
}

/// Escape sequences that clear the screen, set the title, write the clipboard, plant a link,
/// forge a row, reverse text, and a C1 control.
const HOSTILE: &str = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;aGVsbG8=\x07\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\\rforged\nwks: success\u{202e}txt\u{9b}31m\u{85}";

/// A desktop with hostile text in every field; the id and user names also start formulas.
fn hostile_desktop(i: usize, status: &str) -> Value {
    json!({
        "desktop_id": format!("=cmd|' /C calc'!A{i}{HOSTILE}"),
        "desktop_name": format!("{HOSTILE}桌面{i}"),
        "connect_status": status,
        "attach_users": [
            {"id": "u1", "name": format!("+{HOSTILE}"), "user_group": "users", "type": "USER"},
            {"id": "g1", "name": format!("@{HOSTILE}"), "user_group": "users", "type": "GROUP"}
        ]
    })
}

/// An empty home, so that no real configuration is ever read.
fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-hostile-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wks` with keys in the environment and nothing else.
fn wks_with_keys() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear()
        .env("HOME", empty_home())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HUAWEICLOUD_SDK_AK", "TESTAK")
        .env("HUAWEICLOUD_SDK_SK", "test-secret");
    c
}

/// `wks` pointed at `server`, with keys in the environment and nothing else.
fn wks(server: &Server) -> Command {
    let mut c = wks_with_keys();
    c.args(["--endpoint", &server.url, "--project-id", "p"]);
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Asserts that `s` holds nothing a terminal would act on: no ESC, CR, other control character
/// but the line ends, C1 or BiDi control.
fn assert_inert(s: &str) {
    for c in s.chars() {
        let bidi =
            matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!((!c.is_control() || c == '\n') && !bidi && c != '\u{2028}' && c != '\u{2029}', "{c:?} in {s:?}");
    }
}

/// Waits (bounded) for `child` to exit.
fn wait_for(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wks did not exit within {within:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn run(c: &mut Command) -> Output {
    c.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn hostile_text_is_inert_in_the_table() {
    let server = Server::start(5, |_, _| page(&[hostile_desktop(1, HOSTILE), hostile_desktop(2, "CONNECTED")], 2));
    let o = run(wks(&server).args(["connections", "list", "-o", "table"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_inert(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "header, two rows, the count: {out}");
    assert!(lines[1].contains("\\u{1b}[2J") && lines[1].contains("桌面1") && lines[1].contains("\\u{202e}"));
    assert_eq!(lines[3], "2 of 2 desktops");
}

#[test]
fn hostile_text_is_inert_in_csv_and_formulas_are_defused() {
    let server = Server::start(5, |_, _| page(&[hostile_desktop(1, HOSTILE), desktop(2)], 2));
    let o = run(wks(&server).args(["connections", "list", "-o", "csv"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_inert(&out);
    assert_eq!(out.lines().count(), 3, "a header and one line per desktop: {out}");
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(out.as_bytes()).records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0][0].starts_with("'=cmd"), "{}", &rows[0][0]);
    assert!(rows[0][3].starts_with("'+"), "{}", &rows[0][3]);
    assert!(rows[0][1].contains("桌面1"));
    assert_eq!(&rows[1][0], "id-00002", "plain cells are kept as they are");
}

#[test]
fn hostile_text_is_inert_in_watch() {
    let server = Server::start(10, |n, _| {
        if n == 0 {
            page(&[hostile_desktop(1, "CONNECTED")], 1)
        } else {
            page(&[hostile_desktop(1, HOSTILE), hostile_desktop(2, HOSTILE)], 2)
        }
    });
    let o = run(wks(&server).args(["connections", "watch", "--interval", "0.1", "--iterations", "2", "-o", "table"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_inert(&out);
    assert_eq!(out.lines().count(), 2, "one line per change: {out}");
    assert!(out.contains("appeared as \\u{1b}[2J") && out.contains("CONNECTED -> \\u{1b}[2J"), "{out}");
}

#[test]
fn a_huge_error_message_is_one_bounded_line() {
    let msg = format!("{HOSTILE}{}", "x".repeat(1 << 20));
    let server = Server::start(5, move |_, _| error(400, "WKS.0400\x1b]0;t\x07", &msg));
    let o = run(wks(&server).args(["connections", "list"]));
    assert_eq!(o.status.code(), Some(4));
    let err = text(&o.stderr);
    assert_inert(&err);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.len() < 2000, "{} bytes", err.len());
    assert!(err.starts_with("wks: HTTP 400 WKS.0400\\u{1b}]0;t\\u{7}: \\u{1b}[2J"), "{err}");
    assert!(err.contains("more characters)") && err.contains("[request id req-1]"), "{err}");
}

/// A listing of 3000 desktops in pages of 1000 whose third page fails.
fn failing_listing() -> Server {
    Server::start(10, |_, target| {
        let offset = param(target, "offset").unwrap_or(0) as usize;
        if offset >= 2000 {
            return error(400, "WKS.0001", "bad page");
        }
        let limit = param(target, "limit").unwrap_or(100) as usize;
        let ds: Vec<Value> = (offset..offset + limit).map(desktop).collect();
        page(&ds, 3000)
    })
}

#[test]
fn a_failed_listing_leaves_json_absent() {
    let server = failing_listing();
    let o = run(wks(&server).args(["connections", "list", "--all", "--limit", "1000", "-o", "json"]));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{} bytes on stdout", o.stdout.len());
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("wks: HTTP 400 WKS.0001: bad page"), "{err}");
    // Pages at 0, then 968, 1936 and 2000 together: the one at 1936 may not have reached the
    // server when the failure at 2000 ended the program; nothing is sent after it.
    assert!((3..=4).contains(&server.requests()), "{} requests", server.requests());
}

/// What a failed listing can have released before its failing page: the probe's page, and the
/// pages after it that came back before the failure did.
const PREFIXES: [usize; 3] = [1000, 1968, 2936];

#[test]
fn a_failed_listing_leaves_whole_ndjson_records_and_says_so() {
    let server = failing_listing();
    let o = run(wks(&server).args(["connections", "list", "--all", "--limit", "1000", "-o", "ndjson"]));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.ends_with('\n'));
    let ids: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["desktop_id"].as_str().unwrap().to_owned())
        .collect();
    // Pages go out together: how many were released before the failing one came back depends on
    // the order of the answers, but what was written is whole, in order, and said.
    let n = ids.len();
    assert!(PREFIXES.contains(&n), "{n} desktops");
    assert_eq!(ids, (0..n).map(|i| format!("id-{i:05}")).collect::<Vec<_>>());
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("wks: {n} desktops were written before the error; the output is incomplete")),
        "{err}"
    );
}

#[test]
fn a_failed_listing_leaves_whole_csv_records_and_says_so() {
    let server = failing_listing();
    let o = run(wks(&server).args(["connections", "list", "--all", "--limit", "1000", "-o", "csv"]));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.ends_with('\n'));
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(out.as_bytes()).records().collect::<Result<_, _>>().unwrap();
    let n = rows.len();
    assert!(PREFIXES.contains(&n), "{n} rows");
    assert!(rows.iter().enumerate().all(|(i, r)| r.len() == 4 && r[0] == format!("id-{i:05}")), "{rows:?}");
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("wks: {n} desktops were written before the error; the output is incomplete")),
        "{err}"
    );
}

#[test]
fn watch_ends_at_once_on_a_refused_authentication() {
    for iterations in [None, Some("3")] {
        let server = Server::start(20, |_, _| error(401, "APIGW.0301", "Incorrect IAM authentication information"));
        let mut cmd = wks(&server);
        cmd.args(["connections", "watch", "--interval", "0.1"]);
        if let Some(n) = iterations {
            cmd.args(["--iterations", n]);
        }
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let status = wait_for(&mut child, Duration::from_secs(20));
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        assert_eq!(status.code(), Some(4), "{err}");
        assert_eq!(server.requests(), 1, "never polled again");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("wks: HTTP 401 APIGW.0301"), "{err}");
    }
}

#[test]
fn watch_fails_when_every_poll_failed() {
    let server = Server::start(20, |_, _| error(503, "WKS.0503", "unavailable"));
    let o =
        run(wks(&server).args(["--retries", "0", "connections", "watch", "--interval", "0.1", "--iterations", "3"]));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert_eq!(server.requests(), 3);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("wks: poll failed, trying again in 0.1 s: HTTP 503 WKS.0503"), "{err}");
    assert!(lines[1].starts_with("wks: poll failed (2 in a row), trying again in 0.1 s: HTTP 503"), "{err}");
    assert!(lines[2].starts_with("wks: HTTP 503 WKS.0503: unavailable"), "{err}");
}

#[cfg(unix)]
#[test]
fn watch_ends_when_its_reader_goes_away_on_a_quiet_fleet() {
    let server = Server::start(20, |_, _| page(&[desktop(1)], 1));
    let mut child = wks(&server)
        .args(["connections", "watch", "--interval", "60", "-o", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while server.requests() == 0 && Instant::now() < until {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.requests(), 1, "the baseline poll");
    drop(child.stdout.take());
    let status = wait_for(&mut child, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert_eq!(server.requests(), 1, "no poll after the reader went away");
}

#[test]
fn logs_have_no_colour_when_stderr_is_not_a_terminal() {
    // The first attempt fails, so that -v logs a retry decision.
    let server = Server::start(10, |n, _| if n % 2 == 0 { error(503, "X", "busy") } else { page(&[desktop(1)], 1) });
    for verbose in ["-v", "-vv"] {
        let o = run(wks(&server).args([verbose, "connections", "list", "-o", "json"]));
        assert!(o.status.success());
        let err = text(&o.stderr);
        assert!(!err.is_empty(), "{verbose} logs the retry");
        assert!(!err.contains('\x1b'), "{err:?}");
    }
}

#[test]
fn the_deadline_ends_a_command_that_would_wait_for_a_stalled_server() {
    let server = Server::start(5, |_, _| Reply::Stall);
    let o = run(wks(&server).args(["--deadline", "1", "--timeout", "30", "connections", "list", "-o", "json"]));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(5), "{err}");
    assert!(o.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("timed out"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_secret_key_that_is_not_utf8_is_invalid_not_missing() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let server = Server::start(1, |_, _| page(&[], 0));
    let o = run(wks(&server).env("HUAWEICLOUD_SDK_SK", OsStr::from_bytes(b"secret\xff")).args(["connections", "list"]));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_eq!(err.trim_end(), "wks: invalid configuration: HUAWEICLOUD_SDK_SK is set but is not valid UTF-8");
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_documented_status_is_matched_in_any_case() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let server = Server::start(5, move |_, target| {
        log.lock().unwrap().push(target.to_owned());
        page(&[], 0)
    });
    let o = run(wks(&server).args(["connections", "list", "--status", "disConnected", "-o", "json"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let targets = seen.lock().unwrap().clone();
    assert_eq!(targets.len(), 1);
    assert!(targets[0].contains("connect_status=DISCONNECTED"), "{targets:?}");
}

#[test]
fn hostile_errors_are_inert_in_the_doctors_report() {
    // Refused at once; then, on a second run, refused on the second request.
    let server = Server::start(1, |_, _| error(403, HOSTILE, HOSTILE));
    let o = run(wks(&server).args(["doctor", "-o", "table"]));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    let server = Server::start(2, |n, _| if n == 0 { page(&[], 5) } else { error(500, HOSTILE, HOSTILE) });
    let halfway = run(wks(&server).args(["--retries", "0", "doctor", "-o", "table"]));
    assert_eq!(halfway.status.code(), Some(4), "{}", text(&halfway.stderr));
    for o in [&o, &halfway] {
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_inert(&out);
        assert_inert(&err);
        assert_eq!(out.lines().count(), 8, "a header and one line per check: {out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.contains("\\u{1b}]0;pwned"), "{out}");
    }
}

/// `wks` with keys in the environment and nothing else, discovering the project id from IAM.
fn wks_discovering(server: &Server) -> Command {
    let mut c = wks_with_keys();
    c.env("HUAWEICLOUD_SDK_IAM_ENDPOINT", &server.url).args([
        "--endpoint",
        &server.url,
        "--region",
        "cn-north-4",
        "--retries",
        "0",
    ]);
    c
}

#[test]
fn iam_naming_no_project_is_a_broken_contract_not_configuration() {
    let server = Server::start(1, |_, _| Reply::Json(200, json!({"projects": []}).to_string()));
    let o = run(wks_discovering(&server).args(["connections", "list"]));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(6), "{err}");
    assert!(err.contains("IAM names no project"), "{err}");
    assert!(o.stdout.is_empty());
    assert_eq!(server.requests(), 1);
}

#[test]
fn counts_without_total_count_are_a_broken_contract() {
    let server = Server::start(10, |_, _| Reply::Json(200, json!({"desktops": []}).to_string()));
    let o = run(wks(&server).args(["--retries", "0", "connections", "summary", "-o", "json"]));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(6), "{err}");
    assert!(err.contains("total_count"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn concurrency_is_at_least_one() {
    let server = Server::start(1, |_, _| page(&[], 0));
    for bad in ["0", "65", "many"] {
        let o = run(wks(&server).args(["--concurrency", bad, "connections", "list"]));
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o.stderr));
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_sequential_read_gives_the_same_listing() {
    let server = Server::start(20, |_, target| {
        let offset = param(target, "offset").unwrap_or(0) as usize;
        let limit = param(target, "limit").unwrap_or(100) as usize;
        let ds: Vec<Value> = (offset..(offset + limit).min(2500)).map(desktop).collect();
        page(&ds, 2500)
    });
    let args = ["connections", "list", "--all", "--limit", "1000", "-o", "ndjson"];
    let parallel = run(wks(&server).args(args));
    let sequential = run(wks(&server).args(["--concurrency", "1"]).args(args));
    for o in [&parallel, &sequential] {
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(text(&o.stdout).lines().count(), 2500);
    }
    assert_eq!(parallel.stdout, sequential.stdout);
}

#[cfg(not(feature = "emulator"))]
#[test]
fn without_the_emulator_feature_there_is_no_emulator_flag() {
    let help = run(Command::new(env!("CARGO_BIN_EXE_wks")).arg("--help"));
    assert!(help.status.success());
    assert!(!text(&help.stdout).contains("emulator"), "{}", text(&help.stdout));
    let o = run(Command::new(env!("CARGO_BIN_EXE_wks")).args(["--emulator", "connections", "list"]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn the_doctor_names_a_project_iam_does_not_know_under_credentials() {
    let server = Server::start(1, |_, _| Reply::Json(200, json!({"projects": []}).to_string()));
    let o = run(wks_discovering(&server).args(["doctor", "-o", "json"]));
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    let report: Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(report["credentials"]["result"], "FAILED", "{report}");
    let detail = report["credentials"]["detail"].as_str().unwrap();
    assert!(detail.starts_with("the project id could not be discovered") && detail.contains("IAM names no project"));
    assert_eq!(report["endpoint"]["result"], "unknown", "{report}");
}

/// Lists everything against a server of 300 desktops that answers each page with `serve`.
fn list_all(serve: impl Fn(usize, usize) -> Vec<Value> + Send + 'static, total: Option<usize>) -> (Output, usize) {
    let server = Server::start(400, move |_, target| {
        let offset = param(target, "offset").unwrap_or(0) as usize;
        let limit = param(target, "limit").unwrap_or(100) as usize;
        let ds = serve(offset, limit);
        match total {
            Some(t) => page(&ds, t),
            None => Reply::Json(200, json!({ "desktops": ds }).to_string()),
        }
    });
    let o = run(wks(&server).args(["connections", "list", "--all", "--limit", "100", "-o", "ndjson"]));
    (o, server.requests())
}

fn listed(o: &Output) -> Vec<String> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["desktop_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_service_that_ignores_the_offset_is_a_contract_error_not_a_short_list() {
    let (o, requests) = list_all(|_, limit| (0..limit.min(300)).map(desktop).collect(), Some(300));
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("no progress"), "{}", text(&o.stderr));
    assert!(requests <= 4, "the pages planned from the first, then nothing: {requests} requests");
    // Without a total, and one desktop a page: three repeats, not thousands of requests.
    let (o, requests) = list_all(|_, _| vec![desktop(0)], None);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(requests <= 4, "{requests} requests");
}

#[test]
fn pages_that_overlap_by_half_are_read_whole() {
    // Each page starts at half the offset asked: the anchors still join them.
    let (o, _) =
        list_all(|offset, limit| (offset / 2..(offset / 2 + limit).min(300)).map(desktop).collect(), Some(300));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let ids = listed(&o);
    assert_eq!(ids, (0..300).map(|i| format!("id-{i:05}")).collect::<Vec<_>>());
}

#[test]
fn desktops_that_share_an_id_are_a_contract_error() {
    // Three desktops with one id, each on another page.
    let shared = |i: usize| if i % 100 == 7 { desktop(7) } else { desktop(i) };
    let (o, _) = list_all(move |offset, limit| (offset..(offset + limit).min(300)).map(shared).collect(), Some(300));
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("ids are not unique"), "{}", text(&o.stderr));
}

#[test]
fn a_body_that_is_not_an_object_is_a_contract_error() {
    let server = Server::start(5, |_, _| Reply::Json(200, "[]".to_owned()));
    let o = run(wks(&server).args(["connections", "list", "-o", "json"]));
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not an object"), "{}", text(&o.stderr));
}

#[test]
fn a_lone_surrogate_is_read_as_a_replacement_character() {
    let body = r#"{"desktops":[{"desktop_id":"id-1","desktop_name":"a\ud800b","connect_status":"CONNECTED"}],"total_count":1}"#;
    let server = Server::start(5, move |_, _| Reply::Json(200, body.to_owned()));
    let o = run(wks(&server).args(["connections", "list", "-o", "ndjson"]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let d: Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(d["desktop_name"], "a\u{fffd}b");
}

#[test]
fn an_implausible_total_is_not_printed_as_a_count() {
    // Every total is 2^64 - 1, and the fleet is 3 desktops: the summary counts by reading.
    let server = Server::start(20, |_, target| {
        let offset = param(target, "offset").unwrap_or(0) as usize;
        let limit = param(target, "limit").unwrap_or(100) as usize;
        let ds: Vec<Value> = (offset..(offset + limit).min(3)).map(desktop).collect();
        Reply::Json(200, json!({"desktops": ds, "total_count": u64::MAX}).to_string())
    });
    let o = run(wks(&server).args(["connections", "summary", "-o", "json"]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(v["total"], 3, "{v}");
    assert!(!text(&o.stdout).contains("18446744073709551615"));
}
