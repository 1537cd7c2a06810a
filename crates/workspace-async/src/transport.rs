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
/// exchange. A closure returning such a future is a transport, to bring your own HTTP client or
/// to stub responses:
///
/// ```
/// use workspace_async::{Client, ClientOptions, Credentials, Query};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), workspace_async::Error> {
/// let options = ClientOptions::builder()
///     .endpoint("https://example.com")
///     .project_id("p")
///     .credentials(Credentials::ak_sk("ak", "sk")?)
///     .build()?;
/// let stub = |_request| async { Ok(http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec())) };
/// let client = Client::builder(options).transport(stub).build()?;
/// assert_eq!(client.send(&Query::new()).await?.total_count(), Some(0));
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends `request` and reads the whole response.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

#[async_trait]
impl<F, Fut> Transport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request).await
    }
}

/// Waits, without blocking the thread: between attempts, and between a watch's polls. A closure
/// returning a future is one.
#[async_trait]
pub trait Sleep: Send + Sync {
    /// Waits `duration`.
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

impl fmt::Debug for dyn Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn Transport")
    }
}

impl fmt::Debug for dyn Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn Sleep")
    }
}

/// Tokio's timer (feature `reqwest`, which brings tokio): the default.
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

#[cfg(feature = "test-util")]
#[async_trait]
impl Transport for workspace_core::test_util::Replay {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}

#[cfg(feature = "test-util")]
#[async_trait]
impl Sleep for workspace_core::test_util::VirtualClock {
    async fn sleep(&self, duration: Duration) {
        workspace_core::test_util::VirtualClock::sleep(self, duration);
    }
}
