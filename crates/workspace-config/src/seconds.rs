//! Durations written as a number of seconds, as command lines give them.

use std::fmt;
use std::time::Duration;

/// The longest duration [`parse_seconds`] accepts: a day.
pub const MAX_SECONDS: u64 = 86_400;

/// Reads a duration written as a decimal number of seconds (`30`, `0.5`): more than 0 and at
/// most a day. Fit for clap's `value_parser`.
///
/// ```
/// use std::time::Duration;
/// use workspace_config::parse_seconds;
///
/// assert_eq!(parse_seconds("1.5")?, Duration::from_millis(1500));
/// assert!(parse_seconds("0").is_err() && parse_seconds("soon").is_err());
/// # Ok::<(), workspace_config::SecondsError>(())
/// ```
pub fn parse_seconds(text: &str) -> Result<Duration, SecondsError> {
    let seconds: f64 = text.parse().map_err(|_| SecondsError(format!("{text:?} is not a number of seconds")))?;
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero() && *d <= Duration::from_secs(MAX_SECONDS))
        .ok_or_else(|| SecondsError(format!("{text} must be more than 0 and at most {MAX_SECONDS} seconds")))
}

/// Text that [`parse_seconds`] refuses; the message quotes it and says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondsError(String);

impl fmt::Display for SecondsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecondsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_finite_seconds_up_to_a_day() {
        assert_eq!(parse_seconds("86400").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_seconds("0.001").unwrap(), Duration::from_millis(1));
        assert_eq!(parse_seconds("").unwrap_err().to_string(), "\"\" is not a number of seconds");
        for bad in ["-1", "0", "86400.5", "NaN", "inf", "1e400", "ten"] {
            let err = parse_seconds(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{bad}: {err}");
        }
    }
}
