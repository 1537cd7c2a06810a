//! What must not leak, for both clients' tests: a request to a loopback
//! endpoint through a proxy the environment names, and a user name into the text of an error.
//!
//! The proxy variables are the process's own, so each case of [`proxy_cases`] runs the calling
//! test binary again, as a child with the case's variables, and only its test named by
//! [`run_proxy_cases`] (which reads them with [`ChildSetup::from_env`]).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use workspace_core::{ClientOptions, Credentials, Error, Query, RetryPolicy};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, Fault, FaultRule};

/// A user name that must appear in no error's text.
pub const MARKER: &str = "zz_marker_user";

/// A query whose request carries [`MARKER`].
pub fn marked_query() -> Query {
    Query::new().user_names([MARKER]).limit(10)
}

/// Every text an error shows: its `Display` and `Debug`, and those of each of its sources.
pub fn texts(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut cause = Some(e);
    while let Some(c) = cause {
        out.push(c.to_string());
        out.push(format!("{c:?}"));
        cause = c.source();
    }
    out
}

/// Checks that an outcome is an error whose texts hold no [`MARKER`].
pub fn check_texts<T>(name: &str, outcome: Result<T, Error>) -> Result<(), String> {
    let e = match outcome {
        Ok(_) => return Err(format!("{name}: expected an error, got a page")),
        Err(e) => e,
    };
    match texts(&e).into_iter().find(|t| t.contains(MARKER)) {
        Some(text) => Err(format!("{name}: the error shows the user name: {text}")),
        None => Ok(()),
    }
}

/// What makes a call of [`text_rows`] fail.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// The emulator's faults.
    Faults(&'static [(Fault, u32)]),
    /// Nothing listens at the endpoint.
    Refused,
    /// The endpoint answers the TLS handshake with garbage.
    BadTls,
    /// The response is larger than the client accepts.
    TooLarge,
}

/// Every failure both built-in transports can meet, each on a request carrying [`MARKER`].
pub fn text_rows() -> Vec<(&'static str, Failure)> {
    vec![
        ("connection refused", Failure::Refused),
        ("TLS handshake failure", Failure::BadTls),
        ("connection reset", Failure::Faults(&[(Fault::Reset, 1)])),
        ("truncated body", Failure::Faults(&[(Fault::Truncate, 1)])),
        ("malformed JSON in a 200", Failure::Faults(&[(Fault::Malformed, 1)])),
        ("a body that stalls past the attempt timeout", Failure::Faults(&[(Fault::Stall { ms: 3_600_000 }, 1)])),
        ("headers later than the attempt timeout", Failure::Faults(&[(Fault::Delay { ms: 60_000 }, 1)])),
        ("429 with Retry-After", Failure::Faults(&[(Fault::Status { status: 429, retry_after: Some(1) }, 1)])),
        ("429 without Retry-After", Failure::Faults(&[(Fault::Status { status: 429, retry_after: None }, 1)])),
        ("500 with a body", Failure::Faults(&[(Fault::Status { status: 500, retry_after: None }, 1)])),
        ("502 with a body", Failure::Faults(&[(Fault::Status { status: 502, retry_after: None }, 1)])),
        ("503 with a body", Failure::Faults(&[(Fault::Status { status: 503, retry_after: None }, 1)])),
        ("504 with a body", Failure::Faults(&[(Fault::Status { status: 504, retry_after: None }, 1)])),
        ("401", Failure::Faults(&[(Fault::Status { status: 401, retry_after: None }, 1)])),
        ("a response larger than the cap", Failure::TooLarge),
    ]
}

/// An emulator of a few desktops, armed for `failure`, and the options of a call against it
/// without retries and with short timeouts. The emulator is `None` when nothing must listen.
pub fn text_setup(failure: Failure) -> (Option<Emulator>, ClientOptions) {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).expect("the emulator starts");
    let options = ClientOptions::builder()
        .project_id(emu.project_id())
        .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK).expect("demo keys"))
        .retry_policy(RetryPolicy::disabled())
        .attempt_timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_millis(300));
    let options = match failure {
        Failure::Faults(faults) => {
            emu.push_faults(faults.iter().map(|(f, n)| FaultRule::new(f.clone(), *n)));
            options.endpoint(emu.base_url())
        }
        Failure::Refused => options.endpoint(crate::setup::dead_url()),
        Failure::BadTls => options.endpoint(crate::fault_matrix::bad_tls_url()),
        Failure::TooLarge => options.endpoint(emu.base_url()).max_response_bytes(16),
    };
    let emu = if matches!(failure, Failure::Refused | Failure::BadTls) {
        emu.stop();
        None
    } else {
        Some(emu)
    };
    (emu, options.build().expect("options"))
}

/// A local stand-in for a proxy: it records the head of what each connection sends, then
/// refuses with a 403 and closes. It runs until the process ends.
#[derive(Debug)]
pub struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    /// A recorder listening on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                // Only so that a client that sends nothing cannot hold the recorder forever.
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                record.lock().expect("the record").push(String::from_utf8_lossy(&head).into_owned());
                let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        Self { url, seen }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The head of each connection so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("the record").clone()
    }
}

/// Every variable the clients could read for a proxy; a child starts without them.
const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// Where a case's client sends.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The emulator, as `http://127.0.0.1:port`.
    Emulator,
    /// The emulator, as `http://localhost:port`.
    EmulatorAsLocalhost,
    /// Another `https` endpoint, which no test reaches.
    Remote(&'static str),
}

/// What must come of a case.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// The emulator answers, and the proxy sees nothing.
    Served,
    /// The call fails without a word to the proxy (it went straight to the host).
    Direct,
    /// The proxy is asked to `CONNECT` to this `host:port`, with these lines in the request.
    Proxied(&'static str, &'static [&'static str]),
    /// The call fails with an error naming this variable, and the proxy sees nothing.
    Unusable(&'static str),
}

/// One case: variables (`{proxy}` stands for the recorder's URL, `{proxy_host}` for its host
/// and port), an endpoint, and what must happen.
#[derive(Clone, Copy, Debug)]
pub struct ProxyCase {
    /// The case, in words.
    pub name: &'static str,
    /// The child's proxy variables.
    pub vars: &'static [(&'static str, &'static str)],
    /// Where the child's client sends.
    pub target: Target,
    /// What must happen.
    pub expect: Expect,
}

const EVERY_PROXY: &[(&str, &str)] = &[
    ("HTTP_PROXY", "{proxy}"),
    ("http_proxy", "{proxy}"),
    ("HTTPS_PROXY", "{proxy}"),
    ("https_proxy", "{proxy}"),
    ("ALL_PROXY", "{proxy}"),
    ("all_proxy", "{proxy}"),
];

/// A remote endpoint (never resolved here: a proxy resolves what it is asked to reach).
const REMOTE: &str = "https://workspace.cn-north-4.myhuaweicloud.com";
/// An address of TEST-NET-1, which nothing answers: reached straight, the call fails.
const TEST_NET: &str = "https://192.0.2.1";

/// Every case of the proxy variables.
pub fn proxy_cases() -> Vec<ProxyCase> {
    vec![
        ProxyCase {
            name: "127.0.0.1 with every proxy variable set",
            vars: EVERY_PROXY,
            target: Target::Emulator,
            expect: Expect::Served,
        },
        ProxyCase {
            name: "127.0.0.1 while NO_PROXY names only localhost",
            vars: &[
                ("HTTP_PROXY", "{proxy}"),
                ("HTTPS_PROXY", "{proxy}"),
                ("ALL_PROXY", "{proxy}"),
                ("NO_PROXY", "localhost"),
            ],
            target: Target::Emulator,
            expect: Expect::Served,
        },
        ProxyCase {
            name: "localhost with every proxy variable set",
            vars: EVERY_PROXY,
            target: Target::EmulatorAsLocalhost,
            expect: Expect::Served,
        },
        ProxyCase {
            name: "127.0.0.1 with an unusable proxy named",
            vars: &[("ALL_PROXY", "socks5://user:hunter2@{proxy_host}"), ("HTTPS_PROXY", "{proxy}")],
            target: Target::Emulator,
            expect: Expect::Served,
        },
        ProxyCase {
            name: "a remote host through HTTPS_PROXY, with the credentials of its URL",
            vars: &[("HTTPS_PROXY", "http://user:pass@{proxy_host}"), ("NO_PROXY", "localhost,127.0.0.1")],
            target: Target::Remote(REMOTE),
            expect: Expect::Proxied(
                "workspace.cn-north-4.myhuaweicloud.com:443",
                &["proxy-authorization: basic dxnlcjpwyxnz"],
            ),
        },
        ProxyCase {
            name: "a remote host through all_proxy alone",
            vars: &[("all_proxy", "{proxy}")],
            target: Target::Remote(REMOTE),
            expect: Expect::Proxied("workspace.cn-north-4.myhuaweicloud.com:443", &[]),
        },
        ProxyCase {
            name: "an address outside the networks NO_PROXY lists goes through the proxy",
            vars: &[("https_proxy", "{proxy}"), ("no_proxy", "192.0.3.0/24,example.com")],
            target: Target::Remote(TEST_NET),
            expect: Expect::Proxied("192.0.2.1:443", &[]),
        },
        ProxyCase {
            name: "an address in a network NO_PROXY lists goes straight",
            vars: &[("https_proxy", "{proxy}"), ("no_proxy", "example.com, 192.0.2.0/24")],
            target: Target::Remote(TEST_NET),
            expect: Expect::Direct,
        },
        ProxyCase {
            name: "NO_PROXY=* sends everything straight",
            vars: &[("HTTPS_PROXY", "{proxy}"), ("NO_PROXY", "*")],
            target: Target::Remote(TEST_NET),
            expect: Expect::Direct,
        },
        ProxyCase {
            name: "an unusable proxy is an error naming its variable, never a way around it",
            vars: &[("HTTPS_PROXY", "socks5://user:hunter2@{proxy_host}")],
            target: Target::Remote(REMOTE),
            expect: Expect::Unusable("HTTPS_PROXY"),
        },
    ]
}

/// The endpoint and project a child calls, from its environment.
#[derive(Debug)]
pub struct ChildSetup {
    endpoint: String,
    project_id: String,
}

const CHILD_ENDPOINT: &str = "WORKSPACE_PRIVACY_TEST_ENDPOINT";
const CHILD_PROJECT: &str = "WORKSPACE_PRIVACY_TEST_PROJECT";

impl ChildSetup {
    /// The setup a parent gave; `None` when the test runs on its own.
    pub fn from_env() -> Option<Self> {
        Some(Self { endpoint: std::env::var(CHILD_ENDPOINT).ok()?, project_id: std::env::var(CHILD_PROJECT).ok()? })
    }

    /// The options of the child's one call: no retries, short timeouts.
    pub fn options(&self) -> ClientOptions {
        ClientOptions::builder()
            .endpoint(&self.endpoint)
            .project_id(&self.project_id)
            .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK).expect("demo keys"))
            .retry_policy(RetryPolicy::disabled())
            .attempt_timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_millis(500))
            .build()
            .expect("options")
    }
}

/// Prints the outcome of the child's call for its parent.
pub fn report<T>(outcome: Result<T, Error>) {
    match outcome {
        Ok(_) => println!("OUTCOME ok"),
        Err(e) => {
            let marked = texts(&e).iter().any(|t| t.contains(MARKER));
            println!("OUTCOME err marked={marked} {}", e.to_string().replace('\n', " "));
        }
    }
}

/// Runs every case of [`proxy_cases`] in a child running the test `child_test` of this binary;
/// panics with every case that went wrong. Without `tls`, an `https` request cannot be tunnelled:
/// the proxy may see a `CONNECT` at most.
pub fn run_proxy_cases(child_test: &str, tls: bool) {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).expect("the emulator starts");
    let mut failures = Vec::new();
    for case in proxy_cases() {
        let recorder = Recorder::start();
        let proxy_host = recorder.url().trim_start_matches("http://").to_owned();
        let endpoint = match case.target {
            Target::Emulator => emu.base_url(),
            Target::EmulatorAsLocalhost => format!("http://localhost:{}", emu.addr().port()),
            Target::Remote(url) => url.to_owned(),
        };
        let served_before = emu.stats().requests;
        let mut child = Command::new(std::env::current_exe().expect("the test binary"));
        child.args([child_test, "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
        for name in PROXY_VARIABLES {
            child.env_remove(name);
        }
        for (name, value) in case.vars {
            child.env(name, value.replace("{proxy}", recorder.url()).replace("{proxy_host}", &proxy_host));
        }
        child.env(CHILD_ENDPOINT, &endpoint).env(CHILD_PROJECT, emu.project_id());
        let output = child.output().expect("the child runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(outcome) = stdout.lines().find_map(|l| l.split_once("OUTCOME ")).map(|(_, o)| o.to_owned()) else {
            failures.push(format!(
                "{}: the child reported nothing:\n{stdout}\n{}",
                case.name,
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        };
        let served = emu.stats().requests - served_before;
        let seen = recorder.seen();
        let ok = match case.expect {
            Expect::Served => outcome == "ok" && served == 1 && seen.is_empty(),
            Expect::Direct => outcome.starts_with("err ") && seen.is_empty(),
            Expect::Proxied(..) if !tls => {
                outcome.starts_with("err ") && seen.iter().all(|h| h.starts_with("CONNECT "))
            }
            Expect::Proxied(target, lines) => {
                outcome.starts_with("err ")
                    && seen.len() == 1
                    && seen[0].starts_with(&format!("CONNECT {target} "))
                    && lines.iter().all(|l| seen[0].to_ascii_lowercase().contains(l))
            }
            Expect::Unusable(variable) => {
                outcome.starts_with("err ")
                    && outcome.contains(&format!("the proxy in {variable} cannot be used"))
                    && !outcome.contains("hunter2")
                    && seen.is_empty()
            }
        };
        if !ok || outcome.contains("marked=true") {
            failures.push(format!(
                "{}: expected {:?}; the call: {outcome}; requests served: {served}; the proxy saw: {seen:?}",
                case.name, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
