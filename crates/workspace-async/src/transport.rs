//! The seams between the client and the outside: HTTP and sleeping.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_core::TransportError;

/// Sends one request and returns its response, whatever the status.
///
/// A transport never interprets the status: 4xx and 5xx responses are returned as responses, so
/// that the client can read the service's error. It reports failures to exchange the request as
/// a [`TransportError`] of the right kind (`Connect` when nothing was sent, the TLS handshake
/// included; `Timeout`; `Io`), which decides whether the call is retried or fails over. It must
/// honour the [`AttemptTimeout`](workspace_core::AttemptTimeout) in the request's extensions as
/// the whole exchange's timeout. Its future must be `Send`, and dropping it must cancel the
/// exchange.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

/// A transport made of a closure returning a future; see [`transport_fn`].
pub struct FnTransport<F>(F);

/// Wraps a closure returning a future as a [`Transport`], to bring your own HTTP client or to
/// stub responses.
///
/// ```
/// use workspace_async::{Transport, transport_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), workspace_async::TransportError> {
/// let stub = transport_fn(|_request| async { Ok(http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec())) });
/// let response = stub.send(http::Request::new(Vec::new())).await?;
/// assert_eq!(response.status(), 200);
/// # Ok(()) }
/// ```
pub fn transport_fn<F, Fut>(f: F) -> FnTransport<F>
where
    F: Fn(Request<Vec<u8>>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    FnTransport(f)
}

#[async_trait]
impl<F, Fut> Transport for FnTransport<F>
where
    F: Fn(Request<Vec<u8>>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (self.0)(request).await
    }
}

impl<F> fmt::Debug for FnTransport<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnTransport")
    }
}

/// Waits between attempts and between the polls of a watch, on whatever runtime the application
/// uses. Closures `Fn(Duration) -> impl Future<Output = ()>` are sleeps.
#[async_trait]
pub trait Sleep: Send + Sync {
    /// Completes after `duration`.
    async fn sleep(&self, duration: Duration);
}

#[async_trait]
impl<F, Fut> Sleep for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send,
{
    async fn sleep(&self, duration: Duration) {
        self(duration).await;
    }
}

/// Sleeps with tokio's timer.
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleep;

#[cfg(feature = "reqwest")]
#[async_trait]
impl Sleep for TokioSleep {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Replays scripted responses in order and records every request (feature `test-util`).
#[cfg(feature = "test-util")]
#[async_trait]
impl Transport for workspace_core::test_util::Replay {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}

/// Sleeping on a virtual clock moves it on at once (feature `test-util`).
#[cfg(feature = "test-util")]
#[async_trait]
impl Sleep for workspace_core::test_util::VirtualClock {
    async fn sleep(&self, duration: Duration) {
        workspace_core::test_util::VirtualClock::sleep(self, duration);
    }
}
