//! The loop that runs an operation: it sends what the operation hands out and waits as it says.
//! The caller's thread sends one request of those handed out together (a lone one too) and the
//! others go to at most `concurrency - 1` more threads, started when first needed and kept for
//! the operation's whole life, each woken only for its own request, so that a slow answer holds
//! up only its own slot. The answers that came back meanwhile are taken without waiting.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;

use http::{Request, Response};
use workspace_core::TransportError;
use workspace_core::op::{Operation, Step, Ticket};

use crate::client::Client;

type Job = (Ticket, Request<Vec<u8>>);
type Answer = (usize, Ticket, thread::Result<Result<Response<Vec<u8>>, TransportError>>);

/// An operation, and the threads that send for it (they end when it is dropped).
#[derive(Debug)]
pub(crate) struct Drive<O> {
    pub(crate) client: Client,
    pub(crate) op: O,
    queued: Vec<Job>,
    /// Each thread's queue of requests, by its number, and the numbers of those waiting for one.
    threads: Vec<Sender<Job>>,
    idle: Vec<usize>,
    answer_to: Sender<Answer>,
    answers: Receiver<Answer>,
}

impl<O: Operation> Drive<O> {
    pub(crate) fn new(client: Client, op: O) -> Self {
        let (answer_to, answers) = channel();
        Self { client, op, queued: Vec::new(), threads: Vec::new(), idle: Vec::new(), answer_to, answers }
    }

    /// Waits for answers: sends one queued request on this thread and the others by the threads,
    /// then takes what the threads answered meanwhile; with nothing queued, the first one back.
    fn await_one(&mut self) {
        match self.queued.pop() {
            Some((ticket, request)) => {
                self.dispatch();
                let outcome = self.client.transport.send(request);
                self.complete(ticket, outcome);
                while let Ok(answer) = self.answers.try_recv() {
                    self.take(answer);
                }
            }
            // The operation awaits only what it handed out, and the drive holds a sender.
            None => self.answers.recv().into_iter().for_each(|answer| self.take(answer)),
        }
    }

    /// Takes an answer from a thread, which waits for a request again.
    fn take(&mut self, (thread, ticket, outcome): Answer) {
        self.idle.push(thread);
        self.complete(ticket, outcome.unwrap_or_else(|panic| resume_unwind(panic)));
    }

    fn complete(&mut self, ticket: Ticket, outcome: Result<Response<Vec<u8>>, TransportError>) {
        let known = self.op.complete(ticket, outcome, self.client.now());
        debug_assert!(known.is_ok(), "every ticket comes from this operation");
    }

    /// Hands each queued request to a waiting thread, or to a new one while there are fewer than
    /// `concurrency - 1`; else (answers the operation no longer needs still hold them) to the
    /// first that comes back.
    fn dispatch(&mut self) {
        for job in std::mem::take(&mut self.queued) {
            let thread = loop {
                match self.idle.pop() {
                    Some(thread) => break thread,
                    None if self.threads.len() + 1 < self.client.options().concurrency().max(2) => break self.spawn(),
                    None => match self.answers.recv() {
                        Ok(answer) => self.take(answer),
                        Err(_) => unreachable!("the drive holds a sender"),
                    },
                }
            };
            // A thread holds its queue's receiver as long as the drive lives.
            let _ = self.threads[thread].send(job);
        }
    }

    /// Starts a sending thread: it takes its requests one by one, sends each, and hands the
    /// answer back (a panic too, for the caller's thread to resume).
    fn spawn(&mut self) -> usize {
        let (number, (jobs, queue)) = (self.threads.len(), channel::<Job>());
        let (answer_to, transport) = (self.answer_to.clone(), self.client.transport.clone());
        thread::spawn(move || {
            for (ticket, request) in queue {
                let outcome = catch_unwind(AssertUnwindSafe(|| transport.send(request)));
                if answer_to.send((number, ticket, outcome)).is_err() {
                    return;
                }
            }
        });
        self.threads.push(jobs);
        number
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
