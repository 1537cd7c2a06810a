//! The subcommands: they call the SDK and write what it returns; they decide nothing a library
//! user would also need.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use workspace_blocking::types::{
    ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder,
};
use workspace_blocking::{Client, Error};

use crate::args::{Format, List, Status, Summary, Watch};
use crate::output::{self, DesktopWriter};

/// What made a command fail.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The SDK's error.
    Sdk(Error),
    /// The output could not be written.
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sdk(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

fn status(s: Status) -> ConnectStatus {
    match s {
        Status::Unregister => ConnectStatus::Unregister,
        Status::Registered => ConnectStatus::Registered,
        Status::Connected => ConnectStatus::Connected,
        Status::Disconnected => ConnectStatus::Disconnected,
    }
}

/// The format asked for, else a table on a terminal and `fallback` otherwise.
fn format(asked: Option<Format>, fallback: Format) -> Format {
    asked.unwrap_or(if io::stdout().is_terminal() { Format::Table } else { fallback })
}

/// The query of `connections list`, as the flags give it.
fn query(args: &List) -> ListDesktopsConnectStatusRequestBuilder {
    let mut b = ListDesktopsConnectStatusRequest::builder().user_names(args.users.iter().cloned());
    if let Some(s) = args.status {
        b = b.connect_status(status(s));
    }
    if let Some(o) = args.offset {
        b = b.offset(o);
    }
    if let Some(l) = args.limit {
        b = b.limit(l);
    }
    b
}

/// Checks the query of `connections list` before anything else: bad input is reported (exit code
/// 2) even when the configuration is missing too.
pub(crate) fn check_list(args: &List) -> Result<(), Error> {
    query(args).build_batches()?;
    Ok(())
}

/// `connections list`.
pub(crate) fn list(client: &Client, args: &List) -> Result<(), Failure> {
    let call = client.list_desktops_connect_status().query(query(args));
    let mut out = DesktopWriter::new(format(args.output, Format::Json), io::stdout().lock())?;
    if !args.all && args.users.len() <= 100 {
        let page = call.send()?;
        for d in page.desktops() {
            out.desktop(d)?;
        }
        out.finish(page.total_count())?;
        return Ok(());
    }
    let progress = io::stderr().is_terminal();
    let mut n = 0u64;
    for desktop in call.read_fleet() {
        out.desktop(&desktop?)?;
        n += 1;
        if progress && n % 500 == 0 {
            eprint!("\rread {n} desktops…");
        }
    }
    if progress && n >= 500 {
        eprint!("\r\x1b[K");
    }
    out.finish(None)?;
    Ok(())
}

/// `connections summary`.
pub(crate) fn summary(client: &Client, args: &Summary) -> Result<(), Failure> {
    let counts = client.list_desktops_connect_status().count_by_status()?;
    output::counts(format(args.output, Format::Json), &mut io::stdout().lock(), &counts)?;
    Ok(())
}

/// `connections watch`: prints each change as it happens; a failed poll is reported on stderr
/// and the watch goes on.
pub(crate) fn watch(client: &Client, args: &Watch) -> Result<(), Failure> {
    let format = format(args.output, Format::Ndjson);
    let mut watcher = client.list_desktops_connect_status().watch(Duration::from_secs_f64(args.interval));
    if let Some(n) = args.iterations {
        watcher = watcher.max_polls(n);
    }
    let mut out = io::stdout().lock();
    let mut first = true;
    for event in watcher {
        match event {
            Ok(t) => {
                output::transition(format, &mut out, &t, first)?;
                first = false;
            }
            Err(e) => eprintln!("wks: poll failed, trying again at the next tick: {e}"),
        }
    }
    out.flush()?;
    Ok(())
}
