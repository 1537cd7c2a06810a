//! The behavioural suite: the behaviour every client must show (retries, `Retry-After`, clock
//! skew, deadlines, budgets, failover, discovery, paging), each with its check, over scripted
//! responses. The core's reference driver runs it, and both clients through the behaviour suite.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Request, StatusCode};
use workspace_core::test_util::Scripted;
use workspace_core::{
    AttemptTimeout, ClientOptions, ClientOptionsBuilder, Credentials, Error, GiveUpReason, Page, PagingError, Query,
    RetryPolicy, TransportErrorKind,
};

/// What a scenario runs: one call, or paging to the end.
#[derive(Clone, Debug)]
pub enum Operation {
    /// One call with this limit and offset (`None`: not sent).
    Send {
        /// The limit.
        limit: Option<u32>,
    },
    /// Pages through everything, with this page size and item cap.
    Pages {
        /// The page size.
        limit: u32,
        /// The offset to start at.
        offset: u32,
        /// The cap on items.
        max_items: Option<u64>,
    },
}

/// What a client did in a scenario.
#[derive(Debug)]
pub struct Observed {
    /// The requests it sent.
    pub requests: Vec<Request<Vec<u8>>>,
    /// The sleeps it made.
    pub sleeps: Vec<Duration>,
    /// The pages it returned, in order.
    pub pages: Vec<Page>,
    /// The error it ended with, if any.
    pub error: Option<Error>,
}

impl Observed {
    /// What a client did: the requests it sent, the sleeps it made, and the results it returned,
    /// in order (an error ends them).
    pub fn new(
        requests: Vec<Request<Vec<u8>>>,
        sleeps: Vec<Duration>,
        results: impl IntoIterator<Item = Result<Page, Error>>,
    ) -> Self {
        let (mut pages, mut error) = (Vec::new(), None);
        for result in results {
            assert!(error.is_none(), "nothing may come after an error, which ends the results");
            match result {
                Ok(page) => pages.push(page),
                Err(e) => error = Some(e),
            }
        }
        Self { requests, sleeps, pages, error }
    }
}

/// One behaviour: a script, a policy, an operation, and a check of what the client did.
#[derive(Clone)]
pub struct Scenario {
    /// Its name.
    pub name: &'static str,
    /// The responses, in order.
    pub script: Vec<Scripted>,
    /// The retry policy of the client.
    pub policy: RetryPolicy,
    /// The capacity of the client's retry budget (`None`: no budget).
    pub budget: Option<u32>,
    /// What to run.
    pub operation: Operation,
    tweak: fn(ClientOptionsBuilder) -> ClientOptionsBuilder,
    check: fn(&Observed) -> Result<(), String>,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Scenario {
    /// The client options of this scenario, for an emulated endpoint.
    pub fn options(&self) -> ClientOptions {
        self.builder().build().unwrap_or_else(|e| panic!("scenario {}: {e}", self.name))
    }

    /// The client options of this scenario, unchecked.
    fn builder(&self) -> ClientOptionsBuilder {
        let options = ClientOptions::builder()
            .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
            .credentials(
                Credentials::ak_sk("HPUAEXAMPLEAK0000001", "exampleSecretKey0123456789abcdefghijklmnop")
                    .unwrap_or_else(|_| unreachable!()),
            )
            .retry_policy(self.policy.clone())
            .retry_budget(self.budget);
        (self.tweak)(options)
    }

    /// The query this scenario's operation runs.
    pub fn query(&self) -> Query {
        match self.operation {
            Operation::Send { limit: Some(l) } => Query::new().limit(l),
            Operation::Send { limit: None } => Query::new(),
            Operation::Pages { limit, offset, max_items: None } => Query::new().limit(limit).offset(offset),
            Operation::Pages { limit, offset, max_items: Some(m) } => {
                Query::new().limit(limit).offset(offset).max_items(m)
            }
        }
    }

    /// Checks what a client did against what this scenario expects.
    pub fn check(&self, observed: &Observed) -> Result<(), String> {
        (self.check)(observed).map_err(|e| format!("scenario {}: {e}\nobserved: {observed:#?}", self.name))
    }
}

/// When every scenario's clock starts: 2026-11-30T04:00:00Z.
pub fn start_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_011_200)
}

/// `X-Sdk-Date` of `offset` seconds after the start (the scenarios stay within its day).
fn sdk_date(offset: i64) -> String {
    let (h, m, s) = clock(offset);
    format!("20261130T{h:02}{m:02}{s:02}Z")
}

/// The HTTP date of `offset` seconds after the start.
fn http_date(offset: i64) -> String {
    let (h, m, s) = clock(offset);
    format!("Mon, 30 Nov 2026 {h:02}:{m:02}:{s:02} GMT")
}

fn clock(offset: i64) -> (i64, i64, i64) {
    let t = 4 * 3600 + offset;
    (t / 3600, t % 3600 / 60, t % 60)
}

/// Options for a replayed client outside the scenarios: concurrency 4, no retries.
pub fn replay_options() -> ClientOptions {
    ClientOptions::builder()
        .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
        .project_id("p")
        .credentials(Credentials::ak_sk("ak", "sk").expect("test keys"))
        .retry_policy(RetryPolicy::disabled())
        .concurrency(4)
        .build()
        .expect("replay options")
}

/// The jitter seed the scenarios use.
pub const JITTER_SEED: u64 = 7;

fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what()) }
}

fn counts(o: &Observed, requests: usize, sleeps: usize) -> Result<(), String> {
    expect(o.requests.len() == requests, || format!("{} requests, expected {requests}", o.requests.len()))?;
    expect(o.sleeps.len() == sleeps, || format!("{} sleeps, expected {sleeps}", o.sleeps.len()))
}

fn ok_items(o: &Observed, items: usize) -> Result<(), String> {
    expect(o.error.is_none(), || format!("unexpected error: {:?}", o.error))?;
    let n: usize = o.pages.iter().map(|p| p.desktops().len()).sum();
    expect(n == items, || format!("{n} items, expected {items}"))
}

fn gave_up(o: &Observed, status: u16, attempts: u32, reason: GiveUpReason) -> Result<(), String> {
    let e = o.error.as_ref().ok_or("expected an error")?;
    expect(e.status().map(|s| s.as_u16()) == Some(status), || format!("status {:?}, expected {status}", e.status()))?;
    expect(e.attempts() == attempts, || format!("{} attempts, expected {attempts}", e.attempts()))?;
    match e {
        Error::Retry(r) => expect(*r.reason() == reason, || format!("reason {:?}, expected {reason:?}", r.reason())),
        _ => expect(attempts == 1, || format!("a plain error after {attempts} attempts")),
    }
}

fn date_of(r: &Request<Vec<u8>>) -> String {
    r.headers().get("x-sdk-date").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn send() -> Operation {
    Operation::Send { limit: None }
}

fn scenario(name: &'static str, script: Vec<Scripted>, check: fn(&Observed) -> Result<(), String>) -> Scenario {
    Scenario {
        name,
        script,
        policy: RetryPolicy::standard(),
        budget: Some(500),
        operation: send(),
        tweak: |o| o.project_id(PROJECT_ID),
        check,
    }
}

fn host(r: &Request<Vec<u8>>) -> String {
    r.uri().authority().map(|a| a.to_string()).unwrap_or_default()
}

/// The project id of the scenarios that do not discover it.
const PROJECT_ID: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

/// The behavioural suite: every retry class, what is never retried, `Retry-After`, clock skew,
/// the deadline, the budget, and every paging rule.
pub fn scenarios() -> Vec<Scenario> {
    use Scripted as S;
    let ok = || S::page(0, 3, 3);
    let mut all = vec![
        scenario("success on the first attempt", vec![ok()], |o| {
            counts(o, 1, 0)?;
            ok_items(o, 3)?;
            expect(o.pages[0].request_id() == Some("req-200"), || "request id on success".into())
        }),
        scenario(
            "connection errors are retried",
            vec![S::Failure(TransportErrorKind::Connect), S::Failure(TransportErrorKind::Connect), ok()],
            |o| {
                counts(o, 3, 2)?;
                ok_items(o, 3)
            },
        ),
        scenario("timeouts are retried", vec![S::Failure(TransportErrorKind::Timeout), ok()], |o| {
            counts(o, 2, 1)?;
            ok_items(o, 3)
        }),
        scenario("broken connections are retried", vec![S::Failure(TransportErrorKind::Io), ok()], |o| {
            counts(o, 2, 1)?;
            ok_items(o, 3)
        }),
        scenario("other transport errors are not retried", vec![S::Failure(TransportErrorKind::Other), ok()], |o| {
            counts(o, 1, 0)?;
            expect(matches!(o.error, Some(Error::Transport(_))), || "a transport error".into())
        }),
        scenario("429 is retried with the throttling backoff", vec![S::error(429, "APIGW.0308"), ok()], |o| {
            counts(o, 2, 1)?;
            ok_items(o, 3)?;
            expect(o.sleeps[0] <= Duration::from_secs(1), || format!("first throttling wait {:?}", o.sleeps[0]))
        }),
        scenario("every retried 5xx", vec![S::error(500, "X"), S::error(502, "X"), S::error(503, "X")], |o| {
            counts(o, 3, 2)?;
            gave_up(o, 503, 3, GiveUpReason::AttemptsExhausted)?;
            expect(o.sleeps.iter().all(|s| *s <= Duration::from_millis(100)), || {
                format!("transient waits {:?}", o.sleeps)
            })
        }),
        scenario("504 then success", vec![S::error(504, "APIGW.0201"), ok()], |o| {
            counts(o, 2, 1)?;
            ok_items(o, 3)
        }),
        scenario("a burst longer than the policy ends with the last error", vec![S::error(503, "X"); 5], |o| {
            counts(o, 3, 2)?;
            gave_up(o, 503, 3, GiveUpReason::AttemptsExhausted)?;
            let e = o.error.as_ref().map(|e| e.to_string()).unwrap_or_default();
            expect(e.contains("HTTP 503") && e.contains("gave up after 3 attempts"), || e.clone())
        }),
        scenario("400 is never retried", vec![S::error(400, "WKS.0001"), ok()], |o| {
            counts(o, 1, 0)?;
            gave_up(o, 400, 1, GiveUpReason::NotRetryable)
        }),
        scenario("401 is never retried", vec![S::error(401, "APIGW.0301"), ok()], |o| {
            counts(o, 1, 0)?;
            gave_up(o, 401, 1, GiveUpReason::NotRetryable)
        }),
        scenario("403 is never retried", vec![S::error(403, "APIGW.0310"), ok()], |o| {
            counts(o, 1, 0)?;
            gave_up(o, 403, 1, GiveUpReason::NotRetryable)
        }),
        scenario("404 is never retried", vec![S::error(404, "APIGW.0101"), ok()], |o| {
            counts(o, 1, 0)?;
            gave_up(o, 404, 1, GiveUpReason::NotRetryable)
        }),
        scenario(
            "a malformed 200 is an invalid response, not retried",
            vec![S::json(200, "{\"desktops\":[{"), ok()],
            |o| {
                counts(o, 1, 0)?;
                expect(matches!(o.error, Some(Error::InvalidResponse(_))), || "an invalid response".into())
            },
        ),
        scenario(
            "Retry-After in seconds is honoured, and each attempt is signed afresh",
            vec![S::error(429, "APIGW.0308").with_header("retry-after", "2"), ok()],
            |o| {
                counts(o, 2, 1)?;
                ok_items(o, 3)?;
                expect(o.sleeps == [Duration::from_secs(2)], || format!("sleeps {:?}", o.sleeps))?;
                let (a, b) = (date_of(&o.requests[0]), date_of(&o.requests[1]));
                expect(a != b && b == sdk_date(2), || format!("dates {a} {b}"))?;
                let auth = |r: &Request<Vec<u8>>| r.headers().get("authorization").cloned();
                expect(auth(&o.requests[0]) != auth(&o.requests[1]), || {
                    "the second attempt has its own signature".into()
                })
            },
        ),
        scenario(
            "Retry-After as an HTTP date is honoured",
            vec![S::error(503, "X").with_header("retry-after", &http_date(3)), ok()],
            |o| {
                counts(o, 2, 1)?;
                expect(o.sleeps == [Duration::from_secs(3)], || format!("sleeps {:?}", o.sleeps))
            },
        ),
        scenario(
            "a Retry-After beyond the cap ends the call",
            vec![S::error(429, "APIGW.0308").with_header("retry-after", "120"), ok()],
            |o| {
                counts(o, 1, 0)?;
                gave_up(o, 429, 1, GiveUpReason::RetryAfterTooLong(Duration::from_secs(120)))
            },
        ),
        scenario(
            "clock skew is corrected once, without waiting",
            vec![S::error(401, "APIGW.0303").with_header("date", &http_date(20 * 60)), ok()],
            |o| {
                counts(o, 2, 0)?;
                ok_items(o, 3)?;
                let want = sdk_date(20 * 60);
                expect(date_of(&o.requests[1]) == want, || {
                    format!("corrected date {} != {want}", date_of(&o.requests[1]))
                })
            },
        ),
        scenario(
            "clock skew from the message when there is no Date header",
            vec![
                S::json(
                    401,
                    r#"{"error_code":"APIGW.0303","error_msg":"Incorrect IAM authentication information: signature expired, signature time:20261130T040000Z,server time:20261130T050000Z"}"#,
                ),
                ok(),
            ],
            |o| {
                counts(o, 2, 0)?;
                expect(date_of(&o.requests[1]) == "20261130T050000Z", || date_of(&o.requests[1]))
            },
        ),
        scenario(
            "a 401 APIGW.0301 with the gateway's clock an hour ahead is corrected once",
            vec![S::error(401, "APIGW.0301").with_header("date", &http_date(3600)), ok()],
            |o| {
                counts(o, 2, 0)?;
                ok_items(o, 3)?;
                let want = sdk_date(3600);
                expect(date_of(&o.requests[1]) == want, || date_of(&o.requests[1]))
            },
        ),
        scenario(
            "a 401 APIG.0303 with the gateway's clock behind is corrected once",
            vec![S::error(401, "APIG.0303").with_header("date", &http_date(-(1800))), ok()],
            |o| {
                counts(o, 2, 0)?;
                ok_items(o, 3)
            },
        ),
        scenario(
            "a 401 whose Date shows the clocks agree is never retried",
            vec![S::error(401, "APIGW.0301").with_header("date", &http_date(2)), ok()],
            |o| {
                counts(o, 1, 0)?;
                gave_up(o, 401, 1, GiveUpReason::NotRetryable)
            },
        ),
        scenario(
            "clock skew is corrected only once",
            vec![
                S::error(401, "APIGW.0303").with_header("date", &http_date(3600)),
                S::error(401, "APIGW.0303").with_header("date", &http_date(7200)),
                ok(),
            ],
            |o| {
                counts(o, 2, 0)?;
                gave_up(o, 401, 2, GiveUpReason::NotRetryable)
            },
        ),
    ];
    all.push(Scenario {
        policy: RetryPolicy::standard().with_deadline(Duration::from_secs(1)),
        ..scenario(
            "the deadline is never slept past",
            vec![S::error(503, "X").with_header("retry-after", "2"), ok()],
            |o| {
                counts(o, 1, 0)?;
                let left = o.requests[0].extensions().get::<AttemptTimeout>().copied();
                expect(left == Some(AttemptTimeout(Duration::from_secs(1))), || format!("attempt timeout {left:?}"))?;
                gave_up(o, 503, 1, GiveUpReason::DeadlineReached)
            },
        )
    });
    all.push(Scenario {
        policy: RetryPolicy::standard().with_deadline(Duration::from_secs(300)),
        ..scenario("each attempt gets the attempt timeout, not the whole deadline", vec![ok()], |o| {
            counts(o, 1, 0)?;
            let limit = o.requests[0].extensions().get::<AttemptTimeout>().copied();
            expect(limit == Some(AttemptTimeout(Duration::from_secs(30))), || format!("attempt timeout {limit:?}"))
        })
    });
    all.push(Scenario {
        budget: Some(5),
        ..scenario("an empty retry budget stops retries", vec![S::error(503, "X"), S::error(503, "X"), ok()], |o| {
            counts(o, 2, 1)?;
            gave_up(o, 503, 2, GiveUpReason::BudgetExhausted)
        })
    });
    all.push(Scenario {
        policy: RetryPolicy::disabled(),
        ..scenario("retries can be turned off", vec![S::error(503, "X"), ok()], |o| {
            counts(o, 1, 0)?;
            gave_up(o, 503, 1, GiveUpReason::AttemptsExhausted)
        })
    });
    all.push(Scenario {
        tweak: |o| o.project_id(PROJECT_ID).fallback_endpoints(["https://workspace-backup.example.com"]),
        ..scenario(
            "an unreachable endpoint fails over to the next at once",
            vec![S::Failure(TransportErrorKind::Connect), ok(), ok()],
            |o| {
                counts(o, 2, 0)?;
                ok_items(o, 3)?;
                let hosts: Vec<String> = o.requests.iter().map(host).collect();
                expect(hosts == ["workspace.cn-north-4.myhuaweicloud.com", "workspace-backup.example.com"], || {
                    format!("{hosts:?}")
                })
            },
        )
    });
    all.push(Scenario {
        tweak: |o| o.project_id(PROJECT_ID).fallback_endpoints(["https://workspace-backup.example.com"]),
        ..scenario("service errors do not fail over", vec![S::error(503, "X"), ok()], |o| {
            counts(o, 2, 1)?;
            let hosts: Vec<String> = o.requests.iter().map(host).collect();
            expect(hosts.iter().all(|h| h == "workspace.cn-north-4.myhuaweicloud.com"), || format!("{hosts:?}"))
        })
    });
    all.push(Scenario {
        tweak: |o| o.region("ap-southeast-1"),
        ..scenario(
            "the project id is discovered from IAM by region",
            vec![
                S::json(200, r#"{"projects":[{"id":"0f0e0d0c0b0a09080706050403020100","name":"ap-southeast-1"}]}"#),
                S::error(503, "X"),
                ok(),
            ],
            |o| {
                counts(o, 3, 1)?;
                ok_items(o, 3)?;
                let first = o.requests[0].uri().to_string();
                expect(
                    first == "https://iam.ap-southeast-1.myhuaweicloud.com/v3/projects?name=ap-southeast-1",
                    || first.clone(),
                )?;
                expect(!o.requests[0].headers().contains_key("x-project-id"), || {
                    "no X-Project-Id when asking IAM".into()
                })?;
                let pid = o.requests[2].headers().get("x-project-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                expect(pid == "0f0e0d0c0b0a09080706050403020100", || pid.to_owned())?;
                expect(o.requests[2].uri().path() == "/v2/0f0e0d0c0b0a09080706050403020100/connect-desktops", || {
                    o.requests[2].uri().to_string()
                })
            },
        )
    });
    all.push(Scenario {
        tweak: |o| o.region("af-south-1"),
        ..scenario("discovering no project is a clear error", vec![S::json(200, r#"{"projects":[]}"#), ok()], |o| {
            counts(o, 1, 0)?;
            let e = o.error.as_ref().map(|e| e.to_string()).unwrap_or_default();
            expect(e.contains("IAM names no project \"af-south-1\""), || e.clone())
        })
    });
    let pages = |limit: u32, max_items: Option<u64>| Operation::Pages { limit, offset: 0, max_items };
    all.push(Scenario {
        operation: pages(100, None),
        ..scenario(
            "pages of 100, 100 and 37",
            vec![S::page(0, 100, 237), S::page(94, 100, 237), S::page(188, 49, 237)],
            |o| {
                counts(o, 3, 0)?;
                ok_items(o, 237)?;
                let offsets: Vec<String> =
                    o.requests.iter().map(|r| r.uri().query().unwrap_or("").to_owned()).collect();
                expect(offsets == ["limit=100&offset=0", "limit=100&offset=94", "limit=100&offset=188"], || {
                    format!("{offsets:?}")
                })
            },
        )
    });
    all.push(Scenario {
        operation: pages(100, None),
        ..scenario("paging stops at total_count", vec![S::page(0, 100, 194), S::page(94, 100, 194), ok()], |o| {
            counts(o, 2, 0)?;
            ok_items(o, 194)
        })
    });
    all.push(Scenario {
        operation: pages(100, None),
        ..scenario("paging stops on an empty page", vec![S::json(200, r#"{"desktops":[]}"#), ok()], |o| {
            counts(o, 1, 0)?;
            ok_items(o, 0)
        })
    });
    all.push(Scenario {
        operation: pages(100, Some(150)),
        ..scenario("paging stops at the item cap", vec![S::page(0, 100, 500), S::page(94, 56, 500), ok()], |o| {
            counts(o, 2, 0)?;
            ok_items(o, 150)?;
            expect(o.requests[1].uri().query() == Some("limit=56&offset=94"), || {
                "the last request asks only for what is left, and the overlap".into()
            })
        })
    });
    all.push(Scenario {
        operation: pages(2, None),
        ..scenario("a repeated page is no progress", vec![S::page(0, 2, 10); 4], |o| {
            counts(o, 4, 0)?;
            expect(
                matches!(&o.error, Some(Error::InvalidResponse(e)) if e.detail().contains("no progress: the page at offset 3 repeats")),
                || format!("{:?}", o.error),
            )
        })
    });
    all.push(Scenario {
        operation: pages(2000, None),
        ..scenario(
            "past the 2000-offset window is a clear error",
            vec![S::page(0, 2000, 5000), S::page(1968, 2000, 5000), S::page(2000, 2000, 5000), ok()],
            |o| {
                counts(o, 3, 0)?;
                let n: usize = o.pages.iter().map(|p| p.desktops().len()).sum();
                expect(n == 4000, || format!("{n} items before the error"))?;
                expect(
                    matches!(
                        o.error,
                        Some(Error::Paging(PagingError::WindowExceeded {
                            total: Some(5000),
                            reachable: 4000,
                            read: 4000
                        }))
                    ),
                    || format!("{:?}", o.error),
                )
            },
        )
    });
    all.push(Scenario {
        operation: Operation::Pages { limit: 100, offset: 150, max_items: None },
        ..scenario("paging resumes from an offset", vec![S::page(150, 100, 300), S::page(244, 56, 300)], |o| {
            counts(o, 2, 0)?;
            ok_items(o, 150)
        })
    });
    all.push(Scenario {
        operation: pages(100, None),
        ..scenario(
            "a failed page ends paging after a retry",
            vec![S::page(0, 100, 300), S::error(503, "X"), S::page(94, 100, 300), S::error(400, "WKS.0001"), ok()],
            |o| {
                counts(o, 4, 1)?;
                expect(o.pages.len() == 2, || format!("{} pages", o.pages.len()))?;
                expect(o.error.as_ref().and_then(Error::status) == Some(StatusCode::BAD_REQUEST), || {
                    format!("{:?}", o.error)
                })
            },
        )
    });
    all
}
