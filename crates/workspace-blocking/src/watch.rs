//! Watching a fleet: the core's watch loop, with the client's reads and sleep.

use workspace_core::{Error, Query, Transition, WatchLoop, WatchStep};

use crate::client::Client;

/// Yields the transitions of the watched desktops, poll after poll; see [`Client::watch`].
#[derive(Debug)]
pub struct Watcher {
    client: Client,
    query: Query,
    watch: WatchLoop,
}

impl Watcher {
    pub(crate) fn new(client: Client, query: Query, watch: WatchLoop) -> Self {
        Self { client, query, watch }
    }

    /// Stops after `n` polls (the first one is the baseline).
    pub fn max_polls(self, n: u64) -> Self {
        Self { watch: self.watch.max_polls(n), ..self }
    }

    /// How many polls were made.
    pub fn polls(&self) -> u64 {
        self.watch.polls()
    }

    /// Reads the desktops once, now, and returns the changes since the previous read (none for
    /// the first, which is the baseline), with any not yet taken from the iterator; `None`, and
    /// nothing sent, once the watch is over (`max_polls` reached, or a permanent error). For
    /// callers that wait between polls themselves.
    pub fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        if self.watch.is_over() {
            return None;
        }
        Some(self.read().map(|()| self.watch.take_transitions()))
    }

    fn read(&mut self) -> Result<(), Error> {
        let desktops = self.client.read_fleet(&self.query).collect();
        self.watch.on_read(desktops, self.client.now())
    }
}

impl Iterator for Watcher {
    type Item = Result<Transition, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.watch.next_step() {
                WatchStep::Yield(t) => return Some(Ok(t)),
                WatchStep::Read => {
                    if let Err(e) = self.read() {
                        return Some(Err(e));
                    }
                }
                WatchStep::Wait(interval) => self.client.wait(interval),
                WatchStep::Done => return None,
            }
        }
    }
}
