//! `wks`: see which Huawei Cloud Workspace desktops are in use, by whom, and which dropped their
//! connection. A thin command over the `workspace-blocking` client.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod deadline;
mod doctor;
mod exit;
mod generate;
mod output;
mod safe_text;
mod setup;
mod sink;
mod table;
mod top;
mod users;
mod wait;
mod watch;

use std::io::{ErrorKind, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, ValueEnum};

use workspace_blocking::types::ConnectStatus;

use crate::args::{Cli, ColorWhen, Command, Connections, Format};
use crate::commands::Failure;
use crate::output::Style;
use crate::sink::Sink;

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    if cli.global.verbose > 1 {
        log_to_stderr(cli.global.verbose, output::colour(cli.global.output.color, std::io::stderr().is_terminal()));
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
        Err(Failure::Usage(why)) => {
            exit::report(&why);
            ExitCode::from(exit::USAGE)
        }
        Err(Failure::Differs(first)) => {
            exit::report(&format!("the service behaves differently from its documentation: {first}"));
            ExitCode::from(exit::DIFFERS)
        }
        #[cfg(feature = "emulator")]
        Err(Failure::Emulator(e)) => {
            exit::report(&format!("cannot start the local emulator (--emulator): {e}"));
            ExitCode::from(exit::EMULATOR)
        }
        Err(Failure::Sdk(e)) => {
            exit::report(&exit::describe(&e));
            exit::report_incomplete(written);
            ExitCode::from(exit::code(&e))
        }
    }
}

/// The command line, with help and errors in colour as `--color` (wherever it is given) and the
/// environment say.
fn parse() -> Result<Cli, clap::Error> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let when = args.iter().zip(args.iter().skip(1)).rev().find_map(|(flag, value)| {
        let value = match flag.to_str()? {
            "--color" => value.to_str()?,
            _ => value.to_str()?.strip_prefix("--color=")?,
        };
        ColorWhen::from_str(value, true).ok()
    });
    let choice = match when {
        Some(ColorWhen::Always) => clap::ColorChoice::Always,
        Some(ColorWhen::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let mut matches = Cli::command().color(choice).try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches)
}

/// Runs the command; all but `watch` end by `--deadline` whatever happens. Input is checked and
/// read before anything else, so that bad input is reported even when the configuration is
/// missing too.
fn run(cli: &Cli, sink: &Arc<Sink>) -> Result<(), Failure> {
    let global = &cli.global;
    match &cli.command {
        Command::Completions(args) => return Ok(generate::completions(args.shell, sink)?),
        Command::ManPages(args) => return Ok(generate::man_pages(&args.dir)?),
        _ => {}
    }
    if let Command::Connections(Connections::List(args)) = &cli.command {
        commands::check_list(args)?;
        if let Some(status) = args.status.as_ref().filter(|s| !s.is_known()) {
            exit::warn(&format!(
                "--status {:?} is not one of the documented statuses; sent as given (documented: {})",
                status.as_str(),
                ConnectStatus::known_values()
            ));
        }
    }
    let doctor_style = Style::new(&global.output, Format::Json);
    if let (Command::Doctor, Format::Csv | Format::Ndjson) = (&cli.command, doctor_style.format) {
        let format = if doctor_style.format == Format::Csv { "csv" } else { "ndjson" };
        return Err(Failure::Usage(format!("invalid --output {format} for doctor: must be table, wide or json")));
    }
    if let Command::Top(_) = &cli.command {
        top::check_terminal()?;
    }
    let users = cli.command.users_from().map(users::read).transpose().map_err(Failure::Usage)?;
    if !matches!(cli.command, Command::Connections(Connections::Watch(_)) | Command::Top(_)) {
        deadline::start(global.deadline, Arc::clone(sink));
    }
    let session = setup::session(global)?;
    let client = &session.client;
    match &cli.command {
        Command::Connections(Connections::List(args)) => commands::list(client, args, users, global, sink),
        Command::Connections(Connections::Summary(_)) => commands::summary(client, users, global, sink),
        Command::Connections(Connections::Watch(args)) => watch::watch(client, args, users, global, sink),
        Command::Doctor => doctor::doctor(client, &doctor_style, sink),
        Command::Top(args) => top::top(client, args, users, global.deadline),
        Command::Completions(_) | Command::ManPages(_) => Ok(()),
    }
}

/// Logs the SDK's events on stderr: with `-vv` its decisions (retries, failovers, giving up,
/// how a whole read splits and pages), with `-vvv` every attempt too; in colour when `colour`.
/// The line per HTTP exchange that `-v` shows comes from the client's transport (`setup`), since
/// the SDK's events carry neither the method nor the path.
fn log_to_stderr(verbose: u8, colour: bool) {
    use tracing_subscriber::filter::LevelFilter;
    let level = if verbose > 2 { LevelFilter::DEBUG } else { LevelFilter::INFO };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(colour)
        .try_init();
}
