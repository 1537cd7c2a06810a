//! Watching a fleet: poll, compare, yield transitions.

use std::collections::VecDeque;
use std::time::Duration;

use workspace_core::{Error, Query, Transition, Watch};

use crate::client::Client;

/// Yields the transitions of the watched desktops, poll after poll; see [`Client::watch`].
#[derive(Debug)]
pub struct Watcher {
    client: Client,
    query: Query,
    interval: Duration,
    max_polls: Option<u64>,
    polls: u64,
    watch: Watch,
    queue: VecDeque<Transition>,
    stopped: bool,
}

impl Watcher {
    pub(crate) fn new(client: Client, query: Query, interval: Duration) -> Self {
        Self {
            client,
            query,
            interval,
            max_polls: None,
            polls: 0,
            watch: Watch::new(),
            queue: VecDeque::new(),
            stopped: false,
        }
    }

    /// Stops after `n` polls (the first one is the baseline).
    pub fn max_polls(mut self, n: u64) -> Self {
        self.max_polls = Some(n);
        self
    }

    /// How many polls were made.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// Reads the desktops once, now, and returns the changes since the previous read (none for
    /// the first, which is the baseline). For callers that wait between polls themselves.
    pub fn poll(&mut self) -> Result<Vec<Transition>, Error> {
        self.polls += 1;
        let desktops = self.client.read_fleet(&self.query).collect::<Result<Vec<_>, _>>()?;
        Ok(self.watch.observe(desktops, self.client.now()))
    }
}

impl Iterator for Watcher {
    type Item = Result<Transition, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(t) = self.queue.pop_front() {
                return Some(Ok(t));
            }
            if self.stopped || self.max_polls.is_some_and(|m| self.polls >= m) {
                return None;
            }
            if self.polls > 0 {
                self.client.wait(self.interval);
            }
            match self.poll() {
                Ok(changes) => self.queue.extend(changes),
                Err(e) => {
                    self.stopped = e.is_permanent();
                    return Some(Err(e));
                }
            }
        }
    }
}
