//! The one error type of the SDK, and the error that transports report.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use workspace_types::ValidationError;

use crate::text::untrusted;

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
    Config(Box<ConfigError>),
    /// The call was attempted more than once and gave up: the last error, the number of
    /// attempts, and why it stopped.
    #[error(transparent)]
    Retry(Box<RetryError>),
    /// Paging could not go on.
    #[error(transparent)]
    Paging(#[from] PagingError),
    /// A whole operation (such as one poll of a watch) took longer than its limit. Transient: the
    /// next one may be quicker.
    #[error(transparent)]
    Deadline(#[from] DeadlineExceeded),
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

    /// Whether asking again with the same request and credentials cannot succeed: bad options or
    /// input, a 4xx other than 429 (such as 401 or 403: never poll those again, five AK/SK
    /// failures in a row lock the key), or a query the API cannot serve whole. Transport errors,
    /// 5xx, 429, invalid responses and a fleet that moved faster than it could be read may pass.
    pub fn is_permanent(&self) -> bool {
        match self.last_error() {
            Error::Paging(e) => !e.is_transient(),
            Error::InvalidRequest(_) | Error::Signing(_) | Error::Config(_) => true,
            Error::Service(e) => e.status().is_client_error() && e.status() != StatusCode::TOO_MANY_REQUESTS,
            _ => false,
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

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(Box::new(e))
    }
}

/// A whole operation took longer than it was allowed: what it was, and its limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} did not finish within its deadline of {} s", limit.as_secs_f64())]
pub struct DeadlineExceeded {
    what: std::borrow::Cow<'static, str>,
    limit: Duration,
}

impl DeadlineExceeded {
    /// `what` (such as "the poll") took longer than `limit`.
    pub fn new(what: impl Into<std::borrow::Cow<'static, str>>, limit: Duration) -> Self {
        Self { what: what.into(), limit }
    }

    /// What took too long.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The limit it passed.
    pub fn limit(&self) -> Duration {
        self.limit
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
    // The last error's text is part of this one, so that one line says everything; `source()`
    // still returns it, for code that walks the causes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (gave up after {} attempts: {})", self.last, self.attempts, self.reason)
    }
}

impl std::error::Error for RetryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.last)
    }
}

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
    /// More desktops match than one query can reach (offset at most 2000, plus one page).
    #[error(
        "{} desktops match, but one query reaches only the first {reachable} (offset at most {}, plus one page); {read} were read. Narrow the query, by connect status or user names, or read the whole fleet, to read the rest",
        total.map_or_else(|| "more".to_owned(), |t| t.to_string()),
        workspace_types::limits::MAX_OFFSET
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
        "{part} has {} matching desktops, but one query reaches only {reachable} (offset at most {}, plus one page) and the part cannot be split further{}",
        if *at_least { format!("at least {total}") } else { total.to_string() },
        workspace_types::limits::MAX_OFFSET,
        if *names_would_help { "; give the read a source of user names (`Query::user_directory`, or `wks --users-from FILE`) to reach its desktops 100 users at a time" } else { "" }
    )]
    PartTooLarge {
        /// The part, described without user names (for example `connect_status=CONNECTED, 1 user name`).
        part: String,
        /// Its matches (a lower bound when `at_least`).
        total: u64,
        /// Whether `total` is only a lower bound (the service's totals could not be trusted).
        at_least: bool,
        /// How many one query can reach.
        reachable: u64,
        /// Whether a source of user names would reach it (the part filters on no user names).
        names_would_help: bool,
    },
    /// Splitting by connection status found fewer desktops than the whole, by more than the
    /// desktops seen to change during the read: some have a status that was not seen. Transient:
    /// a fleet that moves fast enough can also cause it.
    #[error(
        "{total} desktops match, but the statuses seen hold only {found}; the rest have another status (or changed status during the read) and cannot be read past the window of one query"
    )]
    StatusesIncomplete {
        /// Matches of the query.
        total: u64,
        /// Matches found by status.
        found: u64,
    },
    /// A part read through a source of user names found fewer desktops than the part's total:
    /// the rest are attached to none of the names given.
    #[error(
        "{part} has {total} matching desktops, but the user names given reach only {found}: {} cannot be reached. Give more user names (every user of the project), one per line with `wks --users-from`",
        total.saturating_sub(*found)
    )]
    NamesIncomplete {
        /// The part, described without user names.
        part: String,
        /// Its matches, by its `total_count`.
        total: u64,
        /// Distinct desktops found through the names.
        found: u64,
    },
    /// Two pages of a read could not be shown to join up: the fleet changed faster than it could
    /// be read. Transient: the next read may well succeed.
    #[error(
        "the fleet changed faster than it could be read: after {pages_reread} pages were read again, two pages still shared no desktop to prove that nothing lay between them ({delivered} desktops delivered in {requests} requests). Try again, or read a smaller part (by status or user names)"
    )]
    FleetChanged {
        /// Desktops delivered before the read stopped.
        delivered: u64,
        /// Requests sent.
        requests: u64,
        /// Pages asked again to link pages that shared nothing.
        pages_reread: u64,
    },
}

impl PagingError {
    /// Whether the error may pass by itself (the fleet moved), so that the next read may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, PagingError::FleetChanged { .. } | PagingError::StatusesIncomplete { .. })
    }
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
    // The code, message, detail and request id are the server's text: they are shown escaped and
    // cut, so that they can neither flood nor forge a line of a log or a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} ", self.status.as_u16())?;
        untrusted(f, &self.code, 64)?;
        f.write_str(": ")?;
        untrusted(f, &self.message, MAX_SHOWN_CHARS)?;
        if let Some(d) = &self.detail {
            f.write_str(" (")?;
            untrusted(f, d, MAX_SHOWN_CHARS)?;
            f.write_str(")")?;
        }
        match &self.request_id {
            Some(id) => {
                f.write_str(" [request id ")?;
                untrusted(f, id, 128)?;
                f.write_str("]")
            }
            None => f.write_str(" [no request id]"),
        }
    }
}

/// How many characters of a server's message an error shows.
const MAX_SHOWN_CHARS: usize = 300;

impl std::error::Error for ServiceError {}

/// An answer that breaks the service's contract: a success status whose body is not the
/// documented JSON, a count that is missing, pages that contradict their totals, IAM naming no
/// project. Retrying the same request is unlikely to help.
#[derive(Clone, Debug)]
pub struct InvalidResponse {
    pub(crate) status: StatusCode,
    pub(crate) kind: InvalidResponseKind,
    pub(crate) detail: String,
    pub(crate) snippet: Option<BodySnippet>,
    pub(crate) request_id: Option<String>,
}

/// Which part of the service's contract an answer broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidResponseKind {
    /// The body is not the documented JSON.
    Malformed,
    /// A page arrived that was not asked for.
    UnaskedPage,
    /// Desktop ids are not unique: a page, or the pages of a read, list one desktop twice.
    DuplicateIds,
    /// Paging made no progress: a page repeats an earlier one.
    RepeatedPage,
    /// The pages hold fewer desktops than the service's own total counts.
    ShortOfTotal,
    /// The service gave no `total_count` where one was needed.
    MissingTotal,
    /// A count was made of the wrong number of answers.
    WrongCount,
    /// IAM names no project for the region.
    NoProject,
    /// IAM names more than one project for the region.
    ManyProjects,
}

impl InvalidResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Which part of the contract was broken.
    pub fn kind(&self) -> InvalidResponseKind {
        self.kind
    }

    /// What was wrong, for a person.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The start of the body, when the body itself was the problem.
    pub fn snippet(&self) -> Option<&BodySnippet> {
        self.snippet.as_ref()
    }

    /// The request id, from the `X-Request-Id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid response (HTTP {}): {}", self.status.as_u16(), self.detail)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "; body: {snippet}")?;
        }
        if let Some(id) = &self.request_id {
            f.write_str(" [request id ")?;
            untrusted(f, id, 128)?;
            f.write_str("]")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidResponse {}

impl InvalidResponse {
    /// A broken contract found in answers that were each well-formed (a missing count, pages
    /// that contradict their totals).
    pub(crate) fn contract(
        kind: InvalidResponseKind,
        status: StatusCode,
        detail: impl Into<String>,
        request_id: Option<&str>,
    ) -> Self {
        Self { status, kind, detail: detail.into(), snippet: None, request_id: request_id.map(str::to_owned) }
    }

    /// A body that is not the documented JSON.
    pub(crate) fn malformed(
        status: StatusCode,
        detail: impl Into<String>,
        body: &[u8],
        request_id: Option<&str>,
    ) -> Self {
        Self {
            status,
            kind: InvalidResponseKind::Malformed,
            detail: detail.into(),
            snippet: Some(BodySnippet::new(body)),
            request_id: request_id.map(str::to_owned),
        }
    }
}

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

/// The client's configuration is wrong or incomplete, by cause.
///
/// `Display` says what, where from and why; a secret's value is never kept, so never shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required option is not set.
    #[error("invalid configuration: no {what}: {hint}")]
    Missing {
        /// What is missing, such as `credentials` or `endpoint`.
        what: String,
        /// How to give it.
        hint: String,
    },
    /// One half of a pair (an AK without its SK) is set in a place, the other missing or empty.
    #[error("invalid configuration: {set} is set in {place} but {unset} is {}", if *empty { "empty" } else { "missing" })]
    Incomplete {
        /// The half that is set, as `place` names it.
        set: String,
        /// The half that is not.
        unset: String,
        /// Where the pair was looked for, such as `the environment`.
        place: String,
        /// Whether the other half is set but empty (else it is missing).
        empty: bool,
    },
    /// A value broke a rule.
    #[error("invalid configuration: {}", invalid(what, value.as_deref(), rule, origin))]
    Invalid {
        /// What the value is, such as `endpoint` or `sk`.
        what: String,
        /// The value, quoted in messages; `None` for a secret, or when it says nothing more.
        value: Option<String>,
        /// The rule it broke, as the end of a sentence (`must be printable ASCII`).
        rule: String,
        /// Where it came from.
        origin: ConfigOrigin,
    },
    /// A configuration file could not be read.
    #[error("invalid configuration: cannot read the {file} {}{}: {source}", path.display(), by_variable(named_by.as_deref()))]
    Io {
        /// Which file, such as `credentials file`.
        file: String,
        /// Its path.
        path: PathBuf,
        /// The variable that named the path, if one did.
        named_by: Option<String>,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A configuration file is not in its format.
    #[error("invalid configuration: the {file} {} is not valid {what}: {source}", path.display())]
    Parse {
        /// Which file, such as `credentials file`.
        file: String,
        /// Its path.
        path: PathBuf,
        /// Its format, such as `INI` or `YAML`.
        what: String,
        /// The parser's error.
        source: BoxError,
    },
    /// TLS could not be set up.
    #[error("invalid configuration: cannot set up TLS: {source}")]
    Tls {
        /// The TLS library's error.
        source: BoxError,
    },
    /// The HTTP client could not be built.
    #[error("invalid configuration: cannot build the HTTP client: {source}")]
    Client {
        /// The HTTP library's error.
        source: BoxError,
    },
    /// Something the configuration needs could not be set up, such as a local emulator.
    #[error("invalid configuration: {what}: {source}")]
    Other {
        /// What could not be done, such as `cannot start the emulator`.
        what: String,
        /// Why.
        source: BoxError,
    },
}

impl ConfigError {
    /// `what` is not set; `hint` says how to set it.
    pub fn missing(what: impl Into<String>, hint: impl Into<String>) -> Self {
        ConfigError::Missing { what: what.into(), hint: hint.into() }
    }

    /// `what`, given in code as `value`, breaks `rule`.
    pub fn invalid(what: impl Into<String>, value: impl Into<String>, rule: impl Into<String>) -> Self {
        ConfigError::Invalid {
            what: what.into(),
            value: Some(value.into()),
            rule: rule.into(),
            origin: ConfigOrigin::Code,
        }
    }

    /// `what`, given in code, breaks `rule`; its value is a secret, or says nothing more, and is
    /// not kept.
    pub fn invalid_secret(what: impl Into<String>, rule: impl Into<String>) -> Self {
        ConfigError::Invalid { what: what.into(), value: None, rule: rule.into(), origin: ConfigOrigin::Code }
    }

    /// The error with its value's origin set to `origin` (an error other than `Invalid` is
    /// returned unchanged).
    pub fn with_origin(mut self, origin: ConfigOrigin) -> Self {
        if let ConfigError::Invalid { origin: o, .. } = &mut self {
            *o = origin;
        }
        self
    }
}

/// An `Invalid` error's text: where from (unless the origin is the value's own name), what, the
/// value quoted, the rule.
fn invalid(what: &str, value: Option<&str>, rule: &str, origin: &ConfigOrigin) -> String {
    let place = origin.to_string();
    let mut text = if place.is_empty() || place == what { String::new() } else { format!("{place}: ") };
    text.push_str(what);
    if let Some(v) = value {
        text.push_str(&format!(" {v:?}"));
    }
    if !rule.is_empty() {
        text.push(' ');
        text.push_str(rule);
    }
    text
}

/// ` (named by VAR)`, or nothing.
fn by_variable(var: Option<&str>) -> String {
    var.map(|v| format!(" (named by {v})")).unwrap_or_default()
}

/// Where a configuration value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigOrigin {
    /// A call in code, such as a builder's.
    Code,
    /// A command-line flag, such as `--endpoint`, or another name the caller's user knows.
    Flag(String),
    /// An environment variable, by name.
    Variable(String),
    /// A configuration file, and the section of it.
    File {
        /// The file's path.
        path: PathBuf,
        /// The section, such as `basic`.
        section: Option<String>,
    },
}

impl fmt::Display for ConfigOrigin {
    /// Empty for code; else the flag, the variable, or `the file PATH [SECTION]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigOrigin::Code => Ok(()),
            ConfigOrigin::Flag(name) | ConfigOrigin::Variable(name) => f.write_str(name),
            ConfigOrigin::File { path, section } => {
                write!(f, "the file {}", path.display())?;
                match section {
                    Some(s) => write!(f, " [{s}]"),
                    None => Ok(()),
                }
            }
        }
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

    /// A response larger than `limit` bytes was refused (kind `Other`).
    pub fn response_too_large(limit: u64) -> Self {
        Self::other(ResponseTooLarge { limit })
    }

    /// The refusal of a response too large, when this is one.
    pub fn as_response_too_large(&self) -> Option<&ResponseTooLarge> {
        self.source.downcast_ref()
    }
}

/// A response larger than a transport accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("response larger than {limit} bytes")]
pub struct ResponseTooLarge {
    limit: u64,
}

impl ResponseTooLarge {
    /// The most bytes accepted.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

impl fmt::Display for TransportError {
    // The backend's message and every cause under it are printed here (some backends keep the
    // root cause, such as "connection refused", only in their chain), so that one line says
    // everything; `source()` still returns the backend's error, for code that walks the causes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = format!("{}: {}", self.kind, self.source);
        let mut cause = self.source.source();
        while let Some(c) = cause {
            let text = c.to_string();
            if !shown.contains(&text) {
                shown.push_str(": ");
                shown.push_str(&text);
            }
            cause = c.source();
        }
        untrusted(f, &shown, 2 * MAX_SHOWN_CHARS)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
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
    fn a_service_error_can_neither_flood_nor_steer_a_terminal() {
        let body = format!(
            r#"{{"error_code":"X\u001b]0;t\u0007","error_msg":"bad\r\nwks: success \u202e\u009b {}"}}"#,
            "y".repeat(10_000)
        );
        let e = crate::response::service_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body.as_bytes());
        let shown = e.to_string();
        assert!(shown.len() < 1_000, "{}", shown.len());
        assert!(!shown.chars().any(crate::text::is_unsafe_char), "{shown:?}");
        assert!(shown.contains(r"bad\u{d}\u{a}wks: success \u{202e}\u{9b}"), "{shown}");
        assert!(shown.contains(" more characters)"), "{shown}");
        assert!(e.message().chars().count() > 10_000, "the whole message is kept");
    }

    #[test]
    fn transport_error_prints_kind_and_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let e = Error::from(TransportError::connect(io));
        assert_eq!(e.to_string(), "connection failed: Connection refused");
        let cause = std::error::Error::source(&e).expect("the backend's error");
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
        let Error::Transport(t) = e else { unreachable!() };
        assert!(t.get_ref().downcast_ref::<std::io::Error>().is_some());
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let e = Error::from(TransportError::connect(Outer(inner)));
        assert_eq!(e.to_string(), "connection failed: error sending request: Connection refused");
    }
}
