//! Errors by cause: what a call that fails hands back, and the causes under it.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, UNIX_EPOCH};

use workspace_core::op::{Operation, SendOp, Step};
use workspace_core::test_util::{Replay, Scripted, VirtualClock};
use workspace_core::{
    ClientCore, ClientOptions, Credentials, Error, GiveUpReason, InvalidResponseKind, Query, RetryPolicy,
    TransportError,
};

fn core(policy: RetryPolicy) -> ClientCore {
    let options = ClientOptions::builder()
        .endpoint("http://127.0.0.1:9")
        .project_id("p")
        .credentials(Credentials::ak_sk("ak", "sk").unwrap())
        .retry_policy(policy)
        .jitter_seed(7)
        .build()
        .unwrap();
    ClientCore::new(options)
}

/// The outcome of one call, each request answered by `answer`.
fn call(
    core: &ClientCore,
    mut answer: impl FnMut(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError>,
) -> Result<workspace_core::Page, Error> {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_796_011_200));
    let mut op = SendOp::new(core, &Query::new());
    loop {
        match op.step(clock.now()) {
            Step::Send(ticket, request) => op.complete(ticket, answer(request), clock.now()).unwrap(),
            Step::Sleep(d) => clock.sleep(d),
            Step::Yield(result) => return result,
            Step::Await => panic!("nothing is in flight"),
            Step::Done => panic!("done without a result"),
        }
    }
}

#[test]
fn a_single_attempt_gives_its_own_error_even_when_the_wait_asked_is_too_long() {
    let core = core(RetryPolicy::standard().with_max_retry_after(Duration::from_secs(5)));
    let replay = Replay::new([Scripted::error(429, "APIGW.0308").with_header("retry-after", "60")]);
    let err = call(&core, |r| replay.respond(r)).unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(replay.requests().len(), 1);
}

#[test]
fn a_retried_call_gives_a_retry_error_with_its_attempts() {
    let core = core(RetryPolicy::standard().with_max_attempts(2));
    let replay = Replay::new([Scripted::error(503, "X"), Scripted::error(503, "X")]);
    let err = call(&core, |r| replay.respond(r)).unwrap_err();
    let Error::Retry(retry) = &err else { panic!("{err:?}") };
    assert_eq!(retry.attempts(), 2);
    assert_eq!(retry.reason(), &GiveUpReason::AttemptsExhausted);
}

#[test]
fn the_causes_of_a_retried_transport_failure_reach_the_io_error() {
    let core = core(RetryPolicy::standard().with_max_attempts(2));
    let err = call(&core, |_| {
        Err(TransportError::io(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer")))
    })
    .unwrap_err();
    assert!(matches!(err, Error::Retry(_)), "{err:?}");
    // As anyhow walks an error: each `source()` in turn.
    let mut chain = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(c) = cause {
        chain.push(c);
        cause = c.source();
    }
    let io = chain.iter().find_map(|c| c.downcast_ref::<std::io::Error>()).expect("the io error is a cause");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
    // `Error` is transparent: the retry's cause is the last attempt's error, whose cause is the
    // transport's.
    assert!(matches!(chain[1].downcast_ref::<Error>(), Some(Error::Transport(_))), "{chain:?}");
}

#[test]
fn a_body_that_is_not_json_is_malformed() {
    let core = core(RetryPolicy::disabled());
    let replay = Replay::new([Scripted::json(200, "<html>")]);
    let err = call(&core, |r| replay.respond(r)).unwrap_err();
    let Error::InvalidResponse(e) = &err else { panic!("{err:?}") };
    assert_eq!(e.kind(), InvalidResponseKind::Malformed);
    assert!(e.snippet().is_some());
}

#[test]
fn a_response_too_large_is_known_by_its_limit() {
    let e = TransportError::response_too_large(1024);
    assert_eq!(e.as_response_too_large().map(|r| r.limit()), Some(1024));
    assert_eq!(e.to_string(), "transport error: response larger than 1024 bytes");
    assert!(TransportError::other("x").as_response_too_large().is_none());
}

#[test]
fn a_deadline_is_transient_and_says_its_limit() {
    let e = Error::from(workspace_core::DeadlineExceeded::new("the poll", Duration::from_secs(30)));
    assert!(!e.is_permanent());
    assert_eq!(e.to_string(), "the poll did not finish within its deadline of 30 s");
}

#[test]
fn the_error_stays_small() {
    use std::mem::size_of;
    // No variant is larger than the validation and paging errors it always held.
    let largest = size_of::<workspace_core::types::ValidationError>().max(size_of::<workspace_core::PagingError>());
    assert!(size_of::<Error>() <= largest + 8, "{} > {largest} + 8", size_of::<Error>());
}
