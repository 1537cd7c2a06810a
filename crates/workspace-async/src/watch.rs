//! Watching a fleet with the client's reads and sleep.

use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use workspace_core::op::WatchOp;
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, Transition};

use crate::drive::Drive;

/// The changes of a fleet, as they are seen: a stream of transitions that reads, hands out each
/// change, sleeps the interval and reads again. Dereferences to its [`WatchOp`] (`polls()`,
/// `is_over()`).
#[derive(Debug)]
pub struct Watcher(pub(crate) Drive<WatchOp>);

impl Watcher {
    /// The next transition (or a poll's error), or `None` once the watch is over.
    pub async fn next(&mut self) -> Option<Result<Transition, Error>> {
        self.0.next().await
    }

    /// Stops after `n` polls (the first one is the baseline).
    pub fn max_polls(mut self, n: u64) -> Self {
        self.0.op.set_max_polls(n);
        self
    }

    /// Reads now, for callers that poll when they choose: the transitions since the last read
    /// (none for the baseline), the poll's error, or `None` once the watch is over. A read or
    /// wait the stream left unfinished (its `next()` was cancelled) is replaced by this one.
    pub async fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        let mut read = Drive::new(self.0.client.clone(), self.0.op.read_now()?);
        self.0.reset();
        let mut desktops: Vec<ConnectDesktopsInfo> = Vec::new();
        let outcome = loop {
            match read.next().await {
                Some(Ok(desktop)) => desktops.push(desktop),
                Some(Err(e)) => break Err(e),
                None => break Ok(desktops),
            }
        };
        Some(self.0.op.on_read(outcome, self.0.client.now()))
    }
}

impl Stream for Watcher {
    type Item = Result<Transition, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().0).poll_next(cx)
    }
}

impl Deref for Watcher {
    type Target = WatchOp;

    fn deref(&self) -> &WatchOp {
        &self.0.op
    }
}
