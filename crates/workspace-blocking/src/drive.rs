//! The loop that runs an operation: it sends what the operation hands out and waits as it says.
//! A request that goes alone is sent on the caller's thread; requests that go together are sent
//! by at most `concurrency` threads, started when first needed and kept for the operation's
//! whole life, so that a slow answer holds up only its own slot.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use http::{Request, Response};
use workspace_core::TransportError;
use workspace_core::op::{Operation, Step, Ticket};

use crate::client::Client;
use crate::transport::Transport;

type Job = (Ticket, Request<Vec<u8>>);
type Answer = (Ticket, thread::Result<Result<Response<Vec<u8>>, TransportError>>);

/// An operation, and the threads that send for it (they end when it is dropped).
#[derive(Debug)]
pub(crate) struct Drive<O> {
    pub(crate) client: Client,
    pub(crate) op: O,
    queued: Vec<Job>,
    jobs: Sender<Job>,
    queue: Arc<Mutex<Receiver<Job>>>,
    answer_to: Sender<Answer>,
    answers: Receiver<Answer>,
    threads: usize,
    in_flight: usize,
}

impl<O: Operation> Drive<O> {
    pub(crate) fn new(client: Client, op: O) -> Self {
        let ((jobs, queue), (answer_to, answers)) = (channel(), channel());
        let queue = Arc::new(Mutex::new(queue));
        Self { client, op, queued: Vec::new(), jobs, queue, answer_to, answers, threads: 0, in_flight: 0 }
    }

    /// Waits for one answer: the only request, sent on this thread, or the first one back.
    fn await_one(&mut self) {
        let (ticket, outcome) = match self.queued.pop() {
            Some((ticket, request)) if self.in_flight == 0 && self.queued.is_empty() => {
                (ticket, self.client.transport.send(request))
            }
            job => {
                self.queued.extend(job);
                self.dispatch();
                // The operation awaits only what it handed out, and the drive holds a sender.
                let Ok((ticket, outcome)) = self.answers.recv() else { return };
                self.in_flight -= 1;
                (ticket, outcome.unwrap_or_else(|panic| resume_unwind(panic)))
            }
        };
        let known = self.op.complete(ticket, outcome, self.client.now());
        debug_assert!(known.is_ok(), "every ticket comes from this operation");
    }

    /// Hands the queued requests to the threads, starting one more while all are busy.
    fn dispatch(&mut self) {
        for job in std::mem::take(&mut self.queued) {
            self.in_flight += 1;
            if self.in_flight > self.threads && self.threads < self.client.options().concurrency().max(1) {
                self.threads += 1;
                let (queue, answer_to) = (self.queue.clone(), self.answer_to.clone());
                let transport = self.client.transport.clone();
                thread::spawn(move || work(&queue, &answer_to, &*transport));
            }
            // The threads hold the queue's receiver as long as the drive lives.
            let _ = self.jobs.send(job);
        }
    }
}

impl<O: Operation> Iterator for Drive<O> {
    type Item = O::Output;

    fn next(&mut self) -> Option<O::Output> {
        loop {
            match self.op.step(self.client.now()) {
                Step::Send(ticket, request) => self.queued.push((ticket, request)),
                Step::Await => self.await_one(),
                Step::Sleep(d) => self.client.wait(d),
                Step::Yield(output) => {
                    self.dispatch();
                    return Some(output);
                }
                Step::Done => return None,
            }
        }
    }
}

/// A sending thread: takes the next request, sends it, hands the answer back (a panic too, for
/// the caller's thread to resume).
fn work(queue: &Mutex<Receiver<Job>>, answer_to: &Sender<Answer>, transport: &dyn Transport) {
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok((ticket, request)) = job else { return };
        let outcome = catch_unwind(AssertUnwindSafe(|| transport.send(request)));
        if answer_to.send((ticket, outcome)).is_err() {
            return;
        }
    }
}
