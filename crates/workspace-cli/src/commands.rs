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
    // The read yields its error after every desktop it released before the failure.
    while let Some(desktop) = desktops.next() {
        out.desktop(&desktop?)?;
        progress.tick(desktops.expected());
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

    /// One more desktop read, of the `expected` the service counted when it is known.
    fn tick(&mut self, expected: Option<u64>) {
        self.read += 1;
        if self.on && self.read % 500 == 0 {
            eprint!("\r\x1b[K{}", progress_line(self.read, expected));
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

/// What the progress line says after `read` desktops: `read 500 of 1,200 desktops…` while the
/// service's count (`expected`) is known and not passed, else `read 500 desktops…`. The fleet may
/// move during the read, so the count is the service's word, never shown as less than was read.
fn progress_line(read: u64, expected: Option<u64>) -> String {
    match expected.filter(|&e| e >= read) {
        Some(e) => format!("read {} of {} desktops…", grouped(read), grouped(e)),
        None => format!("read {} desktops…", grouped(read)),
    }
}

/// A count with its thousands separated by commas: `12,000`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_shows_the_services_count_while_it_holds() {
        assert_eq!(progress_line(500, Some(1200)), "read 500 of 1,200 desktops…");
        assert_eq!(progress_line(12_000, Some(12_000)), "read 12,000 of 12,000 desktops…");
        assert_eq!(progress_line(500, None), "read 500 desktops…", "no count known");
        // The fleet grew during the read: the count no longer holds, so it is not shown.
        assert_eq!(progress_line(1500, Some(1200)), "read 1,500 desktops…");
        assert_eq!(progress_line(1_234_567, Some(2_000_000)), "read 1,234,567 of 2,000,000 desktops…");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [(0, "0"), (999, "999"), (1000, "1,000"), (12_000, "12,000"), (100_000, "100,000")];
        for (n, text) in cases {
            assert_eq!(grouped(n), text);
        }
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }
}
