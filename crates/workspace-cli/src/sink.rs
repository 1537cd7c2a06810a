//! Standard output, written a whole record (or a whole document) at a time and shared with the
//! deadline's watchdog, so that whatever ends the command, stdout never ends inside a record.

use std::io::{self, BufWriter, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The output of a command.
pub(crate) struct Sink {
    state: Mutex<State>,
}

struct State {
    out: Box<dyn Write + Send>,
    /// Desktops written so far.
    items: u64,
    closed: bool,
}

impl Sink {
    /// Standard output, buffered.
    pub(crate) fn stdout() -> Self {
        Self::new(Box::new(BufWriter::with_capacity(64 * 1024, io::stdout())))
    }

    /// Output to `out`.
    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        Self { state: Mutex::new(State { out, items: 0, closed: false }) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one whole record holding `items` desktops (0 for a header or anything else).
    pub(crate) fn write(&self, record: &[u8], items: u64) -> io::Result<()> {
        let mut s = self.lock();
        if s.closed {
            return Err(io::Error::other("the output is closed"));
        }
        s.out.write_all(record)?;
        s.items += items;
        Ok(())
    }

    /// Sends what is buffered on.
    pub(crate) fn flush(&self) -> io::Result<()> {
        self.lock().out.flush()
    }

    /// Ends the output: flushes it and refuses any later write. Returns how many items were
    /// written, and the flush's result.
    pub(crate) fn close(&self) -> (u64, io::Result<()>) {
        let mut s = self.lock();
        s.closed = true;
        (s.items, s.out.flush())
    }

    /// Ends the output unless it was closed already, then calls `end` with the number of items
    /// written, holding the output so that nothing more is written before `end` exits.
    pub(crate) fn abort(&self, end: impl FnOnce(u64)) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        s.closed = true;
        let _ = s.out.flush();
        end(s.items);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A writer whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn counts_items_and_refuses_writes_once_closed() {
        let bytes = Shared::default();
        let sink = Sink::new(Box::new(bytes.clone()));
        sink.write(b"header\n", 0).and_then(|()| sink.write(b"a\n", 1)).and_then(|()| sink.write(b"b\n", 1)).ok();
        let mut seen = None;
        sink.abort(|n| seen = Some(n));
        assert_eq!(seen, Some(2));
        assert!(sink.write(b"c\n", 1).is_err());
        let mut again = None;
        sink.abort(|n| again = Some(n));
        assert_eq!(again, None, "an output already closed is not aborted");
        assert_eq!(sink.close().0, 2);
        assert_eq!(*bytes.0.lock().unwrap_or_else(PoisonError::into_inner), b"header\na\nb\n");
    }
}
