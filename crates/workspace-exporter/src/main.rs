//! `workspace-exporter`: Huawei Cloud Workspace desktop connection statuses as Prometheus
//! metrics, polled on an interval and served on `/metrics`.
#![forbid(unsafe_code)]

mod args;
mod poll_loop;
mod report;
mod setup;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use workspace_core::Error;
use workspace_exporter::{Exporter, Settings, router};

use crate::args::Cli;
use crate::report::report;

/// Bad flags or values.
const USAGE: u8 = 2;
/// Missing or invalid configuration or credentials.
const CONFIG: u8 = 3;
/// The address cannot be listened on.
const LISTEN: u8 = 1;

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
    report(&format!("listening on http://{addr}/metrics"));
    if let Some(emu) = &setup.emulator {
        report(&format!(
            "using a local emulator at {} (project {}, {} demo desktops, demo credentials)",
            emu.base_url(),
            emu.project_id(),
            emu.desktops().len()
        ));
    }
    let poller = tokio::spawn(poll_loop::run(Arc::clone(&exporter), interval));
    let served = axum::serve(listener, router(exporter)).with_graceful_shutdown(shutdown()).await;
    poller.abort();
    match served {
        Ok(()) => {
            report("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&format!("the listener failed: {e}"));
            ExitCode::from(LISTEN)
        }
    }
}

/// Reports a setup error and returns its exit code.
fn fail(e: &Error) -> ExitCode {
    report(&e.to_string());
    ExitCode::from(if matches!(e, Error::InvalidRequest(_)) { USAGE } else { CONFIG })
}

/// Completes at Ctrl-C or, on Unix, SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
