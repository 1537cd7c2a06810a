//! `workspace-exporter`: Huawei Cloud Workspace desktop connection statuses as Prometheus
//! metrics, polled on an interval and served on `/metrics`.
#![forbid(unsafe_code)]

mod args;
mod poll_loop;
mod report;
mod serve;
mod setup;
mod timed_io;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use workspace_core::Error;
use workspace_exporter::{Exporter, Settings, router};

use crate::args::Cli;
use crate::report::report;
use crate::serve::{Limits, Server};

/// Bad flags or values.
const USAGE: u8 = 2;
/// Missing or invalid configuration or credentials.
const CONFIG: u8 = 3;
/// The address cannot be listened on.
const LISTEN: u8 = 1;

/// At a stop, the time the connections open have to finish their answer before they are closed.
const GRACE_PERIOD: Duration = Duration::from_secs(3);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { 0 });
        }
    };
    if cli.interval() < cli.min_interval() {
        let (min, got) = (cli.min_interval().as_secs_f64(), cli.interval().as_secs_f64());
        report(&format!("--interval must be at least {min} s (got {got} s)"));
        return ExitCode::from(USAGE);
    }
    raise_open_files_limit();
    let setup = match setup::setup(&cli) {
        Ok(setup) => setup,
        Err(e) => return fail(&e),
    };
    let interval = cli.interval();
    let settings = Settings::default()
        .per_desktop(cli.per_desktop)
        .transitions(cli.transitions)
        .region(setup.region)
        .poll_timeout(interval);
    let exporter = match Exporter::new(setup.options, settings) {
        Ok(exporter) => Arc::new(exporter),
        Err(e) => return fail(&e),
    };
    let listener = match tokio::net::TcpListener::bind(cli.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            report(&format!("cannot listen on {}: {e}", cli.listen));
            return ExitCode::from(LISTEN);
        }
    };
    let addr = listener.local_addr().unwrap_or(cli.listen);
    // Before saying it listens: from then on, a SIGTERM stops it cleanly.
    let shutdown = shutdown();
    report(&format!("listening on http://{addr}/metrics"));
    #[cfg(feature = "emulator")]
    if let Some(emu) = &setup.emulator {
        report(&format!(
            "using a local emulator at {} (project {}, {} demo desktops, demo credentials)",
            emu.base_url(),
            emu.project_id(),
            emu.desktops().len()
        ));
    }
    let limits = Limits {
        max_connections: usize::try_from(cli.max_connections).unwrap_or(usize::MAX),
        header_read_timeout: cli.header_read_timeout,
        idle_timeout: cli.idle_timeout,
        write_timeout: cli.write_timeout,
        grace_period: GRACE_PERIOD,
    };
    let poller = tokio::spawn(poll_loop::run(Arc::clone(&exporter), interval));
    let cut = Server::new(listener, router(exporter), limits).run(shutdown).await;
    poller.abort();
    if cut == 0 {
        report("stopped");
    } else {
        let s = if cut == 1 { "" } else { "s" };
        report(&format!(
            "stopped; closed {cut} connection{s} still open at the end of the {} s grace period",
            GRACE_PERIOD.as_secs()
        ));
    }
    ExitCode::SUCCESS
}

/// Raises the soft limit of open files to the hard limit: each connection, to the service or
/// from a scraper, is an open file, and running out of them fails both.
fn raise_open_files_limit() {
    #[cfg(unix)]
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        report(&format!("cannot raise the limit of open files: {e}"));
    }
}

/// Reports a setup error and returns its exit code.
fn fail(e: &Error) -> ExitCode {
    report(&e.to_string());
    ExitCode::from(if matches!(e, Error::InvalidRequest(_)) { USAGE } else { CONFIG })
}

/// A future that completes at Ctrl-C or, on Unix, SIGTERM. On Unix the handlers are installed
/// now, so that a signal that comes before the future is first polled is not lost (nor kills
/// the process by its default action).
fn shutdown() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (interrupt, terminate) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()));
        async move {
            let ended = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = ended(interrupt) => {}
                () = ended(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
