//! `connections watch`: read the whole fleet every interval, print each change. It fails
//! loudly: an error that will not go away by waiting (`Error::is_permanent`: a refused
//! authentication, another 4xx but 429, invalid input or configuration) ends it at once, and
//! transient failures are counted on stderr.

use std::time::{Duration, Instant, SystemTime};

use workspace_blocking::types::ConnectDesktopsInfo;
use workspace_blocking::{Client, Error, Query, ReadReport};
use workspace_core::{DeadlineExceeded, FleetDiff};

use crate::args::{self, Format, Global};
use crate::commands::{Failure, report_read, with_directory};
use crate::deadline::seconds;
use crate::exit;
use crate::output::{self, Style};
use crate::sink::Sink;
use crate::wait;

/// Polls until interrupted, for `--iterations` polls, until an error that is not transient, or
/// until the reader of stdout goes away (a success). With `--iterations`, it fails with the last
/// error when every poll failed. Each poll reads with the user names of `--users-from`, and says
/// what its read did on stderr when it saw the fleet move (always with `-v`).
pub(crate) fn watch(
    client: &Client,
    args: &args::Watch,
    users: Option<Vec<String>>,
    global: &Global,
    sink: &Sink,
) -> Result<(), Failure> {
    let style = Style::new(&global.output, Format::Ndjson);
    let (format, deadline) = (style.format, global.deadline);
    let query = with_directory(Query::new(), users);
    let interval = args.interval;
    let mut watch = FleetDiff::new();
    let (mut polls, mut failed_in_a_row, mut any_succeeded) = (0u64, 0u64, false);
    let mut header = format == Format::Csv && style.headers;
    loop {
        polls += 1;
        let last = args.iterations.is_some_and(|n| polls >= n);
        match poll(client, &query, deadline) {
            Ok((desktops, report)) => {
                report_read(&report, global.verbose, global.output.quiet);
                any_succeeded = true;
                failed_in_a_row = 0;
                for t in watch.observe(desktops, SystemTime::now()) {
                    // Changes are not counted: a count of desktops written is for listings.
                    sink.write(&output::transition(format, &t, header)?, 0)?;
                    header = false;
                }
                sink.flush()?;
            }
            Err(e) if e.is_permanent() || (last && !any_succeeded) => return Err(e.into()),
            Err(e) if last => exit::report(&format!("poll failed: {}", exit::describe(&e))),
            Err(e) => {
                failed_in_a_row += 1;
                let count = if failed_in_a_row > 1 { format!(" ({failed_in_a_row} in a row)") } else { String::new() };
                let retry = format!("trying again in {} s", seconds(interval));
                exit::report(&format!("poll failed{count}, {retry}: {}", exit::describe(&e)));
            }
        }
        if last || wait::reader_gone_within(interval) {
            return Ok(());
        }
    }
}

/// One poll: the whole fleet, within `deadline` (each request's retries stop by it too), and what
/// the read did.
pub(crate) fn poll(
    client: &Client,
    query: &Query,
    deadline: Duration,
) -> Result<(Vec<ConnectDesktopsInfo>, ReadReport), Error> {
    let started = Instant::now();
    let mut desktops = Vec::new();
    let mut read = client.read_fleet(query);
    for d in read.by_ref() {
        desktops.push(d?);
        if started.elapsed() > deadline {
            return Err(DeadlineExceeded::new("the poll", deadline).into());
        }
    }
    Ok((desktops, read.report()))
}
