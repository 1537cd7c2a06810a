//! A transport that replays scripted responses and records requests, for tests.

use async_trait::async_trait;
use http::{Request, Response};
use workspace_core::TransportError;
use workspace_core::test_util::{Replay, Scripted};

use crate::transport::AsyncTransport;

/// Replays scripted responses in order and records every request. Clones share the script.
#[derive(Clone, Debug, Default)]
pub struct ReplayTransport {
    replay: Replay,
}

impl ReplayTransport {
    /// A transport replaying `script`.
    pub fn new(script: impl IntoIterator<Item = Scripted>) -> Self {
        Self { replay: Replay::new(script) }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request<Vec<u8>>> {
        self.replay.requests()
    }

    /// Appends to the script.
    pub fn push(&self, next: Scripted) {
        self.replay.push(next);
    }

    /// The shared script and record.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }
}

#[async_trait]
impl AsyncTransport for ReplayTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.replay.respond(request)
    }
}
