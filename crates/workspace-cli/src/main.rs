//! `wks`: see which Huawei Cloud Workspace desktops are in use, by whom, and which dropped their
//! connection. A thin command over the `workspace-blocking` client.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod exit;
mod output;
mod setup;

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, Connections};
use crate::commands::Failure;

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
        use tracing_subscriber::filter::LevelFilter;
        let level = if cli.global.verbose > 1 { LevelFilter::DEBUG } else { LevelFilter::INFO };
        let _ =
            tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(level).with_target(false).try_init();
    }
    let Command::Connections(command) = &cli.command;
    let checked = match command {
        Connections::List(args) => commands::check_list(args),
        Connections::Summary(_) | Connections::Watch(_) => Ok(()),
    };
    let result =
        checked.and_then(|()| setup::session(&cli.global)).map_err(Failure::Sdk).and_then(|session| match command {
            Connections::List(args) => commands::list(&session.client, args),
            Connections::Summary(args) => commands::summary(&session.client, args),
            Connections::Watch(args) => commands::watch(&session.client, args),
        });
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        // A reader that went away (`wks ... | head`) is not a failure.
        Err(Failure::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
        Err(Failure::Output(e)) => {
            eprintln!("wks: cannot write the output: {e}");
            ExitCode::from(exit::OUTPUT)
        }
        Err(Failure::Sdk(e)) => {
            eprintln!("wks: {e}");
            ExitCode::from(exit::code(&e))
        }
    }
}
