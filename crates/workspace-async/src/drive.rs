//! The loop that runs an operation: each request it hands out is a future, polled together with
//! the others in flight (at most `concurrency`, as the operation decides), on the caller's task.
//! Dropping the stream drops them: what is in flight is cancelled.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use http::Response;
use workspace_core::TransportError;
use workspace_core::op::{Operation, Step, Ticket};

use crate::client::Client;

type Exchange = Pin<Box<dyn Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send>>;
type Nap = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An operation and what runs it.
pub(crate) struct Drive<O> {
    pub(crate) client: Client,
    pub(crate) op: O,
    in_flight: Vec<(Ticket, Exchange)>,
    nap: Option<Nap>,
}

impl<O: Operation + Unpin> Drive<O> {
    pub(crate) fn new(client: Client, op: O) -> Self {
        Self { client, op, in_flight: Vec::new(), nap: None }
    }

    /// The next output, or `None` when the operation is done.
    pub(crate) async fn next(&mut self) -> Option<O::Output> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Drops the exchanges in flight and the wait under way (their operation moved on).
    pub(crate) fn reset(&mut self) {
        self.in_flight.clear();
        self.nap = None;
    }

    /// Polls every exchange in flight and completes those that are over; whether any was.
    fn poll_exchanges(&mut self, cx: &mut Context<'_>) -> bool {
        let mut answered = false;
        let mut i = 0;
        while i < self.in_flight.len() {
            match self.in_flight[i].1.as_mut().poll(cx) {
                Poll::Ready(outcome) => {
                    let (ticket, _) = self.in_flight.swap_remove(i);
                    let known = self.op.complete(ticket, outcome, self.client.now());
                    debug_assert!(known.is_ok(), "every ticket comes from this operation");
                    answered = true;
                }
                Poll::Pending => i += 1,
            }
        }
        answered
    }
}

impl<O: Operation + Unpin> Stream for Drive<O> {
    type Item = O::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<O::Output>> {
        let this = self.get_mut();
        loop {
            if let Some(nap) = &mut this.nap {
                std::task::ready!(nap.as_mut().poll(cx));
                this.nap = None;
            }
            let answered = this.poll_exchanges(cx);
            match this.op.step(this.client.now()) {
                Step::Send(ticket, request) => {
                    let transport = this.client.transport.clone();
                    this.in_flight.push((ticket, Box::pin(async move { transport.send(request).await })));
                }
                // Every exchange in flight was polled since the last answer: each will wake us.
                Step::Await if !answered => return Poll::Pending,
                Step::Await => {}
                Step::Sleep(d) => {
                    let sleep = this.client.sleep.clone();
                    this.nap = Some(Box::pin(async move { sleep.sleep(d).await }));
                }
                Step::Yield(output) => return Poll::Ready(Some(output)),
                Step::Done => {
                    this.in_flight.clear();
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl<O: std::fmt::Debug> std::fmt::Debug for Drive<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drive").field("op", &self.op).field("in_flight", &self.in_flight.len()).finish_non_exhaustive()
    }
}
