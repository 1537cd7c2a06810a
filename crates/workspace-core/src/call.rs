//! One operation with its retries, as a state machine: the driver sends and sleeps, the call
//! decides.

use std::time::{Duration, SystemTime};

use http::{Request, Response, StatusCode};
use workspace_types::ListDesktopsConnectStatusRequest;

use crate::client::ClientCore;
use crate::error::{Error, GiveUpReason, RetryError, TransportError, TransportErrorKind};
use crate::iam::{parse_projects, projects_request};
use crate::options::ProjectSource;
use crate::request::build_list_request;
use crate::response::{Page, parse_response};
use crate::retry::{
    CLOCK_SKEW_EVIDENCE, Jitter, MAX_CLOCK_SKEW, RetryBudget, RetryClass, RetryPolicy, classify, offset_between,
    retry_after, shift,
};
use crate::time::{parse_http_date, parse_sdk_date};

/// The most time one attempt may take: the smaller of the options' attempt timeout and what is
/// left of the retry policy's deadline. The call puts it in every request it hands out;
/// transports must honour it as the request's whole timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptTimeout(pub Duration);

/// Which attempt of its call a request is, from 1 (a retry is 2 or more). The call puts it in
/// every request it hands out, for transports that log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt(pub u32);

/// What the call needs next.
#[derive(Debug)]
#[must_use]
pub(crate) enum Action {
    /// Send this request, then report the outcome with `Call::handle`.
    Send(Request<Vec<u8>>),
    /// Wait this long, then poll again.
    Sleep(Duration),
    /// The call is over.
    Done(Result<Page, Error>),
}

#[derive(Debug)]
enum State {
    Ready,
    Waiting(Duration),
    InFlight,
    Finished(Option<Result<Page, Error>>),
}

/// One call of `ListDesktopsConnectStatus` with retries: `poll(now)` says what to do,
/// `handle(outcome, now)` takes the response to the request last handed out. Each attempt is
/// signed afresh at the time passed to `poll`, corrected by the client's learnt clock skew. The
/// call set of an operation is its only driver and keeps its protocol: it polls a
/// call again only after handling what it sent, and never after `Done`.
#[derive(Debug)]
pub(crate) struct Call {
    core: ClientCore,
    request: ListDesktopsConnectStatusRequest,
    policy: RetryPolicy,
    jitter: Jitter,
    attempts: u32,
    retries: u32,
    started: Option<SystemTime>,
    skew_corrected: bool,
    /// The clock offset this call signs with after a clock-skew rejection, kept for the client
    /// only when a request signed with it succeeds.
    skew_candidate: Option<i64>,
    retry_cost: Option<u32>,
    last_timeout_kind: bool,
    phase: Phase,
    endpoint: usize,
    failovers: usize,
    sent_at: Option<SystemTime>,
    signed_at: Option<SystemTime>,
    state: State,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

/// Which request is in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Asking IAM for the project id.
    Discover,
    /// The operation itself.
    List,
}

impl Call {
    pub(crate) fn new(core: ClientCore, request: ListDesktopsConnectStatusRequest, jitter_seed: u64) -> Self {
        let policy = core.options().retry_policy().clone();
        Self {
            request,
            policy,
            jitter: Jitter::new(jitter_seed),
            attempts: 0,
            retries: 0,
            started: None,
            skew_corrected: false,
            skew_candidate: None,
            retry_cost: None,
            last_timeout_kind: false,
            phase: Phase::List,
            endpoint: core.preferred_endpoint(),
            failovers: 0,
            sent_at: None,
            signed_at: None,
            state: State::Ready,
            #[cfg(feature = "tracing")]
            span: tracing::info_span!("workspace.call", operation = "ListDesktopsConnectStatus"),
            core,
        }
    }

    /// How many attempts have been handed out so far.
    #[cfg(test)]
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// What to do next, at time `now`.
    pub(crate) fn poll(&mut self, now: SystemTime) -> Action {
        let started = *self.started.get_or_insert(now);
        match std::mem::replace(&mut self.state, State::InFlight) {
            State::Finished(Some(result)) => {
                self.state = State::Finished(None);
                Action::Done(result)
            }
            State::Finished(None) => panic!("poll was called on a call that is already done"),
            State::Waiting(d) if !d.is_zero() => {
                self.state = State::Ready;
                Action::Sleep(d)
            }
            State::InFlight => panic!("poll was called before the response to the last request was handled"),
            State::Ready | State::Waiting(_) => match self.core.throttled_for(now) {
                // Another call of this client was throttled: wait as it does, so that a
                // concurrent read slows down as a whole instead of each call failing alone.
                Some(wait) => {
                    self.state = State::Ready;
                    Action::Sleep(wait)
                }
                None => self.send(started, now),
            },
        }
    }

    fn send(&mut self, started: SystemTime, now: SystemTime) -> Action {
        self.attempts += 1;
        self.sent_at = Some(now);
        let signed_at = match self.skew_candidate {
            Some(ms) => shift(now, ms),
            None => self.core.skew().adjust(now),
        };
        self.signed_at = Some(signed_at);
        let options = self.core.options();
        let built = match (self.core.project_id(), options.project()) {
            (Some(project), _) | (None, ProjectSource::Id(project)) => {
                self.phase = Phase::List;
                build_list_request(options, &options.endpoints()[self.endpoint], project, &self.request, signed_at)
            }
            (None, ProjectSource::Discover { region, iam }) => {
                self.phase = Phase::Discover;
                projects_request(options, iam, region, signed_at)
            }
        };
        #[cfg(feature = "tracing")]
        tracing::debug!(parent: &self.span, attempt = self.attempts, phase = ?self.phase, endpoint = self.endpoint, "sending");
        match built {
            Ok(mut req) => {
                let mut limit = self.core.options().attempt_timeout();
                if let Some(deadline) = self.policy.deadline() {
                    limit = limit.min((started + deadline).duration_since(now).unwrap_or(Duration::ZERO));
                }
                req.extensions_mut().insert(AttemptTimeout(limit));
                req.extensions_mut().insert(Attempt(self.attempts));
                self.state = State::InFlight;
                Action::Send(req)
            }
            Err(e) => {
                self.state = State::Finished(None);
                Action::Done(Err(self.give_up(e, GiveUpReason::NotRetryable)))
            }
        }
    }

    /// Reports the outcome of the request last handed out, at time `now`.
    pub(crate) fn handle(&mut self, outcome: Result<Response<Vec<u8>>, TransportError>, now: SystemTime) {
        assert!(matches!(self.state, State::InFlight), "handle was called without a request in flight");
        #[cfg(feature = "tracing")]
        self.trace_outcome(&outcome, now);
        let outcome = outcome.map_err(Error::from);
        if self.phase == Phase::Discover {
            let region = match self.core.options().project() {
                ProjectSource::Discover { region, .. } => region.as_str(),
                ProjectSource::Id(_) => "",
            };
            match outcome.and_then(|r| parse_projects(r.status(), r.headers(), r.body(), region)) {
                Ok(project) => {
                    // IAM accepted the signature: the credentials and the clock are good.
                    self.accepted(now);
                    self.core.set_project_id(project);
                    // The operation itself starts afresh, with the whole retry policy.
                    self.attempts = 0;
                    self.retries = 0;
                    self.state = State::Ready;
                }
                Err(e) => self.state = self.decide(e, now),
            }
            return;
        }
        let result = outcome.and_then(|r| parse_response(r.status(), r.headers(), r.body()));
        self.state = match result {
            Ok(page) => {
                self.accepted(now);
                if let Some(budget) = self.core.budget() {
                    budget.refund(self.retry_cost.take().unwrap_or(RetryBudget::SUCCESS_REFUND));
                }
                self.core.prefer_endpoint(self.endpoint);
                State::Finished(Some(Ok(page)))
            }
            Err(e) => self.decide(e, now),
        };
    }

    /// A request signed with these credentials and this clock was accepted: the client may send
    /// concurrently from now on, and the clock offset it was signed with is kept and vouched for.
    fn accepted(&mut self, now: SystemTime) {
        self.core.profile().accept_credentials();
        if let Some(ms) = self.skew_candidate.take() {
            self.core.skew().keep(ms);
        }
        self.core.skew().vouch(now);
    }

    #[cfg(feature = "tracing")]
    fn trace_outcome(&self, outcome: &Result<Response<Vec<u8>>, TransportError>, now: SystemTime) {
        let latency_ms = self.sent_at.and_then(|t| now.duration_since(t).ok()).map_or(0, |d| d.as_millis() as u64);
        match outcome {
            Ok(r) => {
                let request_id =
                    r.headers().get(crate::response::X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::debug!(parent: &self.span, attempt = self.attempts, status = r.status().as_u16(), request_id, latency_ms, "response");
            }
            Err(e) => {
                tracing::debug!(parent: &self.span, attempt = self.attempts, kind = ?e.kind(), latency_ms, "transport error");
            }
        }
    }

    /// Retry after a wait, or finish with the error.
    fn decide(&mut self, error: Error, now: SystemTime) -> State {
        self.last_timeout_kind = matches!(&error, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout);
        let endpoints = self.core.options().endpoints().len();
        let unreachable = matches!(&error, Error::Transport(t) if t.kind() == TransportErrorKind::Connect);
        if unreachable && self.phase == Phase::List && self.failovers + 1 < endpoints {
            // Another endpoint may be reachable: fail over at once, outside the retry policy.
            self.failovers += 1;
            self.endpoint = (self.endpoint + 1) % endpoints;
            #[cfg(feature = "tracing")]
            tracing::info!(parent: &self.span, endpoint = self.endpoint, "failing over to the next endpoint");
            return State::Ready;
        }
        let class = match classify(&error) {
            None => return self.finish(error, GiveUpReason::NotRetryable),
            Some(class) => class,
        };
        if class == RetryClass::ClockSkew {
            let signed_at = self.signed_at.unwrap_or(now);
            // Evidence of a clock problem: the gateway's time is far from the signing time, but
            // not implausibly far, and no request signed with this client's clock succeeded
            // lately (a success contradicts it).
            let skewed = server_time(&error).filter(|server| {
                let off = server.duration_since(signed_at).unwrap_or_else(|e| e.duration());
                off > CLOCK_SKEW_EVIDENCE && off <= MAX_CLOCK_SKEW
            });
            let contradicted = self.core.skew().vouched_within(now, CLOCK_SKEW_EVIDENCE);
            return match (self.skew_corrected, skewed, contradicted) {
                (false, Some(server), false) => {
                    // The gateway's clock is far from ours: sign again with its time, once. The
                    // offset is kept for the client only if that request succeeds.
                    self.skew_corrected = true;
                    self.skew_candidate = Some(offset_between(server, now));
                    State::Ready
                }
                _ => self.finish(error, GiveUpReason::NotRetryable),
            };
        }
        if self.retries + 1 >= self.policy.max_attempts() {
            return self.finish(error, GiveUpReason::AttemptsExhausted);
        }
        let asked = error
            .as_service_error()
            .and_then(|e| e.headers().get(http::header::RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, now));
        let delay = match asked {
            Some(d) if d > self.policy.max_retry_after() => {
                return self.finish(error, GiveUpReason::RetryAfterTooLong(d));
            }
            // `Retry-After` may lengthen the wait, never shorten it below the policy's floor: `0`
            // or a past date would otherwise retry at once.
            Some(d) => d.max(self.policy.floor(class, self.retries + 1)),
            None => self.policy.backoff(class, self.retries + 1, self.jitter.unit()),
        };
        if let (Some(deadline), Some(started)) = (self.policy.deadline(), self.started) {
            if now + delay >= started + deadline {
                return self.finish(error, GiveUpReason::DeadlineReached);
            }
        }
        if let Some(budget) = self.core.budget() {
            let cost = if self.last_timeout_kind { RetryBudget::TIMEOUT_RETRY_COST } else { RetryBudget::RETRY_COST };
            if !budget.try_acquire(cost) {
                return self.finish(error, GiveUpReason::BudgetExhausted);
            }
            self.retry_cost = Some(cost);
        }
        self.retries += 1;
        if class == RetryClass::Throttling {
            self.core.throttle(now + delay);
        }
        #[cfg(feature = "tracing")]
        tracing::info!(parent: &self.span, attempt = self.attempts, class = ?class, delay_ms = delay.as_millis() as u64, "retrying");
        State::Waiting(delay)
    }

    fn finish(&mut self, error: Error, reason: GiveUpReason) -> State {
        if error.status() == Some(StatusCode::UNAUTHORIZED) {
            // Refused: until a request is accepted again, the client sends one at a time.
            self.core.profile().refuse_credentials();
        }
        #[cfg(feature = "tracing")]
        tracing::info!(parent: &self.span, attempts = self.attempts, status = error.status().map(|s| s.as_u16()), code = error.as_service_error().map(|e| e.code()), reason = ?reason, "giving up");
        State::Finished(Some(Err(self.give_up(error, reason))))
    }

    /// The final error: plain after a single attempt, else with the number of attempts and the
    /// reason.
    fn give_up(&self, error: Error, reason: GiveUpReason) -> Error {
        if self.attempts <= 1 || matches!(error, Error::InvalidRequest(_) | Error::Config(_)) {
            error
        } else {
            Error::Retry(Box::new(RetryError { attempts: self.attempts, reason, last: error }))
        }
    }
}

/// The server's time of a clock-skew rejection: its `Date` header, else the time in its message
/// (`…,server time:20230527T020608Z`).
fn server_time(error: &Error) -> Option<SystemTime> {
    let e = error.as_service_error()?;
    let from_header = e.headers().get(http::header::DATE).and_then(|v| v.to_str().ok()).and_then(parse_http_date);
    from_header.or_else(|| {
        let at = e.message().rfind("server time:")? + "server time:".len();
        parse_sdk_date(e.message().get(at..at + 16)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_core as core;

    trait CallForTest {
        fn call_for_test(&self, seed: u64) -> Call;
    }

    impl CallForTest for ClientCore {
        fn call_for_test(&self, seed: u64) -> Call {
            Call::new(self.clone(), Default::default(), seed)
        }
    }
    use std::time::UNIX_EPOCH;

    fn response(
        status: u16,
        headers: &[(&'static str, &str)],
        body: &str,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let mut r = Response::new(body.as_bytes().to_vec());
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
        for (k, v) in headers {
            r.headers_mut().insert(*k, v.parse().unwrap());
        }
        Ok(r)
    }

    /// A 401 clock-skew rejection whose `Date` is `offset` from `t`.
    fn skewed(t: SystemTime, offset: i64) -> Result<Response<Vec<u8>>, TransportError> {
        let date = httpdate::fmt_http_date(crate::retry::shift(t, offset * 1000));
        response(401, &[("date", &date)], r#"{"error_code":"APIGW.0303","error_msg":"expired"}"#)
    }

    const PAGE: &str = r#"{"desktops":[],"total_count":0}"#;

    #[test]
    fn an_implausible_clock_offset_is_not_believed() {
        let core = core();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let mut call = core.call_for_test(1);
        assert!(matches!(call.poll(t0), Action::Send(_)));
        // A gateway 26 years ahead: a broken Date, not a clock to sign with.
        call.handle(skewed(t0, 26 * 365 * 86_400), t0);
        assert!(matches!(call.poll(t0), Action::Done(Err(e)) if e.status() == Some(StatusCode::UNAUTHORIZED)));
        assert_eq!((call.attempts(), core.skew().offset_ms()), (1, 0), "nothing signed again, nothing kept");
        assert!(!core.profile().credentials_accepted());
    }

    #[test]
    fn a_clock_offset_is_kept_only_when_a_request_signed_with_it_succeeds() {
        let core = core();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let mut call = core.call_for_test(1);
        assert!(matches!(call.poll(t0), Action::Send(_)));
        call.handle(skewed(t0, 3600), t0);
        assert!(matches!(call.poll(t0), Action::Send(_)), "signed again with the gateway's time");
        assert_eq!(core.skew().offset_ms(), 0, "not kept yet");
        call.handle(skewed(t0, 7200), t0);
        assert!(matches!(call.poll(t0), Action::Done(Err(_))));
        assert_eq!(core.skew().offset_ms(), 0, "the request signed with it failed: not kept");
        let mut call = core.call_for_test(2);
        assert!(matches!(call.poll(t0), Action::Send(_)));
        call.handle(skewed(t0, 3600), t0);
        assert!(matches!(call.poll(t0), Action::Send(_)));
        call.handle(response(200, &[], PAGE), t0);
        assert!(matches!(call.poll(t0), Action::Done(Ok(_))));
        assert_eq!(core.skew().offset_ms(), 3_600_000, "kept: a request signed with it succeeded");
    }

    #[test]
    fn a_clock_skew_rejection_soon_after_a_success_is_not_believed() {
        let core = core();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let mut ok = core.call_for_test(1);
        assert!(matches!(ok.poll(t0), Action::Send(_)));
        ok.handle(response(200, &[], PAGE), t0);
        assert!(matches!(ok.poll(t0), Action::Done(Ok(_))));
        assert!(core.profile().credentials_accepted());
        // In the same poll, another request is refused with a Date an hour off: the local clock
        // was just proven good, so this is not a clock problem and nothing is signed again.
        let t1 = t0 + Duration::from_secs(2);
        let mut call = core.call_for_test(2);
        assert!(matches!(call.poll(t1), Action::Send(_)));
        call.handle(skewed(t1, 3600), t1);
        assert!(matches!(call.poll(t1), Action::Done(Err(_))));
        assert_eq!((call.attempts(), core.skew().offset_ms()), (1, 0));
        assert!(!core.profile().credentials_accepted(), "a 401 makes the client send one at a time again");
    }

    #[test]
    fn retry_after_never_shortens_the_wait_below_the_floor() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let throttled = r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#;
        for value in ["0", "Thu, 01 Jan 1970 00:00:00 GMT"] {
            let mut call = core().call_for_test(1);
            assert!(matches!(call.poll(t0), Action::Send(_)));
            call.handle(response(429, &[("retry-after", value)], throttled), t0);
            // The standard throttling base is 1 s: at least half of it.
            assert!(
                matches!(call.poll(t0), Action::Sleep(d) if d >= Duration::from_millis(500)),
                "Retry-After: {value}"
            );
        }
    }

    #[test]
    fn a_throttled_call_holds_back_every_call_of_its_client() {
        let core = core();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let mut a = core.call_for_test(1);
        let mut b = core.call_for_test(2);
        assert!(matches!(a.poll(t0), Action::Send(_)));
        let throttled = r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#;
        a.handle(response(429, &[("retry-after", "2")], throttled), t0);
        // The other call, about to send, waits as long as the throttled one.
        assert!(matches!(b.poll(t0), Action::Sleep(d) if d == Duration::from_secs(2)));
        assert!(matches!(a.poll(t0), Action::Sleep(d) if d == Duration::from_secs(2)));
        let later = t0 + Duration::from_secs(2);
        assert!(matches!(b.poll(later), Action::Send(_)));
        assert!(matches!(a.poll(later), Action::Send(_)));
    }

    #[test]
    #[should_panic(expected = "without a request in flight")]
    fn handling_without_a_request_is_a_driver_bug() {
        let mut call = core().call_for_test(1);
        call.handle(response(200, &[], "{}"), UNIX_EPOCH);
    }
}
