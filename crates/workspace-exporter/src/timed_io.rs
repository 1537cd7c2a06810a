//! A connection that fails when no byte moves for too long, or when an answer is not taken in
//! time.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep_until};

/// Wraps a stream with two timeouts, checked whenever the stream has to wait:
///
/// - idle: no byte was read or written for this long;
/// - write: what was handed to the stream has not all been taken by the peer (written and
///   flushed) this long after the first of it was. A peer that reads a byte now and then does
///   not reset it.
///
/// Either ends the connection with [`io::ErrorKind::TimedOut`].
#[derive(Debug)]
pub(crate) struct TimedIo<S> {
    inner: S,
    idle: Duration,
    write: Duration,
    /// When the connection times out for want of traffic.
    idle_deadline: Instant,
    /// When what is being written times out; `None` when everything written was flushed.
    write_deadline: Option<Instant>,
    /// Fires at the earlier of the two deadlines.
    timer: Pin<Box<Sleep>>,
}

impl<S> TimedIo<S> {
    /// `inner` with these timeouts, the idle one running from now.
    pub(crate) fn new(inner: S, idle: Duration, write: Duration) -> Self {
        let idle_deadline = Instant::now() + idle;
        Self { inner, idle, write, idle_deadline, write_deadline: None, timer: Box::pin(sleep_until(idle_deadline)) }
    }

    /// Bytes moved: the idle timeout starts again.
    fn progress(&mut self) {
        self.idle_deadline = Instant::now() + self.idle;
    }

    /// The error to return when a deadline has passed; otherwise the timer wakes the task at
    /// the earlier one.
    fn timed_out(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        let due = self.write_deadline.map_or(self.idle_deadline, |w| w.min(self.idle_deadline));
        if self.timer.deadline() != due {
            self.timer.as_mut().reset(due);
        }
        if self.timer.as_mut().poll(cx).is_pending() {
            return None;
        }
        let why = if self.write_deadline == Some(due) {
            "the peer did not take the answer within the write timeout"
        } else {
            "no byte moved within the idle timeout"
        };
        Some(io::Error::new(io::ErrorKind::TimedOut, why))
    }

    /// The result of a write that was attempted.
    fn wrote(&mut self, cx: &mut Context<'_>, result: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        match result {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.progress();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending => self.timed_out(cx).map_or(Poll::Pending, |e| Poll::Ready(Err(e))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    /// A write starts the write timeout, unless it runs already.
    fn start_write(&mut self) {
        if self.write_deadline.is_none() {
            self.write_deadline = Some(Instant::now() + self.write);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TimedIo<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.progress();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.timed_out(cx).map_or(Poll::Pending, |e| Poll::Ready(Err(e))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TimedIo<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.start_write();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(cx, result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.start_write();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                this.write_deadline = None;
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.timed_out(cx).map_or(Poll::Pending, |e| Poll::Ready(Err(e))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Pending => this.timed_out(cx).map_or(Poll::Pending, |e| Poll::Ready(Err(e))),
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    //! On tokio's paused clock, which moves only when every task waits: no test waits for real.

    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::*;

    const IDLE: Duration = Duration::from_secs(30);
    const WRITE: Duration = Duration::from_secs(20);

    #[tokio::test(start_paused = true)]
    async fn a_silent_peer_times_out_as_idle() {
        let (ours, _peer) = duplex(64);
        let mut io = TimedIo::new(ours, IDLE, WRITE);
        let err = io.read_u8().await.err().map(|e| (e.kind(), e.to_string()));
        assert_eq!(err, Some((io::ErrorKind::TimedOut, "no byte moved within the idle timeout".to_owned())));
    }

    #[tokio::test(start_paused = true)]
    async fn traffic_keeps_a_connection_open() {
        let (ours, mut peer) = duplex(64);
        let mut io = TimedIo::new(ours, IDLE, WRITE);
        let talker = tokio::spawn(async move {
            for i in 0..10u8 {
                tokio::time::sleep(IDLE / 2).await;
                peer.write_u8(i).await?;
            }
            Ok::<_, io::Error>(peer)
        });
        for i in 0..10u8 {
            assert_eq!(io.read_u8().await.ok(), Some(i), "a byte every half idle timeout keeps it open");
        }
        let _peer = talker.await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_does_not_read_times_out_on_write() {
        let (ours, _peer) = duplex(64);
        let mut io = TimedIo::new(ours, IDLE, WRITE);
        let err = io.write_all(&[b'x'; 1000]).await.err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("the peer did not take the answer within the write timeout"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_reads_a_byte_now_and_then_still_times_out_on_write() {
        let (ours, mut peer) = duplex(1);
        let mut io = TimedIo::new(ours, IDLE, WRITE);
        let reader = tokio::spawn(async move {
            // Well within the idle timeout each time, so only the write timeout can end it.
            while peer.read_u8().await.is_ok() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let err = io.write_all(&[b'x'; 1000]).await.err().map(|e| e.kind());
        assert_eq!(err, Some(io::ErrorKind::TimedOut));
        drop(io);
        let _ = reader.await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_taken_in_time_ends_the_write_timeout() {
        let (ours, mut peer) = duplex(64);
        let mut io = TimedIo::new(ours, IDLE, WRITE);
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            peer.read_to_end(&mut all).await.map(|_| all.len())
        });
        io.write_all(&[b'x'; 1000]).await.ok();
        io.flush().await.ok();
        tokio::time::sleep(WRITE + Duration::from_secs(1)).await;
        // Past the write timeout, yet nothing is left to write: only the idle timeout runs.
        let err = io.read_u8().await.err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("no byte moved within the idle timeout"));
        drop(io);
        assert_eq!(reader.await.ok().and_then(Result::ok), Some(1000));
    }
}
