//! `wks`: see which Huawei Cloud Workspace desktops are in use, by whom, and which dropped their
//! connection. A thin command over the `workspace-blocking` client.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod deadline;
mod exit;
mod output;
mod safe_text;
mod setup;
mod sink;
mod wait;
mod watch;

use std::io::{ErrorKind, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::args::{Cli, Command, Connections};
use crate::commands::Failure;
use crate::sink::Sink;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    if cli.global.verbose > 0 {
        log_to_stderr(cli.global.verbose);
    }
    let sink = Arc::new(Sink::stdout());
    let result = run(&cli, &sink);
    let (written, flushed) = sink.close();
    let result = result.and_then(|()| flushed.map_err(Failure::Output));
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        // A reader that went away (`wks ... | head`) is not a failure.
        Err(Failure::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
        Err(Failure::Output(e)) => {
            exit::report(&format!("cannot write the output: {e}"));
            ExitCode::from(exit::OUTPUT)
        }
        Err(Failure::Sdk(e)) => {
            exit::report(&exit::describe(&e));
            exit::report_incomplete(written);
            ExitCode::from(exit::code(&e))
        }
    }
}

/// Runs the command; `list` and `summary` end by `--deadline` whatever happens.
fn run(cli: &Cli, sink: &Arc<Sink>) -> Result<(), Failure> {
    let Command::Connections(command) = &cli.command;
    let deadline = Duration::from_secs_f64(cli.global.deadline);
    if let Connections::List(args) = command {
        commands::check_list(args)?;
    }
    if !matches!(command, Connections::Watch(_)) {
        deadline::start(deadline, Arc::clone(sink));
    }
    let session = setup::session(&cli.global)?;
    match command {
        Connections::List(args) => commands::list(&session.client, args, sink),
        Connections::Summary(args) => commands::summary(&session.client, args, sink),
        Connections::Watch(args) => watch::watch(&session.client, args, sink, deadline),
    }
}

/// Logs calls (and with `-vv` every attempt) on stderr, in colour only on a terminal and never
/// when `NO_COLOR` is set.
fn log_to_stderr(verbose: u8) {
    use tracing_subscriber::filter::LevelFilter;
    let level = if verbose > 1 { LevelFilter::DEBUG } else { LevelFilter::INFO };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal() && !no_color)
        .try_init();
}
