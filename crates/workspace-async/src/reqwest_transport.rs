//! The built-in transport, over reqwest.

use std::error::Error as _;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_core::{
    AttemptTimeout, ClientOptions, ConfigError, DEFAULT_MAX_RESPONSE_BYTES, Error, TransportError, TransportErrorKind,
};

use crate::transport::Transport;

/// A [`Transport`] over a [`reqwest::Client`]: connection pooling, TLS (rustls on ring, the same
/// provider and roots as the blocking client), proxies as the client is configured. Every status
/// reaches the SDK, redirects are not followed, each exchange ends by its [`AttemptTimeout`], and
/// a response larger than the cap is an error. Dropping its future cancels the exchange.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: u64,
}

impl ReqwestTransport {
    /// A transport with its own client, with the options' connect timeout and response cap.
    pub fn new(options: &ClientOptions) -> Result<Self, Error> {
        let builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout())
            .pool_idle_timeout(workspace_core::POOL_IDLE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        #[cfg(feature = "rustls")]
        let builder = builder.tls_backend_preconfigured(tls_config()?);
        let client = builder.build().map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self::from_client(client).max_response_bytes(options.max_response_bytes()))
    }

    /// A transport over your own client (for a proxy, your CAs, another TLS setup). Build it
    /// with `redirect(Policy::none())`: the service does not redirect. With this crate's
    /// `rustls` feature alone, reqwest is built without a TLS provider, and building a client
    /// panics unless you give it one (`tls_backend_preconfigured` with your
    /// `rustls::ClientConfig`), install a process-wide one, or enable a reqwest TLS feature.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES }
    }

    /// Refuses responses larger than `bytes`.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

/// rustls with the ring provider and Mozilla's roots (`webpki-roots`), as ureq has it: one TLS
/// story for both clients, and no process-wide default provider to install.
#[cfg(feature = "rustls")]
fn tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::new(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let attempt = request.extensions().get::<AttemptTimeout>().map(|t| t.0);
        let mut request = reqwest::Request::try_from(request).map_err(TransportError::other)?;
        // The attempt's limit replaces any other: the core already took the smaller of the
        // attempt timeout and what is left of the deadline.
        *request.timeout_mut() = attempt;
        let mut response = self.client.execute(request).await.map_err(to_transport_error)?;
        let mut builder = Response::builder().status(response.status()).version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let cap = usize::try_from(self.max_response_bytes).unwrap_or(usize::MAX);
        let mut body = Vec::with_capacity(response.content_length().unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = response.chunk().await.map_err(to_transport_error)? {
            if body.len() + chunk.len() > cap {
                return Err(TransportError::other(format!("the response is larger than the {cap} bytes allowed")));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(TransportError::other)
    }
}

/// The kind of a reqwest failure: `Connect` when the request cannot have been sent (the TLS
/// handshake included).
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
