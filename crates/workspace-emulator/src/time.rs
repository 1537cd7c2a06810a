//! The clock formats of the gateway: `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`, UTC) and HTTP dates.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `t` as `X-Sdk-Date` text, such as `20261130T040000Z`. Times before 1970 read as 1970.
pub(crate) fn format_sdk_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Reads `X-Sdk-Date` text; `None` unless it is exactly `YYYYMMDDTHHMMSSZ` with a valid date
/// and time from 1970 on.
pub(crate) fn parse_sdk_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = &s[r];
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let days = days_from_civil(y as i64, m, d);
    let secs = u64::try_from(days).ok()? * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// `t` as an HTTP date (`Date` header).
pub(crate) fn format_http_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t.max(UNIX_EPOCH))
}

fn is_leap(y: u64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u64, d: u64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u64, u64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_685_145_871); // 2023-05-27T00:04:31Z
        assert_eq!(format_sdk_date(t), "20230527T000431Z");
        assert_eq!(parse_sdk_date("20230527T000431Z"), Some(t));
        assert_eq!(format_sdk_date(UNIX_EPOCH), "19700101T000000Z");
        let leap = parse_sdk_date("20240229T235959Z").unwrap();
        assert_eq!(format_sdk_date(leap), "20240229T235959Z");
        assert_eq!(format_http_date(t), "Sat, 27 May 2023 00:04:31 GMT");
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in [
            "",
            "20230527T000431",
            "20230527 000431Z",
            "2023-05-27T00:04Z",
            "20230230T000000Z",
            "20230527T240000Z",
            "2023052+T000431Z",
            "20231301T000000Z",
            "19691231T235959Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_over_four_centuries() {
        let mut secs = 0u64;
        while secs < 13_000_000_000 {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(parse_sdk_date(&format_sdk_date(t)), Some(t), "{secs}");
            // The HTTP date carries the same fields, in another order.
            let http = format_http_date(t);
            let sdk = format_sdk_date(t);
            assert!(http.contains(&format!("{}:{}:{}", &sdk[9..11], &sdk[11..13], &sdk[13..15])), "{http} {sdk}");
            assert!(http.contains(&sdk[..4]), "{http} {sdk}");
            secs += 86_400 * 13 + 3_607;
        }
    }
}
