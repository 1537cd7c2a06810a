//! `workspace-exporter`: Huawei Cloud Workspace desktop connection statuses as Prometheus
//! metrics, polled on an interval and served on `/metrics`.
#![forbid(unsafe_code)]

mod poll_loop;
mod report;
mod serve;
mod setup;
mod timed_io;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use workspace_exporter::{Args, Exporter, Exposer, WebConfig, router};

use crate::serve::{Limits, Server};
use crate::setup::{CONFIG, Failed, USAGE};

/// The address cannot be listened on.
const LISTEN: u8 = 1;

/// At a stop, the time the connections open have to finish their answer before they are closed.
const GRACE_PERIOD: Duration = Duration::from_secs(3);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match Args::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { 0 });
        }
    };
    if let Some(shell) = cli.completions {
        clap_complete::generate(shell, &mut Args::command(), "workspace-exporter", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    if let Some(dir) = &cli.man_page {
        let written = std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(Args::command(), dir));
        if let Err(e) = written {
            eprintln!("workspace-exporter: cannot write the man page into {}: {e}", dir.display());
            return ExitCode::from(CONFIG);
        }
        return ExitCode::SUCCESS;
    }
    report::init(cli.log_format, cli.log_level);
    if cli.interval() < cli.min_interval() {
        let (min, got) = (cli.min_interval().as_secs_f64(), cli.interval().as_secs_f64());
        report::error(&format!("--interval must be at least {min} s (got {got} s)"));
        return ExitCode::from(USAGE);
    }
    raise_open_files_limit();
    let web = match &cli.web_config_file {
        Some(path) => match WebConfig::load(path) {
            Ok(web) => web,
            Err(e) => return fail(Failed { code: CONFIG, message: format!("--web.config.file {e}") }),
        },
        None => WebConfig::default(),
    };
    let setup = match setup::setup(&cli) {
        Ok(setup) => setup,
        Err(e) => return fail(e),
    };
    let mut targets = Vec::new();
    for target in &setup.targets {
        match Exporter::new(target.options.clone(), target.settings.clone()) {
            Ok(exporter) => targets.push(Arc::new(exporter)),
            Err(e) => return fail(e.into()),
        }
    }
    let exposer = Arc::new(Exposer::new(targets));
    let listener = match tokio::net::TcpListener::bind(cli.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            report::error(&format!("cannot listen on {}: {e}", cli.listen));
            return ExitCode::from(LISTEN);
        }
    };
    let addr = listener.local_addr().unwrap_or(cli.listen);
    // Before saying it listens: from then on, a SIGTERM stops it cleanly.
    let shutdown = shutdown();
    let scheme = if web.tls.is_some() { "https" } else { "http" };
    let auth = if web.users.is_enabled() { " (basic authentication)" } else { "" };
    report::info(&format!("listening on {scheme}://{addr}/metrics{auth}"));
    #[cfg(feature = "emulator")]
    if let Some(emu) = &setup.emulator {
        report::info(&format!(
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
    // One loop per target: a slow or failing target never delays the others.
    let pollers: Vec<_> = exposer
        .targets()
        .iter()
        .zip(&setup.targets)
        .map(|(exporter, target)| {
            let run = poll_loop::run(Arc::clone(exporter), Arc::clone(&exposer), target.interval, target.name.clone());
            tokio::spawn(run)
        })
        .collect();
    let server = Server::new(listener, router(exposer, web.users), limits).tls(web.tls);
    let cut = server.run(shutdown).await;
    for poller in pollers {
        poller.abort();
    }
    if cut == 0 {
        report::info("stopped");
    } else {
        let s = if cut == 1 { "" } else { "s" };
        report::info(&format!(
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
        report::warn(&format!("cannot raise the limit of open files: {e}"));
    }
}

/// Reports a setup error and returns its exit code.
fn fail(failed: Failed) -> ExitCode {
    report::error(&failed.message);
    ExitCode::from(failed.code)
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
