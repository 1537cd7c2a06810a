//! The one error type of the SDK, and the error that transports report.

use std::fmt;

use http::{HeaderMap, StatusCode};
use workspace_types::ValidationError;

/// A boxed error from a transport's backend.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong with a call.
///
/// `to_string()` always says what a person needs: the field and rule of a validation error, the
/// status, code, message and request id of a service error, the kind and cause of a transport
/// failure, the status and a snippet of a response that could not be understood.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request broke a documented rule. Nothing was sent.
    #[error(transparent)]
    InvalidRequest(#[from] ValidationError),
    /// The request could not be signed. Nothing was sent.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// The request could not be sent, or its response not received. It may have reached the service.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The service answered with an error status.
    #[error(transparent)]
    Service(Box<ServiceError>),
    /// The service answered with a success status but a body that is not the documented JSON.
    #[error(transparent)]
    InvalidResponse(Box<InvalidResponse>),
    /// The client is not configured correctly. Nothing was sent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The call was attempted more than once and gave up: the last error, the number of
    /// attempts, and why it stopped.
    #[error(transparent)]
    Retry(Box<RetryError>),
    /// Paging could not go on.
    #[error(transparent)]
    Paging(#[from] PagingError),
}

impl Error {
    /// The error itself, or for a retried call the last attempt's error.
    pub fn last_error(&self) -> &Error {
        match self {
            Error::Retry(r) => &r.last,
            other => other,
        }
    }

    /// How many attempts were made: 0 when nothing was sent.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Retry(r) => r.attempts,
            Error::InvalidRequest(_) | Error::Signing(_) | Error::Config(_) | Error::Paging(_) => 0,
            _ => 1,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self.last_error() {
            Error::Service(e) => Some(e.status()),
            Error::InvalidResponse(e) => Some(e.status()),
            _ => None,
        }
    }

    /// The request id the service gave, when there was a response that carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self.last_error() {
            Error::Service(e) => e.request_id(),
            Error::InvalidResponse(e) => e.request_id(),
            _ => None,
        }
    }

    /// The service error, when this is one.
    pub fn as_service_error(&self) -> Option<&ServiceError> {
        match self.last_error() {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

impl From<InvalidResponse> for Error {
    fn from(e: InvalidResponse) -> Self {
        Error::InvalidResponse(Box::new(e))
    }
}

/// A call that was attempted more than once, then gave up.
#[derive(Debug)]
pub struct RetryError {
    pub(crate) attempts: u32,
    pub(crate) reason: GiveUpReason,
    pub(crate) last: Error,
}

impl RetryError {
    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why no further attempt was made.
    pub fn reason(&self) -> &GiveUpReason {
        &self.reason
    }

    /// The last attempt's error.
    pub fn last_error(&self) -> &Error {
        &self.last
    }
}

impl fmt::Display for RetryError {
    // The last error is printed here, so it is not also returned by `source()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (gave up after {} attempts: {})", self.last, self.attempts, self.reason)
    }
}

impl std::error::Error for RetryError {}

/// Why a retried call stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The last error may not be retried.
    NotRetryable,
    /// The retry policy's attempts were used up.
    AttemptsExhausted,
    /// The next wait would have ended after the call's deadline.
    DeadlineReached,
    /// The client's retry budget is spent (the service has been failing).
    BudgetExhausted,
    /// The service asked to wait longer than the policy allows.
    RetryAfterTooLong(std::time::Duration),
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUpReason::NotRetryable => f.write_str("the last error is not retryable"),
            GiveUpReason::AttemptsExhausted => f.write_str("no attempts left"),
            GiveUpReason::DeadlineReached => f.write_str("the deadline would pass"),
            GiveUpReason::BudgetExhausted => f.write_str("the client's retry budget is spent"),
            GiveUpReason::RetryAfterTooLong(d) => {
                write!(f, "the service asked to wait {} s, longer than allowed", d.as_secs())
            }
        }
    }
}

/// Paging could not go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagingError {
    /// The service returned the same page again for a later offset.
    #[error("paging made no progress at offset {offset}: the service returned the same page again")]
    NoProgress {
        /// The offset of the repeated page.
        offset: u32,
    },
    /// More desktops match than one query can reach (offset and limit are at most 2000 each).
    #[error(
        "{} desktops match, but one query reaches only the first {reachable} (offset and limit are at most 2000 each); {read} were read. Narrow the query, by connect status or user names, to read the rest",
        total.map_or_else(|| "more".to_owned(), |t| t.to_string())
    )]
    WindowExceeded {
        /// How many match, when the service said.
        total: Option<u64>,
        /// How many one query can reach.
        reachable: u64,
        /// How many were read before stopping.
        read: u64,
    },
    /// A part of a full read cannot be split further and still has more matches than one query
    /// can reach.
    #[error(
        "{part} has {total} matching desktops, but one query reaches only {reachable} (offset and limit are at most 2000 each) and the part cannot be split further"
    )]
    PartTooLarge {
        /// The part, described without user names (for example `connect_status=CONNECTED, 1 user name`).
        part: String,
        /// Its matches.
        total: u64,
        /// How many one query can reach.
        reachable: u64,
    },
    /// Splitting by connection status found fewer desktops than the whole: some have a status
    /// outside the documented four, or changed status while they were counted.
    #[error(
        "{total} desktops match, but the four documented statuses hold only {found}; the rest have another status (or changed status during the read) and cannot be read past the 4,000-desktop window"
    )]
    StatusesIncomplete {
        /// Matches of the query.
        total: u64,
        /// Matches found by status.
        found: u64,
    },
}

/// An error response from the service or its gateway.
#[derive(Clone, Debug)]
pub struct ServiceError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) detail: Option<String>,
    pub(crate) encoded_authorization_message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) headers: HeaderMap,
}

impl ServiceError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code, such as `APIGW.0301`; the status number when the body gave none.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error message; a snippet of the body when the body was not a JSON error.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `error_detail` the service gave, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The encoded authorization message the service gave, if any.
    pub fn encoded_authorization_message(&self) -> Option<&str> {
        self.encoded_authorization_message.as_deref()
    }

    /// The request id, from the `X-Request-Id` header or else the body.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The response's headers (for example `Retry-After` or `Date`).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status.as_u16(), self.code, self.message)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        match &self.request_id {
            Some(id) => write!(f, " [request id {id}]"),
            None => f.write_str(" [no request id]"),
        }
    }
}

impl std::error::Error for ServiceError {}

/// A success status whose body is not the documented JSON.
#[derive(Clone, Debug)]
pub struct InvalidResponse {
    pub(crate) status: StatusCode,
    pub(crate) reason: String,
    pub(crate) snippet: BodySnippet,
    pub(crate) request_id: Option<String>,
}

impl InvalidResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Why the body could not be read.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The start of the body.
    pub fn snippet(&self) -> &BodySnippet {
        &self.snippet
    }

    /// The request id, from the `X-Request-Id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid response (HTTP {}): {}; body: {}", self.status.as_u16(), self.reason, self.snippet)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidResponse {}

/// The start of a response body, made safe to print: at most [`BodySnippet::MAX_BYTES`] bytes,
/// invalid UTF-8 replaced; `Display` quotes it with control characters escaped, so a body can
/// neither flood nor forge a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct BodySnippet {
    text: String,
    total_len: usize,
}

impl BodySnippet {
    /// How many bytes of a body a snippet keeps.
    pub const MAX_BYTES: usize = 256;

    /// The snippet of `body`.
    pub fn new(body: &[u8]) -> Self {
        let head = &body[..body.len().min(Self::MAX_BYTES)];
        Self { text: String::from_utf8_lossy(head).into_owned(), total_len: body.len() }
    }

    /// The snippet's text, unescaped.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The length of the whole body, in bytes.
    pub fn total_len(&self) -> usize {
        self.total_len
    }
}

impl fmt::Display for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total_len == 0 {
            return f.write_str("(empty)");
        }
        write!(f, "{:?}", self.text)?;
        if self.total_len > Self::MAX_BYTES {
            write!(f, "… ({} bytes in all)", self.total_len)?;
        }
        Ok(())
    }
}

impl fmt::Debug for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The client's configuration is wrong or incomplete.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {message}")]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// An error with the given explanation.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// The explanation.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A request could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign the request: {message}")]
pub struct SigningError {
    message: String,
}

impl SigningError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// What kind of failure a transport met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection was made (refused, DNS, TLS handshake): the request was not sent.
    Connect,
    /// A time limit passed: the request may have reached the service.
    Timeout,
    /// The connection failed while sending or receiving (reset, truncated body): the request may
    /// have reached the service.
    Io,
    /// Anything else, such as a response too large to accept.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection broken",
            TransportErrorKind::Other => "transport error",
        })
    }
}

/// A failure to exchange a request and response, as reported by a transport.
///
/// It keeps the backend's own error: reach it with [`get_ref`](Self::get_ref) to downcast.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: BoxError,
}

impl TransportError {
    /// An error of `kind` caused by `source`.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self { kind, source: source.into() }
    }

    /// No connection could be made.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Connect, source)
    }

    /// A time limit passed.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Timeout, source)
    }

    /// The connection broke while sending or receiving.
    pub fn io(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Io, source)
    }

    /// Any other failure.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Other, source)
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The backend's error, to downcast to its own type.
    pub fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }

    /// The backend's error, by value.
    pub fn into_inner(self) -> BoxError {
        self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The backend's message is printed here, so `source()` skips to what caused it.
        write!(f, "{}: {}", self.kind, self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_escaped_and_lossy() {
        let s = BodySnippet::new(b"line1\r\nline2\x1b[31m\xff");
        assert_eq!(s.to_string(), "\"line1\\r\\nline2\\u{1b}[31m\u{fffd}\"");
        let big = vec![b'a'; 10_000];
        let s = BodySnippet::new(&big);
        assert_eq!(s.as_str().len(), BodySnippet::MAX_BYTES);
        assert!(s.to_string().ends_with("… (10000 bytes in all)"));
        assert_eq!(BodySnippet::new(b"").to_string(), "(empty)");
        // A multi-byte character cut in half is replaced, not a panic.
        let mut cut = vec![b'a'; BodySnippet::MAX_BYTES - 1];
        cut.extend_from_slice("张".as_bytes());
        assert!(BodySnippet::new(&cut).as_str().ends_with('\u{fffd}'));
    }

    #[test]
    fn transport_error_prints_kind_and_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let e = Error::from(TransportError::connect(io));
        assert_eq!(e.to_string(), "connection failed: Connection refused");
        assert!(std::error::Error::source(&e).is_none());
        let Error::Transport(t) = e else { unreachable!() };
        assert!(t.get_ref().downcast_ref::<std::io::Error>().is_some());
    }
}
