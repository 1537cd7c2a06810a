//! Watching a fleet: poll, compare, yield transitions.

use std::collections::VecDeque;
use std::time::Duration;

use workspace_core::types::ListDesktopsConnectStatusRequestBuilder;
use workspace_core::{Error, FleetRead, Transition, Watch};

use crate::client::Client;
use crate::list::FleetItems;

/// Yields the transitions of the watched desktops, poll after poll; see
/// `ListDesktopsConnectStatus::watch`.
#[derive(Debug)]
pub struct Watcher<'c> {
    client: &'c Client,
    request: ListDesktopsConnectStatusRequestBuilder,
    interval: Duration,
    max_polls: Option<u64>,
    polls: u64,
    watch: Watch,
    queue: VecDeque<Transition>,
}

impl<'c> Watcher<'c> {
    pub(crate) fn new(
        client: &'c Client,
        request: ListDesktopsConnectStatusRequestBuilder,
        interval: Duration,
    ) -> Self {
        Self { client, request, interval, max_polls: None, polls: 0, watch: Watch::new(), queue: VecDeque::new() }
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

    fn poll_once(&mut self) -> Result<(), Error> {
        let read = FleetRead::from_request(self.request.clone(), None)?;
        let items = FleetItems::new(self.client, read);
        let desktops = items.collect::<Result<Vec<_>, _>>()?;
        self.queue.extend(self.watch.observe(desktops, self.client.now()));
        Ok(())
    }
}

impl Iterator for Watcher<'_> {
    type Item = Result<Transition, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(t) = self.queue.pop_front() {
                return Some(Ok(t));
            }
            if self.max_polls.is_some_and(|m| self.polls >= m) {
                return None;
            }
            if self.polls > 0 {
                self.client.wait(self.interval);
            }
            self.polls += 1;
            if let Err(e) = self.poll_once() {
                return Some(Err(e));
            }
        }
    }
}
