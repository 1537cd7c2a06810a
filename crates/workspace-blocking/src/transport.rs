//! The seams between the client and the outside: HTTP and sleeping.

use std::fmt;
use std::time::Duration;

use http::{Request, Response};
use workspace_core::TransportError;

/// Sends one request and returns its response, whatever the status.
///
/// A transport never interprets the status: 4xx and 5xx responses are returned as responses, so
/// that the client can read the service's error. It reports failures to exchange the request as
/// a [`TransportError`] of the right kind (`Connect` when nothing was sent, the TLS handshake
/// included; `Timeout`; `Io`), which decides whether the call is retried or fails over. It must
/// honour the [`AttemptTimeout`](workspace_core::AttemptTimeout) in the request's extensions as
/// the whole exchange's timeout. A closure is a transport, to bring your own HTTP client or to
/// stub responses:
///
/// ```
/// use workspace_blocking::{Client, ClientOptions, Credentials, Query};
///
/// let options = ClientOptions::builder()
///     .endpoint("https://example.com")
///     .project_id("p")
///     .credentials(Credentials::ak_sk("ak", "sk")?)
///     .build()?;
/// let stub = |_request| Ok(http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec()));
/// let client = Client::builder(options).transport(stub).build()?;
/// assert_eq!(client.send(&Query::new())?.total_count(), Some(0));
/// # Ok::<(), workspace_blocking::Error>(())
/// ```
pub trait Transport: Send + Sync {
    /// Sends `request`.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

impl<F> Transport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request)
    }
}

impl fmt::Debug for dyn Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn Transport")
    }
}

/// Waits: between attempts, and between a watch's polls. Any `Fn(Duration)` closure is one.
pub trait Sleep: Send + Sync {
    /// Waits `duration`.
    fn sleep(&self, duration: Duration);
}

impl<F: Fn(Duration) + Send + Sync> Sleep for F {
    fn sleep(&self, duration: Duration) {
        self(duration);
    }
}

impl fmt::Debug for dyn Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn Sleep")
    }
}

/// The thread's sleep: the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

#[cfg(feature = "test-util")]
impl Transport for workspace_core::test_util::Replay {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}

#[cfg(feature = "test-util")]
impl Sleep for workspace_core::test_util::VirtualClock {
    fn sleep(&self, duration: Duration) {
        workspace_core::test_util::VirtualClock::sleep(self, duration);
    }
}
