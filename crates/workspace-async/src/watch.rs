//! Watching a fleet: poll, compare, yield transitions.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, Query, Transition, Watch};

use crate::client::Client;

type Snapshot = Pin<Box<dyn Future<Output = Result<Vec<ConnectDesktopsInfo>, Error>> + Send>>;
type Nap = Pin<Box<dyn Future<Output = ()> + Send>>;

enum Step {
    Start,
    Waiting(Nap),
    Reading(Snapshot),
}

/// Yields the transitions of the watched desktops, poll after poll, as `next().await` and a
/// `Stream`; see [`Client::watch`].
pub struct Watcher {
    client: Client,
    query: Query,
    interval: Duration,
    max_polls: Option<u64>,
    polls: u64,
    watch: Watch,
    queue: VecDeque<Transition>,
    step: Step,
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
            step: Step::Start,
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

    /// The next transition, or `None` once `max_polls` polls were made.
    pub async fn next(&mut self) -> Option<Result<Transition, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Reads the desktops once, now, and returns the changes since the previous read (none for
    /// the first, which is the baseline). For callers that wait between polls themselves.
    pub async fn poll(&mut self) -> Result<Vec<Transition>, Error> {
        self.polls += 1;
        let desktops = self.snapshot().await?;
        Ok(self.watch.observe(desktops, self.client.now()))
    }

    fn snapshot(&self) -> Snapshot {
        let mut items = self.client.read_fleet(&self.query);
        Box::pin(async move {
            let mut out = Vec::new();
            while let Some(d) = items.next().await {
                out.push(d?);
            }
            Ok(out)
        })
    }
}

impl Stream for Watcher {
    type Item = Result<Transition, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(t) = this.queue.pop_front() {
                return Poll::Ready(Some(Ok(t)));
            }
            match &mut this.step {
                Step::Start => {
                    if this.stopped || this.max_polls.is_some_and(|m| this.polls >= m) {
                        return Poll::Ready(None);
                    }
                    this.step = if this.polls == 0 {
                        Step::Reading(this.snapshot())
                    } else {
                        let (sleep, interval) = (this.client.sleeper(), this.interval);
                        Step::Waiting(Box::pin(async move { sleep.sleep(interval).await }))
                    };
                }
                Step::Waiting(nap) => {
                    if nap.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.step = Step::Reading(this.snapshot());
                }
                Step::Reading(read) => {
                    let result = match read.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(r) => r,
                    };
                    this.polls += 1;
                    this.step = Step::Start;
                    match result {
                        Ok(desktops) => this.queue.extend(this.watch.observe(desktops, this.client.now())),
                        Err(e) => {
                            this.stopped = e.is_permanent();
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").field("interval", &self.interval).field("polls", &self.polls).finish_non_exhaustive()
    }
}
