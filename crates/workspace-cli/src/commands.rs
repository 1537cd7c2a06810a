//! The subcommands `list` and `summary` (`watch` has its own file): they call the SDK and write
//! what it returns; they decide nothing a library user would also need.

use std::io::{self, IsTerminal};

use workspace_blocking::{Client, Error, Query};

use crate::args::{Format, List, Summary};
use crate::output::{self, DesktopWriter};
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

/// The format asked for, else a table on a terminal and `fallback` otherwise.
pub(crate) fn format(asked: Option<Format>, fallback: Format) -> Format {
    asked.unwrap_or(if io::stdout().is_terminal() { Format::Table } else { fallback })
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

/// `connections list`.
pub(crate) fn list(client: &Client, args: &List, sink: &Sink) -> Result<(), Failure> {
    let query = query(args);
    let mut out = DesktopWriter::new(format(args.output, Format::Json), sink);
    // One request serves the query when its distinct names fit in one; more are read in batches.
    let one_request = query.request().is_ok();
    if !args.all && one_request {
        let page = client.send(&query)?;
        for d in page.desktops() {
            out.desktop(d)?;
        }
        out.finish(page.total_count())?;
        return Ok(());
    }
    let mut progress = Progress::new();
    for desktop in client.read_fleet(&query) {
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
    Ok(())
}

/// The progress of a long read, on stderr when it is a terminal; cleared when dropped, so that an
/// error line starts on a clean line.
struct Progress {
    shown: bool,
    read: u64,
    on: bool,
}

impl Progress {
    fn new() -> Self {
        Self { shown: false, read: 0, on: io::stderr().is_terminal() }
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

/// `connections summary`.
pub(crate) fn summary(client: &Client, args: &Summary, sink: &Sink) -> Result<(), Failure> {
    let counts = client.count_by_status(&Query::new())?;
    sink.write(&output::counts(format(args.output, Format::Json), &counts)?, 0)?;
    sink.flush()?;
    Ok(())
}
