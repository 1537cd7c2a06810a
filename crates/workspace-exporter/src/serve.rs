//! The HTTP server: a cap on connections, timeouts on each one, TLS when configured, and a stop
//! with a bounded grace period.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

use crate::report;
use crate::timed_io::TimedIo;

/// The most a connection buffers of what it reads (a request's headers must fit).
const MAX_BUFFER: usize = 64 * 1024;

/// The wait before accepting again after a failed accept (such as too many open files).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What the server allows each client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Connections open at once; further ones wait, unaccepted, until one closes.
    pub(crate) max_connections: usize,
    /// The time a connection has to send a request's headers, from its opening or the end of
    /// the previous answer.
    pub(crate) header_read_timeout: Duration,
    /// A connection on which no byte moves for this long is closed.
    pub(crate) idle_timeout: Duration,
    /// The time a client has to take an answer, from the first byte written.
    pub(crate) write_timeout: Duration,
    /// At a stop, the time the connections open have to finish their answer.
    pub(crate) grace_period: Duration,
}

/// The connections of a server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Connections {
    /// Open now.
    pub(crate) open: usize,
    /// Accepted since the start.
    pub(crate) accepted: u64,
}

/// Serves a router on a listener within [`Limits`].
#[derive(Debug)]
pub(crate) struct Server {
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Arc<ServerConfig>>,
    connections: watch::Sender<Connections>,
}

impl Server {
    /// A server of `router` on `listener`; nothing is accepted before [`run`](Self::run).
    pub(crate) fn new(listener: TcpListener, router: Router, limits: Limits) -> Self {
        Self { listener, router, limits, tls: None, connections: watch::Sender::new(Connections::default()) }
    }

    /// Serves over TLS with `config` (when given): a connection that does not finish its
    /// handshake within the header-read timeout is closed, and plain HTTP gets no answer.
    pub(crate) fn tls(mut self, config: Option<Arc<ServerConfig>>) -> Self {
        self.tls = config;
        self
    }

    /// Its connections, to read or to wait on.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn connections(&self) -> watch::Receiver<Connections> {
        self.connections.subscribe()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets each open connection
    /// finish the answer it is writing (an idle one closes at once), and after the grace period
    /// closes those still open. Returns how many were closed that way.
    ///
    /// A connection is accepted only while fewer than the cap are open, so that the ones past
    /// it cost the process nothing (not even a file descriptor) until one closes.
    pub(crate) async fn run(self, shutdown: impl Future<Output = ()>) -> usize {
        let Server { listener, router, limits, tls, connections } = self;
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        let (stop, stopping) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut failing = false;
        tokio::pin!(shutdown);
        loop {
            while tasks.try_join_next().is_some() {}
            let permit = tokio::select! {
                () = &mut shutdown => break,
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let stream = tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        if !failing {
                            report::warn(&format!("cannot accept a connection, trying again: {e}"));
                        }
                        failing = true;
                        tokio::select! {
                            () = &mut shutdown => break,
                            () = tokio::time::sleep(ACCEPT_RETRY) => continue,
                        }
                    }
                },
            };
            failing = false;
            let open = Open::new(connections.clone());
            tasks.spawn(connection(
                stream,
                tls.clone().map(TlsAcceptor::from),
                router.clone(),
                limits,
                stopping.clone(),
                permit,
                open,
            ));
        }
        drop(listener);
        let _ = stop.send(true);
        let finished = tokio::time::timeout(limits.grace_period, async { while tasks.join_next().await.is_some() {} })
            .await
            .is_ok();
        let cut = if finished { 0 } else { tasks.len() };
        tasks.shutdown().await;
        cut
    }
}

/// Serves one connection, after its TLS handshake when there is TLS, until it ends, or until
/// the stop and then the end of its answer.
async fn connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: Limits,
    stopping: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
    _open: Open,
) {
    let _ = stream.set_nodelay(true);
    let io = TimedIo::new(stream, limits.idle_timeout, limits.write_timeout);
    match tls {
        None => serve(io, router, limits, stopping).await,
        Some(acceptor) => {
            // A failed or slow handshake (plain HTTP, an unknown client certificate) needs no
            // report: the client is told by TLS, or by the connection's end.
            if let Ok(Ok(io)) = tokio::time::timeout(limits.header_read_timeout, acceptor.accept(io)).await {
                serve(io, router, limits, stopping).await;
            }
        }
    }
}

/// Serves HTTP/1.1 on `io`.
async fn serve(
    io: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    router: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
) {
    let io = TokioIo::new(io);
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_BUFFER)
        // Bodies are queued, never copied into the connection's buffer.
        .writev(true)
        .keep_alive(true)
        .serve_connection(io, TowerToHyperService::new(router));
    tokio::pin!(conn);
    // A connection that ends in error (a timeout, a client that went away) needs no report.
    let stop = async {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stop => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// One open connection, counted in [`Connections`] from its acceptance to its end.
#[derive(Debug)]
struct Open(watch::Sender<Connections>);

impl Open {
    fn new(connections: watch::Sender<Connections>) -> Self {
        connections.send_modify(|c| {
            c.open += 1;
            c.accepted += 1;
        });
        Self(connections)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.send_modify(|c| c.open -= 1);
    }
}
