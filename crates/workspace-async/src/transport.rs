//! The seams between the client and the outside: HTTP and sleeping.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_core::TransportError;

/// Sends one request and returns its response, whatever the status.
///
/// A transport never interprets the status: 4xx and 5xx responses are returned as responses, so
/// that the client can read the service's error. It reports failures to exchange the request as
/// a [`TransportError`] of the right kind (`Connect` when nothing was sent, `Timeout`, `Io`),
/// which decides whether the call is retried. It should honour a
/// [`workspace_core::AttemptTimeout`] found in the request's extensions. Its future must be
/// `Send`, and dropping it must cancel the exchange.
#[async_trait]
pub trait AsyncTransport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

/// Waits, on whatever runtime the application uses.
#[async_trait]
pub trait AsyncSleep: Send + Sync + fmt::Debug {
    /// Completes after `duration`.
    async fn sleep(&self, duration: Duration);
}

/// Sleeps with tokio's timer.
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleep;

#[cfg(feature = "reqwest")]
#[async_trait]
impl AsyncSleep for TokioSleep {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Replays scripted responses in order and records every request (feature `test-util`).
#[cfg(feature = "test-util")]
#[async_trait]
impl AsyncTransport for workspace_core::test_util::Replay {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.respond(request)
    }
}
