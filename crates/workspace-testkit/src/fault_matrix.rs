//! The fault matrix: each row a fault the emulator makes and what a client with the standard
//! retry policy must do about it. Both clients run every row (the emulator suite).

use std::time::{Duration, SystemTime};

use workspace_core::{ClientOptions, Credentials, Error, GiveUpReason, RetryPolicy, TransportErrorKind};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, Fault, FaultRule};

/// How the client of a row is set up.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientSetup {
    /// Stop the emulator before the call: nothing listens.
    pub stopped: bool,
    /// The client's clock is this many seconds behind.
    pub clock_behind_secs: u64,
    /// The first endpoint is a dead one; the emulator is the fallback.
    pub dead_endpoint_first: bool,
    /// The first endpoint answers the TLS handshake with garbage; the emulator is the fallback.
    pub bad_tls_endpoint_first: bool,
    /// The policy has a deadline of two minutes, far longer than an attempt may take.
    pub long_deadline: bool,
}

/// What must come of the call.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// A page, after this many requests reached the emulator.
    Success {
        /// The requests that reached the emulator.
        requests: u64,
    },
    /// An error, after this many requests reached the emulator, that passes the check.
    Failure {
        /// The requests that reached the emulator.
        requests: u64,
        /// Whether the error is the one expected.
        check: fn(&Error) -> bool,
        /// The error expected, in words.
        what: &'static str,
    },
}

/// One row of the matrix.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// The fault, in words, as `docs/reliability.md` lists it.
    pub name: &'static str,
    /// The emulator's faults, each with how many requests it answers.
    pub faults: &'static [(Fault, u32)],
    /// How the client is set up.
    pub client: ClientSetup,
    /// What must come of the call.
    pub expect: Expect,
}

impl Row {
    /// What must come of the call, in words: `the page`, or the error expected.
    pub fn outcome(&self) -> &'static str {
        match self.expect {
            Expect::Success { .. } => "the page",
            Expect::Failure { what, .. } => what,
        }
    }

    /// How many requests must reach the emulator.
    pub fn requests(&self) -> u64 {
        match self.expect {
            Expect::Success { requests } | Expect::Failure { requests, .. } => requests,
        }
    }
}

/// The limit of each attempt in the matrix.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);

fn transport(kind: TransportErrorKind) -> impl Fn(&Error) -> bool {
    move |e| matches!(e.last_error(), Error::Transport(t) if t.kind() == kind)
}

/// Every row of the matrix.
pub fn rows() -> Vec<Row> {
    const NONE: &[(Fault, u32)] = &[];
    let plain = ClientSetup::default();
    vec![
        Row {
            name: "connection refused (retried, then the last error)",
            faults: NONE,
            client: ClientSetup { stopped: true, ..plain },
            expect: Expect::Failure {
                requests: 0,
                check: |e| transport(TransportErrorKind::Connect)(e) && e.attempts() == 3,
                what: "a connect error after 3 attempts",
            },
        },
        Row {
            name: "connection reset mid-response",
            faults: &[(Fault::Reset, 1)],
            client: plain,
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "truncated body",
            faults: &[(Fault::Truncate, 1)],
            client: plain,
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "malformed JSON in a 200 (not retried)",
            faults: &[(Fault::Malformed, 1)],
            client: plain,
            expect: Expect::Failure {
                requests: 1,
                check: |e| matches!(e, Error::InvalidResponse(r) if r.status() == 200 && r.snippet().is_some_and(|s| !s.as_str().is_empty())),
                what: "an invalid response with its status and a snippet",
            },
        },
        Row {
            name: "a body that stalls (ended by the timeout, retried)",
            faults: &[(Fault::Stall { ms: 3_600_000 }, 1)],
            client: plain,
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "latency past the timeout (retried)",
            faults: &[(Fault::Delay { ms: 3000 }, 1)],
            client: plain,
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "429 with Retry-After: 1",
            faults: &[(Fault::Status { status: 429, retry_after: Some(1) }, 1)],
            client: plain,
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "429 without Retry-After",
            faults: &[(Fault::Status { status: 429, retry_after: None }, 1)],
            client: plain,
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "500 burst shorter than the policy",
            faults: &[(Fault::Status { status: 500, retry_after: None }, 2)],
            client: plain,
            expect: Expect::Success { requests: 3 },
        },
        Row {
            name: "502 burst shorter than the policy",
            faults: &[(Fault::Status { status: 502, retry_after: None }, 2)],
            client: plain,
            expect: Expect::Success { requests: 3 },
        },
        Row {
            name: "503 burst shorter than the policy",
            faults: &[(Fault::Status { status: 503, retry_after: None }, 2)],
            client: plain,
            expect: Expect::Success { requests: 3 },
        },
        Row {
            name: "504 burst shorter than the policy",
            faults: &[(Fault::Status { status: 504, retry_after: None }, 2)],
            client: plain,
            expect: Expect::Success { requests: 3 },
        },
        Row {
            name: "503 burst longer than the policy",
            faults: &[(Fault::Status { status: 503, retry_after: None }, 5)],
            client: plain,
            expect: Expect::Failure {
                requests: 3,
                check: |e| {
                    e.status().map(|s| s.as_u16()) == Some(503)
                        && matches!(e, Error::Retry(r) if *r.reason() == GiveUpReason::AttemptsExhausted)
                },
                what: "the last 503 after 3 attempts",
            },
        },
        Row {
            name: "401 (never retried)",
            faults: &[(Fault::Status { status: 401, retry_after: None }, 1)],
            client: plain,
            expect: Expect::Failure {
                requests: 1,
                check: |e| e.status().map(|s| s.as_u16()) == Some(401) && e.attempts() == 1,
                what: "the 401 after 1 attempt",
            },
        },
        Row {
            name: "clock 1 hour behind (corrected once)",
            faults: NONE,
            client: ClientSetup { clock_behind_secs: 3600, ..plain },
            expect: Expect::Success { requests: 2 },
        },
        Row {
            name: "unreachable first endpoint (fails over)",
            faults: NONE,
            client: ClientSetup { dead_endpoint_first: true, ..plain },
            expect: Expect::Success { requests: 1 },
        },
        Row {
            name: "a first endpoint that fails the TLS handshake (fails over)",
            faults: NONE,
            client: ClientSetup { bad_tls_endpoint_first: true, ..plain },
            expect: Expect::Success { requests: 1 },
        },
        Row {
            name: "a stalled body with a long deadline (each attempt ends at the attempt timeout)",
            faults: &[(Fault::Stall { ms: 3_600_000 }, 1)],
            client: ClientSetup { long_deadline: true, ..plain },
            expect: Expect::Success { requests: 2 },
        },
    ]
}

/// Applies a row's faults to the emulator.
pub fn arm(row: &Row, emu: &Emulator) {
    emu.push_faults(row.faults.iter().map(|(f, n)| FaultRule::new(f.clone(), *n)));
}

/// The client options of a row against `emu`: the standard policy with short waits, the
/// attempt timeout, and the endpoints the row asks for. (Its clock is set on the client.)
pub fn options(row: &Row, emu: &Emulator) -> ClientOptions {
    let mut policy = RetryPolicy::standard().with_backoff(Duration::from_millis(5), Duration::from_millis(5));
    if row.client.long_deadline {
        policy = policy.with_deadline(Duration::from_secs(120));
    }
    let options = ClientOptions::builder()
        .project_id(emu.project_id())
        .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK).expect("demo keys"))
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .retry_policy(policy);
    let options = if row.client.dead_endpoint_first {
        options.endpoint(crate::setup::dead_url()).fallback_endpoints([emu.base_url()])
    } else if row.client.bad_tls_endpoint_first {
        options.endpoint(bad_tls_url()).fallback_endpoints([emu.base_url()])
    } else {
        options.endpoint(emu.base_url())
    };
    options.build().expect("options")
}

/// An `https` URL on loopback whose server answers every TLS handshake with plain-text garbage,
/// for a few connections and a few seconds, then stops by itself.
pub fn bad_tls_url() -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in l.incoming().take(4) {
            let Ok(mut s) = stream else { break };
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut hello = [0u8; 512];
            let _ = s.read(&mut hello);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    url
}

/// A row's emulator of 50 desktops, armed with its faults, the client options against it, and
/// the client's clock.
pub fn start(row: &Row) -> (Emulator, ClientOptions, impl Fn() -> SystemTime + Send + Sync + 'static) {
    let emu = Emulator::start(EmulatorConfig::default().desktops(50)).expect("the emulator starts");
    arm(row, &emu);
    let behind = Duration::from_secs(row.client.clock_behind_secs);
    let options = options(row, &emu);
    (emu, options, move || SystemTime::now() - behind)
}

/// The emulator of a row, stopped when the row asks for nothing listening.
pub fn serving(row: &Row, emu: Emulator) -> Option<Emulator> {
    if row.client.stopped {
        emu.stop();
        None
    } else {
        Some(emu)
    }
}

/// Checks the outcome of a row; `requests` is what reached the emulator.
pub fn check(row: &Row, outcome: Result<u64, Error>, requests: u64) -> Result<(), String> {
    match (row.expect, outcome) {
        (Expect::Success { requests: want }, Ok(_)) if want == requests => Ok(()),
        (Expect::Failure { requests: want, check, .. }, Err(e)) if want == requests && check(&e) => Ok(()),
        (Expect::Success { requests: want }, got) => {
            Err(format!("{}: expected a page after {want} requests, got {got:?} after {requests}", row.name))
        }
        (Expect::Failure { requests: want, what, .. }, got) => {
            Err(format!("{}: expected {what} after {want} requests, got {got:?} after {requests}", row.name))
        }
    }
}
