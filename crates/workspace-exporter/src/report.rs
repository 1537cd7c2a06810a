//! Log lines on stderr: one per event, in logfmt or JSON, at or above the level asked for, with
//! the service's text unable to break them.

use std::sync::OnceLock;
use std::time::SystemTime;

use workspace_exporter::{LogFormat, LogLevel};

/// The most characters of a message shown.
const MAX_LINE: usize = 2000;

/// The format and least level, set once at the start; logfmt and `info` until then.
static SETTINGS: OnceLock<(LogFormat, LogLevel)> = OnceLock::new();

/// Sets the format and the least level shown, for the rest of the process.
pub(crate) fn init(format: LogFormat, level: LogLevel) {
    let _ = SETTINGS.set((format, level));
}

/// An event worth noting in normal operation.
pub(crate) fn info(message: &str) {
    log(LogLevel::Info, message);
}

/// Something went wrong, and the program goes on.
pub(crate) fn warn(message: &str) {
    log(LogLevel::Warn, message);
}

/// Something went wrong that stops the program or a part of it.
pub(crate) fn error(message: &str) {
    log(LogLevel::Error, message);
}

/// Routine detail, shown only with `--log.level debug`.
pub(crate) fn debug(message: &str) {
    log(LogLevel::Debug, message);
}

fn log(level: LogLevel, message: &str) {
    let (format, least) = SETTINGS.get().copied().unwrap_or((LogFormat::Logfmt, LogLevel::Info));
    if level >= least {
        eprintln!("{}", line(format, level, SystemTime::now(), message));
    }
}

/// One log line: the time (RFC 3339, UTC, milliseconds), the level and the message, in which
/// characters unsafe by the core's rule (`workspace_core::text`) are shown escaped (`\u{1b}`)
/// and which is cut when long.
fn line(format: LogFormat, level: LogLevel, time: SystemTime, message: &str) -> String {
    let time = humantime::format_rfc3339_millis(time).to_string();
    let message = workspace_core::text::bounded(message, MAX_LINE);
    match format {
        LogFormat::Logfmt => {
            let quoted = message.replace('\\', "\\\\").replace('"', "\\\"");
            format!("time={time} level={} msg=\"{quoted}\"", level.as_str())
        }
        LogFormat::Json => serde_json::json!({ "time": time, "level": level.as_str(), "msg": message }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    const T: Duration = Duration::from_millis(1_764_927_000_250);

    #[test]
    fn a_logfmt_line_stays_one_line_with_its_quotes_escaped() {
        let l = line(LogFormat::Logfmt, LogLevel::Warn, UNIX_EPOCH + T, "a\nb\u{1b}[2J\u{202E}c \"研发\"");
        assert_eq!(
            l,
            "time=2025-12-05T09:30:00.250Z level=warn msg=\"a\\\\u{a}b\\\\u{1b}[2J\\\\u{202e}c \\\"研发\\\"\""
        );
        assert!(line(LogFormat::Logfmt, LogLevel::Info, UNIX_EPOCH, &"x".repeat(3000)).ends_with("more characters)\""));
    }

    #[test]
    fn a_json_line_is_one_object() {
        let l = line(LogFormat::Json, LogLevel::Error, UNIX_EPOCH + T, "poll failed: \"x\"\n");
        let v: serde_json::Value = serde_json::from_str(&l).unwrap_or_default();
        assert_eq!(v["time"], "2025-12-05T09:30:00.250Z");
        assert_eq!(v["level"], "error");
        assert_eq!(v["msg"], "poll failed: \"x\"\\u{a}");
        assert!(!l.contains('\n'));
    }
}
