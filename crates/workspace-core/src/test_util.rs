//! Support for testing code that uses this SDK without a network.
//!
//! - [`Replay`]: scripted responses ([`Scripted`]), handed out in order, with every request
//!   recorded. Both clients' transport traits are implemented for it (`ReplayTransport`).
//! - [`VirtualClock`]: a clock that moves only when something sleeps on it, so retries and
//!   deadlines run instantly and deterministically.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http::{HeaderValue, Request, Response, StatusCode};

use crate::error::{TransportError, TransportErrorKind};

/// One scripted outcome of a request.
#[derive(Clone, Debug)]
pub enum Scripted {
    /// A response.
    Response {
        /// Its status.
        status: u16,
        /// Its headers.
        headers: Vec<(String, String)>,
        /// Its body.
        body: Vec<u8>,
    },
    /// A transport failure of this kind.
    Failure(TransportErrorKind),
}

impl Scripted {
    /// A response with `status` and a JSON `body`.
    pub fn json(status: u16, body: &str) -> Self {
        Scripted::Response {
            status,
            headers: vec![("x-request-id".into(), format!("req-{status}"))],
            body: body.into(),
        }
    }

    /// A page of `count` desktops (ids `d{offset}`, `d{offset+1}`, …) with `total_count`.
    pub fn page(offset: u64, count: u64, total: u64) -> Self {
        let desktops: Vec<String> = (offset..offset + count)
            .map(|i| format!(r#"{{"desktop_id":"d{i}","desktop_name":"desk-{i}","connect_status":"CONNECTED","attach_users":[]}}"#))
            .collect();
        Self::json(200, &format!(r#"{{"desktops":[{}],"total_count":{total}}}"#, desktops.join(",")))
    }

    /// An error response with the service's body.
    pub fn error(status: u16, code: &str) -> Self {
        Self::json(status, &format!(r#"{{"error_code":"{code}","error_msg":"scripted {code}"}}"#))
    }

    /// Adds a header to a response.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Scripted::Response { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    fn into_outcome(self) -> Result<Response<Vec<u8>>, TransportError> {
        match self {
            Scripted::Response { status, headers, body } => {
                let mut r = Response::new(body);
                *r.status_mut() = StatusCode::from_u16(status).map_err(TransportError::other)?;
                for (k, v) in headers {
                    let name = http::HeaderName::from_bytes(k.as_bytes()).map_err(TransportError::other)?;
                    r.headers_mut().append(name, HeaderValue::from_str(&v).map_err(TransportError::other)?);
                }
                Ok(r)
            }
            Scripted::Failure(kind) => Err(TransportError::new(kind, format!("scripted {kind}"))),
        }
    }
}

/// Scripted responses handed out in order, and every request recorded. Clones share both.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    inner: Arc<Mutex<ReplayState>>,
}

#[derive(Debug, Default)]
struct ReplayState {
    script: VecDeque<Scripted>,
    requests: Vec<Request<Vec<u8>>>,
}

impl Replay {
    /// A replay of `script`.
    pub fn new(script: impl IntoIterator<Item = Scripted>) -> Self {
        Self { inner: Arc::new(Mutex::new(ReplayState { script: script.into_iter().collect(), requests: Vec::new() })) }
    }

    /// Records `request` and returns the next scripted outcome; once the script is used up,
    /// a transport error of kind `Other` (which is not retried).
    pub fn respond(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let mut s = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        s.requests.push(request);
        match s.script.pop_front() {
            Some(next) => next.into_outcome(),
            None => Err(TransportError::other("the replay script is used up")),
        }
    }

    /// Appends to the script.
    pub fn push(&self, next: Scripted) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).script.push_back(next);
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request<Vec<u8>>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).requests.clone()
    }
}

/// A clock that moves only when [`sleep`](Self::sleep) is called; every sleep is recorded.
/// Clones share it.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    inner: Arc<Mutex<(SystemTime, Vec<Duration>)>>,
}

impl VirtualClock {
    /// A clock showing `start`.
    pub fn new(start: SystemTime) -> Self {
        Self { inner: Arc::new(Mutex::new((start, Vec::new()))) }
    }

    /// The time now.
    pub fn now(&self) -> SystemTime {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).0
    }

    /// Moves the clock on by `d`, and records it.
    pub fn sleep(&self, d: Duration) {
        let mut s = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        s.0 += d;
        s.1.push(d);
    }

    /// The sleeps so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).1.clone()
    }
}
