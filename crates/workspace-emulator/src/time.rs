//! The clock formats of the gateway: `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`, UTC) and HTTP dates.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The months as HTTP dates name them.
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The latest time both formats can show: 9999-12-31T23:59:59Z.
const LATEST: Duration = Duration::from_secs(253_402_300_799);

/// `t` as `X-Sdk-Date` text, such as `20261130T040000Z`. Times before 1970 read as 1970, times
/// after 9999 as 9999.
///
/// Made from the HTTP date's fields, so that the emulator shares no calendar arithmetic with the
/// SDK's own signer.
pub(crate) fn format_sdk_date(t: SystemTime) -> String {
    // "Sat, 27 May 2023 00:04:31 GMT"
    let http = format_http_date(t);
    let f: Vec<&str> = http.split([' ', ':']).collect();
    let month = MONTHS.iter().position(|m| *m == f[2]).map_or(0, |i| i + 1);
    format!("{}{month:02}{}T{}{}{}Z", f[3], f[1], f[4], f[5], f[6])
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
    if y < 1970 || !(1..=12).contains(&m) || d < 1 || d > month_lengths(y)[m as usize - 1] {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days counted the long way: whole years, whole months, then the day.
    let days: u64 = (1970..y).map(|year| month_lengths(year).iter().sum::<u64>()).sum::<u64>()
        + month_lengths(y)[..m as usize - 1].iter().sum::<u64>()
        + (d - 1);
    Some(UNIX_EPOCH + Duration::from_secs(days * 86_400 + hh * 3600 + mm * 60 + ss))
}

/// `t` as an HTTP date (`Date` header), within 1970 to 9999.
pub(crate) fn format_http_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t.clamp(UNIX_EPOCH, UNIX_EPOCH + LATEST))
}

/// The lengths of the months of `year`, in the Gregorian calendar.
fn month_lengths(year: u64) -> [u64; 12] {
    let february = if year % 400 == 0 || (year % 4 == 0 && year % 100 != 0) { 29 } else { 28 };
    [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
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

    #[test]
    fn the_last_year_formats_without_panicking() {
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert_eq!(format_sdk_date(far), "99991231T235959Z");
        assert_eq!(parse_sdk_date("99991231T235959Z"), Some(UNIX_EPOCH + LATEST));
    }
}
