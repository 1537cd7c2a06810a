//! The built-in transport, over reqwest.

use std::error::Error as _;
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_core::{
    AttemptTimeout, ConfigError, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, TransportError, TransportErrorKind,
};

use crate::transport::AsyncTransport;

/// The largest response body accepted by default: 64 MiB (a 2,000-desktop page is well under 1 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// An [`AsyncTransport`] over a [`reqwest::Client`]: connection pooling, TLS and proxies as the
/// client is configured. Every status reaches the SDK, and a response larger than the cap is an
/// error. Dropping its future cancels the exchange.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: usize,
}

impl ReqwestTransport {
    /// A transport with its own client: `connect` to establish a connection, `total` for a whole
    /// exchange; redirects are not followed.
    pub fn new(connect: Duration, total: Duration) -> Result<Self, ConfigError> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self::from_client(client))
    }

    /// The default transport: 10 s to connect, 30 s per exchange.
    pub fn with_defaults() -> Result<Self, ConfigError> {
        Self::new(DEFAULT_CONNECT_TIMEOUT, DEFAULT_ATTEMPT_TIMEOUT)
    }

    /// A transport over your own client (for a proxy, your CAs, another TLS setup). Build it
    /// with `redirect(Policy::none())`: the service does not redirect.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES }
    }

    /// Refuses responses larger than `bytes`.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

#[async_trait]
impl AsyncTransport for ReqwestTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let attempt = request.extensions().get::<AttemptTimeout>().map(|t| t.0);
        let mut request = reqwest::Request::try_from(request).map_err(TransportError::other)?;
        if let Some(left) = attempt {
            let current = request.timeout().copied();
            *request.timeout_mut() = Some(current.map_or(left, |c| c.min(left)));
        }
        let mut response = self.client.execute(request).await.map_err(to_transport_error)?;
        let mut builder = Response::builder().status(response.status()).version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let mut body = Vec::with_capacity(response.content_length().unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = response.chunk().await.map_err(to_transport_error)? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(TransportError::other(format!(
                    "the response is larger than the {} bytes allowed",
                    self.max_response_bytes
                )));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(TransportError::other)
    }
}

/// The kind of a reqwest failure: `Connect` when the request cannot have been sent.
fn to_transport_error(e: reqwest::Error) -> TransportError {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() || has_timed_out(&e) {
        TransportErrorKind::Timeout
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, e)
}

/// Whether an I/O timeout is somewhere in the error's causes.
fn has_timed_out(e: &reqwest::Error) -> bool {
    let mut cause = e.source();
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut) {
            return true;
        }
        cause = c.source();
    }
    false
}
