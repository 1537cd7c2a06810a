//! Polling on the interval: one poll at a time, failures reported and slowed when they will not
//! pass by themselves, and no poll at all after the credentials were refused.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use tokio::time::{Instant, sleep_until};
use workspace_core::Error;
use workspace_exporter::{Exporter, Exposer};

use crate::report;

/// The least wait after an error that polling again will not mend (403, other 4xx).
const PERMANENT_ERROR_WAIT: Duration = Duration::from_secs(15 * 60);

/// What the loop does after a failed poll.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Polls again after this wait; the text says why it is long, when it is.
    Retry(Duration, &'static str),
    /// Polls no more: the service refused the credentials.
    Stop,
}

/// What follows a poll that failed with `e`. A 401 stops polling: five refused AK/SK signatures
/// in a row lock the key for five minutes, for every program that uses it, and polling again
/// with the same credentials cannot succeed. Other errors that polling again will not mend wait
/// at least [`PERMANENT_ERROR_WAIT`]; the rest (network, timeouts, 5xx, 429, a fleet that moved
/// faster than it could be read) the interval.
fn after_failure(e: &Error, interval: Duration) -> Next {
    if e.status() == Some(StatusCode::UNAUTHORIZED) {
        Next::Stop
    } else if e.is_permanent() {
        Next::Retry(interval.max(PERMANENT_ERROR_WAIT), "this error will not pass by itself; ")
    } else {
        Next::Retry(interval, "")
    }
}

/// Polls now, then every `interval` from the start of the previous poll (at once when a poll
/// took longer), and has `exposer` render again after each poll; returns only when the service
/// refused the credentials, after saying so. Log lines start with `name` when it is not empty.
pub(crate) async fn run(exporter: Arc<Exporter>, exposer: Arc<Exposer>, interval: Duration, name: String) {
    let mut failures = 0u64;
    let prefix = if name.is_empty() { String::new() } else { format!("{name}: ") };
    loop {
        let started = Instant::now();
        let polled = exporter.poll_once().await;
        exposer.refresh();
        let wait = match polled {
            Ok(()) => {
                if failures > 0 {
                    report::info(&format!("{prefix}poll succeeded after {failures} failed"));
                } else {
                    report::debug(&format!("{prefix}poll succeeded in {:.3} s", started.elapsed().as_secs_f64()));
                }
                failures = 0;
                interval
            }
            Err(e) => {
                failures += 1;
                match after_failure(&e, interval) {
                    Next::Stop => {
                        report::error(&format!(
                            "{prefix}poll failed: the service refused the credentials; polling stopped until the exporter is \
                             restarted, so that it cannot lock the key (five refused signatures in a row lock it for \
                             five minutes): {e}"
                        ));
                        return;
                    }
                    Next::Retry(wait, why) => {
                        report::warn(&format!(
                            "{prefix}poll failed ({failures} in a row), {why}trying again in {} s: {e}",
                            wait.as_secs_f64()
                        ));
                        wait
                    }
                }
            }
        };
        sleep_until(started + wait).await;
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::net::SocketAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use workspace_core::{Credentials, PagingError};
    use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig};
    use workspace_exporter::{BasicAuth, Settings, router};

    use super::*;
    use crate::serve::{Connections, Limits, Server};

    /// The longest a test waits for what must happen; only a guard against a hang.
    const HANG_GUARD: Duration = Duration::from_secs(60);

    async fn guarded<T>(what: &str, future: impl Future<Output = T>) -> T {
        tokio::time::timeout(HANG_GUARD, future).await.unwrap_or_else(|_| panic!("gave up waiting for {what}"))
    }

    fn emulator() -> Emulator {
        Emulator::start(EmulatorConfig::default().desktops(50)).unwrap_or_else(|e| panic!("the emulator: {e}"))
    }

    fn exporter(emu: &Emulator, settings: Settings, secret_key: Option<&str>) -> Arc<Exporter> {
        let mut options = emu.client_options().unwrap_or_else(|e| panic!("{e}"));
        if let Some(sk) = secret_key {
            options = options.credentials(Credentials::ak_sk(DEMO_AK, sk).unwrap_or_else(|e| panic!("{e}")));
        }
        let options = options.build().unwrap_or_else(|e| panic!("{e}"));
        Arc::new(Exporter::new(options, settings).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn a_fleet_that_moved_too_fast_is_polled_again_at_the_interval() {
        let e = Error::from(PagingError::FleetChanged { delivered: 10, requests: 9, pages_reread: 4 });
        let interval = Duration::from_secs(60);
        assert_eq!(after_failure(&e, interval), Next::Retry(interval, ""));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refused_credentials_cost_one_signature_and_stop_polling() {
        for settings in [Settings::default(), Settings::default().per_desktop(true)] {
            let emu = emulator();
            let exporter = exporter(&emu, settings.clone(), Some("not-the-demo-secret-key-4711"));
            // The loop returns once it stopped polling; the interval is short, so that a loop
            // that went on would send more before the guard.
            let exposer = Arc::new(Exposer::new(vec![Arc::clone(&exporter)]));
            let run = run(Arc::clone(&exporter), exposer, Duration::from_millis(1), String::new());
            guarded("the poll loop to stop", run).await;
            let stats = emu.stats();
            assert_eq!(stats.auth_failures, 1, "{settings:?}: one refused signature");
            assert_eq!(stats.requests, 1, "{settings:?}: nothing sent after the refusal");
            assert_eq!(*exporter.polls().borrow(), 1);
            let text = exporter.render(workspace_exporter::Format::Text);
            assert!(text.contains("huaweicloud_workspace_up{project_id="), "{text}");
            assert!(text.contains("error_code=\"APIGW.0301\""), "the error stays exported: {text}");
            assert!(!text.contains("last_success"), "{text}");
        }
    }

    /// An HTTP/1.1 GET of `/healthz`, with the connection closed after the answer.
    const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: exporter\r\nConnection: close\r\n\r\n";

    #[tokio::test(flavor = "current_thread")]
    async fn connections_past_the_cap_wait_and_the_poller_runs_on() {
        let emu = emulator();
        let exporter = exporter(&emu, Settings::default(), None);
        let hour = Duration::from_secs(3600);
        let limits = Limits {
            max_connections: 2,
            header_read_timeout: hour,
            idle_timeout: hour,
            write_timeout: hour,
            grace_period: hour,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let addr: SocketAddr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let exposer = Arc::new(Exposer::new(vec![Arc::clone(&exporter)]));
        let server = Server::new(listener, router(Arc::clone(&exposer), BasicAuth::default()), limits);
        let mut connections = server.connections();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        let poller = tokio::spawn(run(Arc::clone(&exporter), exposer, Duration::from_millis(1), String::new()));

        // The cap's worth of connections that send nothing.
        let connect = || async move { TcpStream::connect(addr).await.unwrap_or_else(|e| panic!("{e}")) };
        let idle = [connect().await, connect().await];
        assert!(guarded("two open connections", connections.wait_for(|c| c.open == 2)).await.is_ok());

        // One past the cap asks for /healthz, and waits.
        let mut waiting = connect().await;
        waiting.write_all(HEALTHZ).await.unwrap_or_else(|e| panic!("{e}"));

        // The poller runs on meanwhile.
        let mut polls = exporter.polls();
        let now = *polls.borrow_and_update();
        assert!(guarded("three more polls", polls.wait_for(|n| *n >= now + 3)).await.is_ok());
        assert_eq!(*connections.borrow(), Connections { open: 2, accepted: 2 });
        let mut byte = [0u8; 1];
        assert!(
            matches!(waiting.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "the connection past the cap has no answer yet"
        );

        // One closes: the waiting one is accepted and answered.
        drop(idle);
        let mut answer = String::new();
        guarded("the answer", waiting.read_to_string(&mut answer)).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.ends_with("\r\n\r\nok\n"), "{answer}");
        assert_eq!(connections.borrow().accepted, 3);

        poller.abort();
        let _ = stop.send(());
        assert_eq!(guarded("the server to stop", served).await.ok(), Some(0), "no connection left to cut");
    }
}
