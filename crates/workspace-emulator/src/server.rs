//! The accept loop and the churn task, on the emulator's own runtime.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::service::handle;
use crate::state::Shared;

/// How long a connection may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves connections from `listener` until `shutdown` fires.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    tokio::spawn(churn(shared.clone()));
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A failed accept (such as too many open files) is passed over; the next may succeed.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        // A second handle to the socket, so that a fault can make its close a reset.
        let Ok(socket) = stream.into_std().and_then(|s| Ok((s.try_clone()?, s))) else { continue };
        let (handle_copy, socket) = socket;
        let Ok(stream) = tokio::net::TcpStream::from_std(socket) else { continue };
        let socket = Arc::new(handle_copy);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, shared.clone(), socket.clone()));
            // A connection that ends in error (a client that went away, a fault) needs no report.
            // A client that does not finish its headers within the timeout is disconnected.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .auto_date_header(false)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Makes random status transitions at the configured rate, ten times a second.
async fn churn(shared: Arc<Shared>) {
    let seed = match &shared.config.fleet {
        crate::config::Fleet::Generated(spec) => spec.seed,
        crate::config::Fleet::Desktops(_) => 0,
    };
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_c0de);
    let mut owed = 0.0f64;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        owed += shared.settings().churn / 10.0;
        let n = owed.floor();
        if n >= 1.0 {
            owed -= n;
            shared.churn(&mut rng, n as usize);
        }
    }
}
