//! The loop that runs an operation: it sends what the operation hands out and waits as it says.
//! A request that goes alone is sent on the caller's thread; requests that go together are sent
//! by a pool of at most `concurrency` threads, started when first needed and kept for the
//! operation's whole life, so that a slow answer holds up only its own slot.

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

/// An operation and what runs it.
pub(crate) struct Drive<O> {
    pub(crate) client: Client,
    pub(crate) op: O,
    queued: Vec<Job>,
    pool: Option<Pool>,
}

impl<O: Operation> Drive<O> {
    pub(crate) fn new(client: Client, op: O) -> Self {
        Self { client, op, queued: Vec::new(), pool: None }
    }

    /// Waits for one answer: the only request, sent here, or the first the pool gets back.
    fn await_one(&mut self) {
        let in_pool = self.pool.as_ref().map_or(0, |p| p.pending);
        let (ticket, outcome) = match self.queued.pop() {
            Some((ticket, request)) if in_pool == 0 && self.queued.is_empty() => {
                (ticket, self.client.transport().send(request))
            }
            job => {
                self.queued.extend(job);
                self.dispatch();
                // The operation awaits only what it handed out: something is in the pool.
                let Some(pool) = self.pool.as_mut().filter(|p| p.pending > 0) else { return };
                match pool.recv() {
                    (ticket, Ok(outcome)) => (ticket, outcome),
                    (_, Err(panic)) => resume_unwind(panic),
                }
            }
        };
        let known = self.op.complete(ticket, outcome, self.client.now());
        debug_assert!(known.is_ok(), "every ticket comes from this operation");
    }

    /// Hands the queued requests to the pool.
    fn dispatch(&mut self) {
        if self.queued.is_empty() {
            return;
        }
        let size = self.client.options().concurrency().max(1);
        let pool = self.pool.get_or_insert_with(Pool::new);
        for job in self.queued.drain(..) {
            pool.send(job, &self.client, size);
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
                Step::Sleep(d) => {
                    self.dispatch();
                    self.client.wait(d);
                }
                Step::Yield(output) => {
                    self.dispatch();
                    return Some(output);
                }
                Step::Done => {
                    self.queued.clear();
                    return None;
                }
            }
        }
    }
}

impl<O: std::fmt::Debug> std::fmt::Debug for Drive<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let in_flight = self.pool.as_ref().map_or(0, |p| p.pending);
        f.debug_struct("Drive").field("op", &self.op).field("in_flight", &in_flight).finish_non_exhaustive()
    }
}

/// Threads that send, fed by one queue; they end when the pool is dropped.
struct Pool {
    jobs: Sender<Job>,
    queue: Arc<Mutex<Receiver<Job>>>,
    answers: Receiver<Answer>,
    answer_to: Sender<Answer>,
    threads: usize,
    pending: usize,
}

impl Pool {
    fn new() -> Self {
        let (jobs, queue) = channel();
        let (answer_to, answers) = channel();
        Self { jobs, queue: Arc::new(Mutex::new(queue)), answers, answer_to, threads: 0, pending: 0 }
    }

    fn send(&mut self, job: Job, client: &Client, size: usize) {
        self.pending += 1;
        if self.pending > self.threads && self.threads < size {
            self.threads += 1;
            let (queue, answer_to, transport) = (self.queue.clone(), self.answer_to.clone(), client.transport().clone());
            thread::spawn(move || work(&queue, &answer_to, &*transport));
        }
        // The threads outlive every send: they hold the queue until the pool is dropped.
        let _ = self.jobs.send(job);
    }

    fn recv(&mut self) -> Answer {
        // The pool keeps a sender of its own, so this waits until an answer comes.
        let answer = self.answers.recv().unwrap_or_else(|_| unreachable!("the pool holds a sender"));
        self.pending -= 1;
        answer
    }
}

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
