//! Exit codes, and the one line a person reads when something fails.

use workspace_blocking::Error;

use crate::safe_text;

/// Success.
pub(crate) const OK: u8 = 0;
/// The output could not be written.
pub(crate) const OUTPUT: u8 = 1;
/// The local emulator (`--emulator`) could not start.
#[cfg(feature = "emulator")]
pub(crate) const EMULATOR: u8 = 1;
/// Usage or invalid input: nothing was sent.
pub(crate) const USAGE: u8 = 2;
/// Missing or invalid configuration or credentials.
pub(crate) const CONFIG: u8 = 3;
/// The service answered with an error.
pub(crate) const SERVICE: u8 = 4;
/// Network failure or timeout.
pub(crate) const NETWORK: u8 = 5;
/// A response that breaks the documented contract: one that could not be understood, an IAM
/// answer naming no project, a page without `total_count`.
pub(crate) const INVALID_RESPONSE: u8 = 6;
/// The service behaves differently from its documentation (`doctor`).
pub(crate) const DIFFERS: u8 = 7;

/// The most characters shown of each text the service gave in an error (code, message, detail,
/// request id).
const MAX_SERVICE_TEXT: usize = 300;
/// The most characters shown of any other error.
const MAX_ERROR: usize = 1000;

/// Whether `error` is a project id that IAM named but that cannot be used. The options' project
/// id is checked when the configuration is loaded (a bad one is a configuration error naming its
/// source), so a project id refused during a call is the one discovered from IAM.
fn is_discovered_project_id(error: &Error) -> bool {
    matches!(error.last_error(), Error::InvalidRequest(v) if v.field() == "project_id")
}

/// The exit code of an error.
pub(crate) fn code(error: &Error) -> u8 {
    if is_discovered_project_id(error) {
        return INVALID_RESPONSE;
    }
    match error.last_error() {
        Error::InvalidRequest(_) => USAGE,
        Error::Config(_) | Error::Signing(_) => CONFIG,
        Error::Service(_) | Error::Paging(_) => SERVICE,
        Error::Transport(_) | Error::Deadline(_) => NETWORK,
        Error::InvalidResponse(_) => INVALID_RESPONSE,
        _ => SERVICE,
    }
}

/// `error` as one line for stderr: what a person needs, with the service's texts escaped and
/// each cut to a sensible length.
pub(crate) fn describe(error: &Error) -> String {
    let cut = |text: &str| safe_text::bounded(text, MAX_SERVICE_TEXT);
    if is_discovered_project_id(error) {
        let why = safe_text::bounded(&error.last_error().to_string(), MAX_ERROR);
        return format!("IAM named a project whose id cannot be used ({why}); give the project id explicitly");
    }
    match error {
        Error::Retry(r) => {
            format!("{} (gave up after {} attempts: {})", describe(r.last_error()), r.attempts(), r.reason())
        }
        // In `wks`, only `--deadline` sets a deadline.
        Error::Deadline(d) => format!("timed out: {d} (--deadline)"),
        Error::Service(s) => {
            let mut line = format!("HTTP {} {}: {}", s.status().as_u16(), cut(s.code()), cut(s.message()));
            if let Some(detail) = s.detail() {
                line.push_str(&format!(" ({})", cut(detail)));
            }
            match s.request_id() {
                Some(id) => line.push_str(&format!(" [request id {}]", cut(id))),
                None => line.push_str(" [no request id]"),
            }
            line
        }
        other => safe_text::bounded(&other.to_string(), MAX_ERROR),
    }
}

/// Prints one line on stderr (an error, or what a read did): `wks: ` and `message`, escaped and
/// bounded.
pub(crate) fn report(message: &str) {
    eprintln!("wks: {}", safe_text::bounded(message, MAX_ERROR * 2));
}

/// Prints a warning on stderr, one line: `wks: warning: ` and `message`, escaped and bounded.
pub(crate) fn warn(message: &str) {
    report(&format!("warning: {message}"));
}

/// Says on stderr that the output stopped early, when some of it was written.
pub(crate) fn report_incomplete(written: u64) {
    if written > 0 {
        let noun = if written == 1 { "desktop was" } else { "desktops were" };
        eprintln!("wks: {written} {noun} written before the error; the output is incomplete");
    }
}
