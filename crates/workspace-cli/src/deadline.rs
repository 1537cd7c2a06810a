//! `--deadline` for `list` and `summary`: a watchdog that ends the command when its time is up,
//! whatever the retries and pages still to come, after the last whole record.

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::time::Duration;

use workspace_core::DeadlineExceeded;

use crate::exit;
use crate::sink::Sink;

/// Starts the watchdog: once `limit` has passed, unless `sink` was closed by then, it says so on
/// stderr (with how many desktops were written) and exits with the network failure code.
pub(crate) fn start(limit: Duration, sink: Arc<Sink>) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        sink.abort(|written| {
            // A progress line may be on the terminal: start afresh.
            let clear = if io::stderr().is_terminal() { "\r\x1b[K" } else { "" };
            eprintln!("{clear}wks: timed out: {} (--deadline)", DeadlineExceeded::new("the command", limit));
            exit::report_incomplete(written);
            std::process::exit(i32::from(exit::NETWORK));
        });
    });
}

/// Seconds as a person writes them: `300`, `0.5`.
pub(crate) fn seconds(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}
