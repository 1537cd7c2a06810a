//! What to retry, how long to wait, and how much retrying a client may do.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::error::{Error, TransportErrorKind};
use crate::time::parse_http_date;

/// How a call retries. The standard policy: at most 3 attempts; connection errors, timeouts,
/// broken connections, 429, 500, 502, 503, 504 and throttling codes are retried; no other 4xx
/// ever is; waits are capped exponential backoff with full jitter, with a short base for
/// transient errors and a longer one for throttling; `Retry-After` is honoured up to a cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    transient_base: Duration,
    throttling_base: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// The standard policy: 3 attempts, 50 ms transient and 1 s throttling backoff bases, waits
    /// capped at 20 s, `Retry-After` honoured up to 20 s, no overall deadline.
    pub fn standard() -> Self {
        Self {
            max_attempts: 3,
            transient_base: Duration::from_millis(50),
            throttling_base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(20),
            deadline: None,
        }
    }

    /// No retries: one attempt (a clock-skew correction is still made once).
    pub fn disabled() -> Self {
        Self { max_attempts: 1, ..Self::standard() }
    }

    /// At most `n` attempts in all (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The backoff bases: the first retry waits up to `transient` (connection errors, timeouts,
    /// 5xx) or `throttling` (429 and throttling codes), doubling with each retry.
    pub fn with_backoff(mut self, transient: Duration, throttling: Duration) -> Self {
        self.transient_base = transient;
        self.throttling_base = throttling;
        self
    }

    /// The longest single wait between attempts.
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// The longest `Retry-After` honoured; a longer one ends the call with the last error.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// An overall limit for a call, attempts and waits included. It is never slept past: a wait
    /// that would end after it ends the call instead, and each attempt gets at most what is left.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The most attempts a call makes.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The overall deadline, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// How long to wait before retry number `retry` (1 for the first) of an error of `class`,
    /// given a jitter draw `unit` in `[0, 1)`: full jitter over a capped exponential.
    pub(crate) fn backoff(&self, class: RetryClass, retry: u32, unit: f64) -> Duration {
        let base = match class {
            RetryClass::Throttling => self.throttling_base,
            RetryClass::Transient | RetryClass::ClockSkew => self.transient_base,
        };
        let exp = base.saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        exp.min(self.max_backoff).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The least a retry waits when the service says how long (`Retry-After`): half the capped
    /// exponential, so that `Retry-After: 0` or a date in the past never retries at once.
    pub(crate) fn floor(&self, class: RetryClass, retry: u32) -> Duration {
        self.backoff(class, retry, 0.5)
    }

    pub(crate) fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }
}

/// Why an error may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub(crate) enum RetryClass {
    /// A connection error, timeout, broken connection or server error.
    Transient,
    /// Throttling: 429 or a throttling code.
    Throttling,
    /// The gateway refused the request's authentication (401 `APIGW.0301` or `APIGW.0303`, or
    /// `APIG.` for either): retried once, with the time corrected, only when the response shows
    /// that the clocks differ by more than [`CLOCK_SKEW_EVIDENCE`]; never otherwise (five
    /// failures in a row lock an AK/SK for five minutes).
    ClockSkew,
}

/// Whether `error` may be retried, and why. Only idempotent failures are: this operation is a
/// GET, so a request that may have reached the service is safe to send again.
pub(crate) fn classify(error: &Error) -> Option<RetryClass> {
    match error {
        Error::Transport(t) => match t.kind() {
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io => {
                Some(RetryClass::Transient)
            }
            _ => None,
        },
        Error::Service(e) => {
            let code = e.code();
            if e.status() == StatusCode::TOO_MANY_REQUESTS || is_code(code, "0308") {
                Some(RetryClass::Throttling)
            } else if e.status() == StatusCode::UNAUTHORIZED && (is_code(code, "0303") || is_code(code, "0301")) {
                Some(RetryClass::ClockSkew)
            } else if matches!(e.status().as_u16(), 500 | 502 | 503 | 504) {
                Some(RetryClass::Transient)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// How far the gateway's clock must be from the time a request was signed with before a 401 is
/// taken for a clock problem. The gateway refuses times more than 15 minutes off, so a real skew
/// is always more than this; an ordinary authentication failure shows clocks within seconds.
pub const CLOCK_SKEW_EVIDENCE: Duration = Duration::from_secs(5 * 60);

/// Whether `code` is the gateway's code `number`, under either prefix (`APIGW.` or `APIG.`).
fn is_code(code: &str, number: &str) -> bool {
    code.strip_prefix("APIGW.").or_else(|| code.strip_prefix("APIG.")) == Some(number)
}

/// How long a `Retry-After` value asks to wait: seconds, or an HTTP date relative to `now`.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A client's retry budget: a token bucket, as AWS's standard mode, so that an outage does not
/// multiply the load on the service. Each retry takes tokens (more after a timeout); each success
/// puts some back. Clones share the bucket.
#[derive(Clone, Debug)]
pub(crate) struct RetryBudget {
    inner: Arc<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: u32,
    capacity: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl RetryBudget {
    /// The standard capacity.
    pub(crate) const DEFAULT_CAPACITY: u32 = 500;
    /// Tokens a retry takes.
    pub(crate) const RETRY_COST: u32 = 5;
    /// Tokens a retry after a timeout takes.
    pub(crate) const TIMEOUT_RETRY_COST: u32 = 10;
    /// Tokens a first-attempt success puts back.
    pub(crate) const SUCCESS_REFUND: u32 = 1;

    /// A full bucket of `capacity` tokens.
    pub(crate) fn new(capacity: u32) -> Self {
        Self { inner: Arc::new(Mutex::new(Bucket { tokens: capacity, capacity })) }
    }

    /// Tokens left.
    #[cfg(test)]
    pub(crate) fn available(&self) -> u32 {
        self.lock().tokens
    }

    /// Takes `cost` tokens if there are enough.
    pub(crate) fn try_acquire(&self, cost: u32) -> bool {
        let mut b = self.lock();
        if b.tokens >= cost {
            b.tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Puts `amount` tokens back, up to the capacity.
    pub(crate) fn refund(&self, amount: u32) {
        let mut b = self.lock();
        b.tokens = b.tokens.saturating_add(amount).min(b.capacity);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A client's correction of its clock, learnt from the gateway's `Date` when it refuses a
/// request's time. Clones share it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClockSkew {
    offset_ms: Arc<std::sync::atomic::AtomicI64>,
    /// When a request signed with the current offset last succeeded (ms since the epoch; 0:
    /// never).
    vouched_ms: Arc<std::sync::atomic::AtomicI64>,
}

impl ClockSkew {
    /// The corrected time: `now` plus the learnt offset.
    pub(crate) fn adjust(&self, now: SystemTime) -> SystemTime {
        shift(now, self.offset_ms.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The learnt offset, in milliseconds (positive when the server is ahead).
    #[cfg(test)]
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Keeps `offset_ms`: a request signed with it succeeded.
    pub(crate) fn keep(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Records that a request signed with the current offset succeeded at `now`: for a while, a
    /// clock-skew rejection contradicts it and is not believed.
    pub(crate) fn vouch(&self, now: SystemTime) {
        let ms = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        self.vouched_ms.store(i64::try_from(ms).unwrap_or(i64::MAX), std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a request signed with the current offset succeeded within `window` before `now`.
    pub(crate) fn vouched_within(&self, now: SystemTime, window: Duration) -> bool {
        let at = self.vouched_ms.load(std::sync::atomic::Ordering::Relaxed);
        at > 0 && shift(SystemTime::UNIX_EPOCH, at) + window >= now
    }
}

/// The offset, in milliseconds, between the server's time and `now` (positive when the server is
/// ahead).
pub(crate) fn offset_between(server: SystemTime, now: SystemTime) -> i64 {
    match server.duration_since(now) {
        Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `t` moved by `ms` milliseconds.
pub(crate) fn shift(t: SystemTime, ms: i64) -> SystemTime {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 { t.checked_add(d).unwrap_or(t) } else { t.checked_sub(d).unwrap_or(t) }
}

/// The largest clock offset to the gateway that is believed: a rejection that shows a larger one
/// (a `Date` decades off, say) is not taken for a clock problem, and nothing is signed again.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(24 * 60 * 60);

/// Small, seedable randomness for jitter (xorshift64*): no dependency, reproducible in tests.
#[derive(Clone, Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// A draw in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransportError;
    use crate::response::service_error;
    use http::HeaderMap;
    use proptest::prelude::*;

    fn service(status: u16, code: &str) -> Error {
        let body = format!(r#"{{"error_code":"{code}","error_msg":"m"}}"#);
        service_error(StatusCode::from_u16(status).unwrap(), &HeaderMap::new(), body.as_bytes()).into()
    }

    #[test]
    fn what_is_retried() {
        assert_eq!(classify(&TransportError::connect("refused").into()), Some(RetryClass::Transient));
        assert_eq!(classify(&TransportError::timeout("slow").into()), Some(RetryClass::Transient));
        assert_eq!(classify(&TransportError::io("reset").into()), Some(RetryClass::Transient));
        assert_eq!(classify(&TransportError::other("too big").into()), None);
        for s in [500, 502, 503, 504] {
            assert_eq!(classify(&service(s, "X")), Some(RetryClass::Transient), "{s}");
        }
        assert_eq!(classify(&service(429, "APIGW.0308")), Some(RetryClass::Throttling));
        assert_eq!(classify(&service(400, "APIG.0308")), Some(RetryClass::Throttling));
        for code in ["APIGW.0303", "APIG.0303", "APIGW.0301", "APIG.0301"] {
            assert_eq!(classify(&service(401, code)), Some(RetryClass::ClockSkew), "{code}");
        }
        for (s, c) in [(400, "WKS.0001"), (401, "APIGW.0302"), (403, "APIGW.0310"), (404, "APIGW.0101"), (501, "X")] {
            assert_eq!(classify(&service(s, c)), None, "{s} {c}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("Mon, 30 Nov 2026 04:00:05 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(retry_after("Mon, 30 Nov 2026 03:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn budget_runs_out_and_refills_to_capacity() {
        let b = RetryBudget::new(12);
        assert!(b.try_acquire(RetryBudget::RETRY_COST));
        assert!(b.try_acquire(RetryBudget::RETRY_COST));
        assert!(!b.try_acquire(RetryBudget::RETRY_COST));
        b.refund(100);
        assert_eq!(b.available(), 12);
        let shared = b.clone();
        assert!(shared.try_acquire(10));
        assert_eq!(b.available(), 2);
    }

    #[test]
    fn skew_is_kept_and_applied_and_a_success_vouches_for_it() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let s = ClockSkew::default();
        assert_eq!(s.adjust(now), now);
        s.keep(offset_between(now + Duration::from_secs(20 * 60), now));
        assert_eq!(s.adjust(now), now + Duration::from_secs(20 * 60));
        s.keep(offset_between(now - Duration::from_secs(90), now));
        assert_eq!((s.adjust(now), s.offset_ms()), (now - Duration::from_secs(90), -90_000));
        assert!(!s.vouched_within(now, CLOCK_SKEW_EVIDENCE));
        s.vouch(now);
        assert!(s.vouched_within(now + Duration::from_secs(299), CLOCK_SKEW_EVIDENCE));
        assert!(!s.vouched_within(now + Duration::from_secs(301), CLOCK_SKEW_EVIDENCE));
    }

    proptest! {
        #[test]
        fn backoff_is_within_the_cap_and_grows(retry in 1u32..40, unit in 0.0f64..1.0) {
            let p = RetryPolicy::standard();
            for class in [RetryClass::Transient, RetryClass::Throttling] {
                let d = p.backoff(class, retry, unit);
                prop_assert!(d <= Duration::from_secs(20));
                prop_assert!(p.backoff(class, retry, 0.999_999) >= p.backoff(class, retry.saturating_sub(1).max(1), 0.999_999));
            }
        }

        #[test]
        fn jitter_stays_in_the_unit_interval(seed in any::<u64>()) {
            let mut j = Jitter::new(seed);
            for _ in 0..100 {
                let u = j.unit();
                prop_assert!((0.0..1.0).contains(&u));
            }
        }
    }
}
