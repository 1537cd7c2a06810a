//! The calls an operation has under way: each one request with its retries, sent or waiting.

use std::convert::Infallible;
use std::time::{Duration, SystemTime};

use http::Response;
use workspace_types::ListDesktopsConnectStatusRequest;

use super::{ForeignTicket, Step, Ticket, next_op_id};
use crate::call::{Action, Call};
use crate::client::ClientCore;
use crate::error::{Error, TransportError};
use crate::response::Page;

/// What the calls need next.
pub(crate) enum Polled<T> {
    /// A step for the driver: send, await or sleep.
    Drive(Step<Infallible>),
    /// The call tagged `T` is over.
    Finished(T, Result<Page, Error>),
    /// No call is under way.
    Idle,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Ready,
    InFlight,
    Asleep(SystemTime),
}

#[derive(Debug)]
struct Slot<T> {
    id: u64,
    tag: T,
    call: Call,
    state: State,
}

/// The calls of one operation, each tagged with what the operation needs to know of it.
#[derive(Debug)]
pub(crate) struct Calls<T> {
    core: ClientCore,
    op: u64,
    next_id: u64,
    slots: Vec<Slot<T>>,
}

impl<T> Calls<T> {
    pub(crate) fn new(core: &ClientCore) -> Self {
        Self { core: core.clone(), op: next_op_id(), next_id: 0, slots: Vec::new() }
    }

    pub(crate) fn core(&self) -> &ClientCore {
        &self.core
    }

    /// How many calls are under way.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// How many calls may be under way at once: the options' concurrency once the client's
    /// credentials were accepted, one until then (a wrong key costs one failed signature).
    pub(crate) fn window(&self) -> usize {
        if self.core.profile().credentials_accepted() { self.core.options().concurrency().max(1) } else { 1 }
    }

    /// Starts a call of `request`, tagged `tag`.
    pub(crate) fn start(&mut self, tag: T, request: ListDesktopsConnectStatusRequest) {
        let call = Call::new(self.core.clone(), request, self.core.next_seed());
        self.slots.push(Slot { id: self.next_id, tag, call, state: State::Ready });
        self.next_id += 1;
    }

    /// Abandons every call: answers still in flight will be dropped.
    pub(crate) fn clear(&mut self) {
        self.slots.clear();
    }

    /// What the calls need at `now`. A call whose wait is over goes first; the driver is asked to
    /// sleep only when nothing is in flight, and then until the first wait ends (the calls whose
    /// waits end by then go on at the next poll, whatever the clock says then).
    pub(crate) fn poll(&mut self, now: SystemTime) -> Polled<T> {
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            match slot.state {
                State::InFlight => continue,
                State::Asleep(until) if until > now => continue,
                State::Ready | State::Asleep(_) => {}
            }
            match slot.call.poll(now) {
                Action::Send(request) => {
                    slot.state = State::InFlight;
                    return Polled::Drive(Step::Send(Ticket { op: self.op, id: slot.id }, request));
                }
                Action::Sleep(d) => slot.state = State::Asleep(now + d),
                Action::Done(result) => return Polled::Finished(self.slots.remove(i).tag, result),
            }
        }
        if self.slots.iter().any(|s| matches!(s.state, State::InFlight)) {
            return Polled::Drive(Step::Await);
        }
        let first = self.slots.iter().filter_map(|s| if let State::Asleep(t) = s.state { Some(t) } else { None }).min();
        let Some(until) = first else { return Polled::Idle };
        for slot in &mut self.slots {
            if matches!(slot.state, State::Asleep(t) if t <= until) {
                slot.state = State::Ready;
            }
        }
        Polled::Drive(Step::Sleep(until.duration_since(now).unwrap_or(Duration::ZERO)))
    }

    /// Takes the outcome of the request `ticket` was handed out with.
    pub(crate) fn complete(
        &mut self,
        ticket: Ticket,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
    ) -> Result<(), ForeignTicket> {
        if ticket.op != self.op {
            return Err(ForeignTicket);
        }
        let slot = self.slots.iter_mut().find(|s| s.id == ticket.id && matches!(s.state, State::InFlight));
        if let Some(slot) = slot {
            slot.call.handle(outcome, now);
            slot.state = State::Ready;
        }
        Ok(())
    }
}
