//! The `X-Sdk-Date` format (`%Y%m%dT%H%M%SZ`, UTC) and HTTP dates, without a clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Formats `t` as an `X-Sdk-Date` value, such as `20261130T040000Z`. Times before 1970 are
/// formatted as the epoch.
pub fn format_sdk_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Reads an `X-Sdk-Date` value; `None` unless it is exactly `YYYYMMDDTHHMMSSZ` and a real time.
pub fn parse_sdk_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
/// Formats `t` as an HTTP date (`Mon, 30 Nov 2026 04:00:00 GMT`), as in a `Date` header.
pub(crate) fn format_http_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t)
}

/// Reads an HTTP date, as in a `Date` or `Retry-After` header.
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(s.trim()).ok()
}

fn is_leap(y: u64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date on or after it (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn known_dates() {
        assert_eq!(format_sdk_date(at(0)), "19700101T000000Z");
        assert_eq!(format_sdk_date(at(1_796_011_200)), "20261130T040000Z");
        assert_eq!(format_sdk_date(at(951_782_400)), "20000229T000000Z");
        assert_eq!(format_sdk_date(at(4_102_444_799)), "20991231T235959Z");
        assert_eq!(parse_sdk_date("20261130T040000Z"), Some(at(1_796_011_200)));
        assert_eq!(format_http_date(at(1_796_011_200)), "Mon, 30 Nov 2026 04:00:00 GMT");
        assert_eq!(parse_http_date("Mon, 30 Nov 2026 04:00:00 GMT"), Some(at(1_796_011_200)));
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in [
            "",
            "20261130T040000",
            "20261131T000000Z",
            "20250229T000000Z",
            "20261130T240000Z",
            "2026113XT040000Z",
            "+0261130T040000Z",
            "20261130 040000Z",
            "２0261130T040000Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn sdk_date_round_trips_and_agrees_with_http_date(secs in 0u64..253_402_300_799) {
            let t = at(secs);
            let s = format_sdk_date(t);
            prop_assert_eq!(parse_sdk_date(&s), Some(t));
            let h = format_http_date(t);
            // "Mon, 30 Nov 2026 04:00:00 GMT": the same clock time in both formats.
            prop_assert_eq!(&h[17..19], &s[9..11]);
            prop_assert_eq!(&h[20..22], &s[11..13]);
            prop_assert_eq!(&h[12..16], &s[0..4]);
        }

        #[test]
        fn parse_never_panics(s in ".{0,20}") {
            let _ = parse_sdk_date(&s);
            let _ = parse_http_date(&s);
        }
    }
}
