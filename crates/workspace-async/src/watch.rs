//! Watching a fleet: the core's watch loop, with the client's reads and sleep.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{Error, Query, Transition, WatchLoop, WatchStep};

use crate::client::Client;

type Snapshot = Pin<Box<dyn Future<Output = Result<Vec<ConnectDesktopsInfo>, Error>> + Send>>;
type Nap = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the watcher is waiting for.
enum Pending {
    Nothing,
    Nap(Nap),
    Read(Snapshot),
}

/// Yields the transitions of the watched desktops, poll after poll, as `next().await` and a
/// `Stream`; see [`Client::watch`].
pub struct Watcher {
    client: Client,
    query: Query,
    watch: WatchLoop,
    pending: Pending,
}

impl Watcher {
    pub(crate) fn new(client: Client, query: Query, watch: WatchLoop) -> Self {
        Self { client, query, watch, pending: Pending::Nothing }
    }

    /// The next transition, or `None` once `max_polls` polls were made.
    pub async fn next(&mut self) -> Option<Result<Transition, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
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
    /// the first, which is the baseline), with any not yet taken from the stream; `None`, and
    /// nothing sent, once the watch is over (`max_polls` reached, or a permanent error). For
    /// callers that wait between polls themselves.
    pub async fn poll(&mut self) -> Option<Result<Vec<Transition>, Error>> {
        if self.watch.is_over() {
            return None;
        }
        // A read or wait the stream left unfinished (its `next()` was cancelled) is dropped:
        // this read replaces it, and the stream goes on from here.
        self.pending = Pending::Nothing;
        let desktops = self.snapshot().await;
        Some(self.watch.on_read(desktops, self.client.now()).map(|()| self.watch.take_transitions()))
    }

    /// A read of everything the query matches, owning what it needs.
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
            match &mut this.pending {
                Pending::Nothing => match this.watch.next_step() {
                    WatchStep::Yield(t) => return Poll::Ready(Some(Ok(t))),
                    WatchStep::Read => this.pending = Pending::Read(this.snapshot()),
                    WatchStep::Wait(interval) => {
                        let sleep = this.client.sleeper();
                        this.pending = Pending::Nap(Box::pin(async move { sleep.sleep(interval).await }));
                    }
                    WatchStep::Done => return Poll::Ready(None),
                },
                Pending::Nap(nap) => {
                    std::task::ready!(nap.as_mut().poll(cx));
                    this.pending = Pending::Nothing;
                }
                Pending::Read(read) => {
                    let desktops = std::task::ready!(read.as_mut().poll(cx));
                    this.pending = Pending::Nothing;
                    if let Err(e) = this.watch.on_read(desktops, this.client.now()) {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
        }
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").field("watch", &self.watch).finish_non_exhaustive()
    }
}
