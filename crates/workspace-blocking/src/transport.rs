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
/// the whole exchange's timeout.
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

/// A transport made of a closure; see [`transport_fn`].
pub struct FnTransport<F>(F);

/// Wraps a closure as a [`Transport`], to bring your own HTTP client or to stub responses.
///
/// ```
/// use workspace_blocking::{Transport, transport_fn};
///
/// let stub = transport_fn(|_request| Ok(http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec())));
/// let response = stub.send(http::Request::new(Vec::new()))?;
/// assert_eq!(response.status(), 200);
/// # Ok::<(), workspace_blocking::TransportError>(())
/// ```
pub fn transport_fn<F>(f: F) -> FnTransport<F>
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync,
{
    FnTransport(f)
}

impl<F> Transport for FnTransport<F>
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (self.0)(request)
    }
}

impl<F> fmt::Debug for FnTransport<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnTransport")
    }
}

/// Waits between attempts and between the polls of a watch. Closures `Fn(Duration)` are sleeps.
pub trait Sleep: Send + Sync {
    /// Returns after `duration`.
    fn sleep(&self, duration: Duration);
}

impl<F: Fn(Duration) + Send + Sync> Sleep for F {
    fn sleep(&self, duration: Duration) {
        self(duration);
    }
}

/// Sleeps the current thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Replays scripted responses in order and records every request (feature `test-util`).
///
/// ```
/// use workspace_blocking::{Client, ClientOptions, Credentials, Query, ReplayTransport};
/// use workspace_core::test_util::{Scripted, VirtualClock};
///
/// let replay = ReplayTransport::new([Scripted::error(503, "APIGW.0201"), Scripted::page(0, 2, 2)]);
/// let options = ClientOptions::builder()
///     .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
///     .project_id("p")
///     .credentials(Credentials::ak_sk("ak", "sk")?)
///     .build()?;
/// let clock = VirtualClock::new(std::time::SystemTime::UNIX_EPOCH);
/// let client = Client::builder(options).transport(replay.clone()).sleep(clock).build()?;
/// let page = client.send(&Query::new())?;
/// assert_eq!(page.desktops().len(), 2);
/// assert_eq!(replay.requests().len(), 2); // the 503 was retried
/// # Ok::<(), workspace_blocking::Error>(())
/// ```
#[cfg(feature = "test-util")]
impl Transport for workspace_core::test_util::Replay {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}

/// Sleeping on a virtual clock moves it on at once (feature `test-util`).
#[cfg(feature = "test-util")]
impl Sleep for workspace_core::test_util::VirtualClock {
    fn sleep(&self, duration: Duration) {
        workspace_core::test_util::VirtualClock::sleep(self, duration);
    }
}
