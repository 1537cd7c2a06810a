//! Watching a fleet with the client's reads and sleep.

use std::ops::Deref;

use workspace_core::op::WatchOp;
use workspace_core::{Error, Transition};

use crate::drive::Drive;

/// The changes of a fleet, as they are seen: an iterator of transitions that reads, hands out
/// each change, sleeps the interval and reads again. Dereferences to its [`WatchOp`] (`polls()`,
/// `is_over()`).
#[derive(Debug)]
pub struct Watcher(pub(crate) Drive<WatchOp>);

impl Watcher {
    /// Stops after `n` polls (the first one is the baseline).
    pub fn max_polls(mut self, n: u64) -> Self {
        self.0.op.set_max_polls(n);
        self
    }

    /// Reads now, for callers that poll when they choose: the transitions since the last read
    /// (none for the baseline), the poll's error, or `None` once the watch is over.
    pub fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        let read = self.0.op.read_now()?;
        let desktops = Drive::new(self.0.client.clone(), read).collect();
        Some(self.0.op.on_read(desktops, self.0.client.now()))
    }
}

impl Iterator for Watcher {
    type Item = Result<Transition, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl Deref for Watcher {
    type Target = WatchOp;

    fn deref(&self) -> &WatchOp {
        &self.0.op
    }
}
