//! A transport that replays scripted responses and records requests, for tests.

use http::{Request, Response};
use workspace_core::TransportError;
use workspace_core::test_util::{Replay, Scripted};

use crate::transport::Transport;

/// Replays scripted responses in order and records every request. Clones share the script.
///
/// ```
/// use workspace_blocking::{Client, Credentials, ReplayTransport};
/// use workspace_core::test_util::Scripted;
///
/// let replay = ReplayTransport::new([Scripted::error(503, "APIGW.0201"), Scripted::page(0, 2, 2)]);
/// let client = Client::builder()
///     .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
///     .project_id("p")
///     .credentials(Credentials::ak_sk("ak", "sk")?)
///     .transport(replay.clone())
///     .sleep(|_| {})
///     .build()?;
/// let page = client.list_desktops_connect_status().send()?;
/// assert_eq!(page.desktops().len(), 2);
/// assert_eq!(replay.requests().len(), 2); // the 503 was retried
/// # Ok::<(), workspace_blocking::Error>(())
/// ```
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

impl Transport for ReplayTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.replay.respond(request)
    }
}
