//! The subcommands `list` and `summary` (`watch` has its own file): they call the SDK and write
//! what it returns; they decide nothing a library user would also need.

use std::io::{self, IsTerminal};

use workspace_blocking::{Client, Error, Query, ReadReport};

use crate::args::{Format, Global, List};
use crate::exit;
use crate::output::{self, DesktopWriter, Style};
use crate::sink::Sink;

/// What made a command fail.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The SDK's error.
    Sdk(Error),
    /// The output could not be written.
    Output(io::Error),
    /// The service behaves differently from its documentation: the first check that failed.
    Differs(String),
    /// Input that cannot be used (nothing was sent), and why.
    Usage(String),
    /// The local emulator (`--emulator`) could not start.
    #[cfg(feature = "emulator")]
    Emulator(io::Error),
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

/// The query of `connections list`, as the flags give it.
fn query(args: &List) -> Query {
    let mut b = Query::new().user_names(args.users.iter().cloned());
    if let Some(s) = &args.status {
        b = b.connect_status(s.clone());
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
    // Every rule but the 100-name limit: more names are read in batches.
    query(args).batches()?;
    Ok(())
}

/// `query` with the user names of `--users-from`, if given, as its source of user names.
pub(crate) fn with_directory(query: Query, users: Option<Vec<String>>) -> Query {
    match users {
        Some(names) => query.user_directory(names),
        None => query,
    }
}

/// Says on stderr, in one line, what a whole read did: when it saw the fleet move, and always
/// with `-v`; never with `--quiet`. Never on stdout, which holds only what was asked for.
pub(crate) fn report_read(report: &ReadReport, verbose: u8, quiet: bool) {
    if !quiet && (report.moved() || verbose > 0) {
        exit::report(&report.to_string());
    }
}

/// `connections list`, with the user names of `--users-from`: every matching desktop, or with
/// `--limit` (and not `--all`) one request.
pub(crate) fn list(
    client: &Client,
    args: &List,
    users: Option<Vec<String>>,
    global: &Global,
    sink: &Sink,
) -> Result<(), Failure> {
    let query = query(args);
    let quiet = global.output.quiet;
    let mut out = DesktopWriter::new(Style::new(&global.output, Format::Json), args.sort_by, sink);
    // One request serves a limited query when its distinct names fit in one; more are read in
    // batches. User names from a file serve only whole reads, so they make one.
    let one_request = query.request().is_ok();
    if let (Some(limit), false, None, true) = (args.limit, args.all, &users, one_request) {
        let page = client.send(&query)?;
        for d in page.desktops() {
            out.desktop(d)?;
        }
        out.finish(page.total_count())?;
        let listed = u64::try_from(page.desktops().len()).unwrap_or(u64::MAX);
        if let (false, Some(total)) = (quiet, page.total_count()) {
            report_remaining(total, args.offset.unwrap_or(0), listed, limit);
        }
        return Ok(());
    }
    let mut progress = Progress::new(quiet);
    let mut desktops = client.read_fleet(&with_directory(query, users));
    for desktop in desktops.by_ref() {
        match desktop {
            Ok(d) => {
                out.desktop(&d)?;
                progress.tick();
            }
            // The read yields its error after every desktop it released before the failure.
            Err(e) => return Err(e.into()),
        }
    }
    drop(progress);
    out.finish(None)?;
    report_read(&desktops.report(), global.verbose, quiet);
    Ok(())
}

/// Says on stderr, in one line, how many desktops one limited request left out of the service's
/// `total`, and how to get them.
fn report_remaining(total: u64, offset: u32, listed: u64, limit: u32) {
    let next = u64::from(offset) + listed;
    let remaining = total.saturating_sub(next);
    if remaining == 0 {
        return;
    }
    let noun = if remaining == 1 { "desktop" } else { "desktops" };
    exit::report(&format!(
        "{remaining} more {noun} of {total} not listed (--limit {limit}): add --offset {next} for the next page, or leave out --limit to list them all"
    ));
}

/// The progress of a long read, on stderr when it is a terminal; cleared when dropped, so that an
/// error line starts on a clean line.
struct Progress {
    shown: bool,
    read: u64,
    on: bool,
}

impl Progress {
    /// Progress on stderr when it is a terminal, unless `quiet`.
    fn new(quiet: bool) -> Self {
        Self { shown: false, read: 0, on: !quiet && io::stderr().is_terminal() }
    }

    fn tick(&mut self) {
        self.read += 1;
        if self.on && self.read % 500 == 0 {
            eprint!("\rread {} desktops…", self.read);
            self.shown = true;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
        }
    }
}

/// `connections summary`, with the user names of `--users-from` for a count that reads.
pub(crate) fn summary(
    client: &Client,
    users: Option<Vec<String>>,
    global: &Global,
    sink: &Sink,
) -> Result<(), Failure> {
    let counts = client.count_by_status(&with_directory(Query::new(), users))?;
    sink.write(&output::counts(&Style::new(&global.output, Format::Json), &counts)?, 0)?;
    sink.flush()?;
    Ok(())
}
