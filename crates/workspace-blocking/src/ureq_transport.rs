//! The built-in transport, over ureq.

use std::io;
use std::time::Duration;

use http::{Request, Response};
use workspace_core::{
    AttemptTimeout, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, TransportError, TransportErrorKind,
};

use crate::transport::Transport;

/// The largest response body accepted by default: 64 MiB (a 2,000-desktop page is well under 1 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// A [`Transport`] over a [`ureq::Agent`]: keep-alive connections, TLS, proxies as the agent is
/// configured. Every status reaches the client (ureq's `http_status_as_error` is turned off per
/// request), redirects are not followed, and a response larger than the cap is an error.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    max_response_bytes: u64,
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new(DEFAULT_CONNECT_TIMEOUT, DEFAULT_ATTEMPT_TIMEOUT)
    }
}

impl UreqTransport {
    /// A transport with its own agent: `connect` to establish a connection, `total` for a whole
    /// exchange.
    pub fn new(connect: Duration, total: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(connect))
            .timeout_global(Some(total))
            .build();
        Self::from_agent(ureq::Agent::new_with_config(config))
    }

    /// A transport over your own agent (for a proxy, your CAs, another TLS setup). Its timeouts
    /// apply; statuses are never turned into errors and redirects are not followed.
    pub fn from_agent(agent: ureq::Agent) -> Self {
        Self { agent, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES }
    }

    /// Refuses responses larger than `bytes`.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let attempt = request.extensions().get::<AttemptTimeout>().map(|t| t.0);
        let mut config = self.agent.configure_request(request).http_status_as_error(false).max_redirects(0);
        if let Some(left) = attempt {
            let current = self.agent.config().timeouts().global;
            config = config.timeout_global(Some(current.map_or(left, |c| c.min(left))));
        }
        let response = self.agent.run(config.build()).map_err(to_transport_error)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body.with_config().limit(self.max_response_bytes).read_to_vec().map_err(to_transport_error)?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// The kind of a ureq failure: `Connect` when the request cannot have been sent.
fn to_transport_error(e: ureq::Error) -> TransportError {
    let kind = match &e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => TransportErrorKind::Connect,
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => TransportErrorKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => {
            TransportErrorKind::Connect
        }
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportErrorKind::Connect,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => TransportErrorKind::Connect,
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => TransportErrorKind::Connect,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        },
        ureq::Error::Protocol(_) => TransportErrorKind::Io,
        #[cfg(feature = "gzip")]
        ureq::Error::Decompress(..) => TransportErrorKind::Io,
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::Other,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, e)
}
