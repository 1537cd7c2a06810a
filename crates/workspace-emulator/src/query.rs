//! The query of `GET /v2/{project_id}/connect-desktops`, read as the documentation describes it.
//!
//! `offset` and `limit` are whole numbers from 0 to 2000, each given at most once (defaults 0
//! and 100). `connect_status` is one non-empty string: the documented values are four, but the
//! enumeration may grow, so any value is accepted and matched by equality. `user_names` is a
//! repeated key; any string is a name (the documented name format belongs to the operation that
//! assigns desktops, not to this filter), and at most 100 distinct names are accepted. Other keys
//! are ignored. A value of one of these four whose percent-decoded bytes are not UTF-8 is
//! refused: it is no number, status or name.

use std::borrow::Cow;
use std::collections::BTreeSet;

use percent_encoding::percent_decode_str;

/// The largest `offset` and `limit`.
pub(crate) const MAX_OFFSET_OR_LIMIT: u32 = 2000;
/// The default `limit`.
pub(crate) const DEFAULT_LIMIT: u32 = 100;
/// The most distinct user names in one request.
pub(crate) const MAX_USER_NAMES: usize = 100;

/// A query that passed the documented checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pub(crate) offset: u32,
    pub(crate) limit: u32,
    pub(crate) connect_status: Option<String>,
    /// Distinct names; empty means no filter.
    pub(crate) user_names: BTreeSet<String>,
}

/// A decoded key or value: its text, or `Err` with its raw text when its bytes are not UTF-8.
pub(crate) type Decoded<'a> = Result<String, &'a str>;

/// Splits a raw query string into decoded pairs: on `&`, then on the first `=`, then
/// percent-decoded (a `+` stays a `+`). Empty segments are skipped; a key without `=` has an
/// empty value.
pub(crate) fn pairs(raw: &str) -> Vec<(Decoded<'_>, Decoded<'_>)> {
    raw.split('&')
        .filter(|seg| !seg.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> Decoded<'_> {
    percent_decode_str(s).decode_utf8().map(Cow::into_owned).map_err(|_| s)
}

/// Reads and checks the query; `Err` holds the message of the 400 `WKS.0001` answer. A key
/// that is not UTF-8 names no parameter and is ignored; a parameter's value that is not UTF-8
/// is refused.
pub(crate) fn parse(raw: &str) -> Result<Query, String> {
    let mut offset = None;
    let mut limit = None;
    let mut status: Option<String> = None;
    let mut names = BTreeSet::new();
    for (key, value) in pairs(raw) {
        let Ok(key) = key else { continue };
        let key = key.as_str();
        if !matches!(key, "offset" | "limit" | "connect_status" | "user_names") {
            continue;
        }
        let value = value.map_err(|raw| format!("{key} is not UTF-8 once percent-decoded, got {raw:?}"))?;
        match key {
            "offset" => once(&mut offset, "offset", number("offset", &value)?)?,
            "limit" => once(&mut limit, "limit", number("limit", &value)?)?,
            "connect_status" => {
                if value.is_empty() {
                    return Err("connect_status must not be empty".to_owned());
                }
                once(&mut status, "connect_status", value)?;
            }
            _ => {
                names.insert(value);
                if names.len() > MAX_USER_NAMES {
                    return Err(format!("user_names holds more than {MAX_USER_NAMES} distinct names"));
                }
            }
        }
    }
    Ok(Query {
        offset: offset.unwrap_or(0),
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        connect_status: status,
        user_names: names,
    })
}

fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(format!("{name} is given more than once"));
    }
    Ok(())
}

/// A whole number from 0 to 2000, digits only.
fn number(name: &str, value: &str) -> Result<u32, String> {
    let refused = || format!("{name} must be a whole number from 0 to {MAX_OFFSET_OR_LIMIT}, got {value:?}");
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    match value.parse::<u32>() {
        Ok(n) if n <= MAX_OFFSET_OR_LIMIT => Ok(n),
        _ => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(
            pairs("a=1&&b&c=x%20y+z&user_names=%E5%BC%A0%E4%B8%89&d=e=f&%FF=%E5%BC&k=%zz"),
            vec![
                (Ok("a".into()), Ok("1".into())),
                (Ok("b".into()), Ok("".into())),
                (Ok("c".into()), Ok("x y+z".into())),
                (Ok("user_names".into()), Ok("张三".into())),
                (Ok("d".into()), Ok("e=f".into())),
                (Err("%FF"), Err("%E5%BC")),
                (Ok("k".into()), Ok("%zz".into())),
            ]
        );
    }

    #[test]
    fn defaults_and_values() {
        let q = parse("").unwrap();
        assert_eq!((q.offset, q.limit, q.connect_status, q.user_names.len()), (0, 100, None, 0));
        let q =
            parse("offset=2000&limit=0&connect_status=HIBERNATED&user_names=b&user_names=a&user_names=b&x=1").unwrap();
        assert_eq!((q.offset, q.limit), (2000, 0));
        assert_eq!(q.connect_status.as_deref(), Some("HIBERNATED"));
        assert_eq!(q.user_names.into_iter().collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!(parse("limit=007").unwrap().limit, 7);
        // Keys that are not UTF-8, and values of keys the API does not have, are ignored.
        assert_eq!(parse("%FF=1&x=%FF&%FF").unwrap(), Query { limit: 100, ..Query::default() });
    }

    #[test]
    fn refusals_name_the_parameter_and_the_value() {
        for (raw, needle) in [
            ("limit=2001", "limit must be a whole number from 0 to 2000, got \"2001\""),
            ("offset=-1", "offset must be a whole number from 0 to 2000, got \"-1\""),
            ("limit=ten", "limit must be a whole number from 0 to 2000, got \"ten\""),
            ("limit=", "got \"\""),
            ("limit=+5", "got \"+5\""),
            ("limit=1.0", "got \"1.0\""),
            ("offset=99999999999999999999", "offset must be"),
            ("limit=1&limit=2", "limit is given more than once"),
            ("offset=1&offset=1", "offset is given more than once"),
            ("connect_status=", "connect_status must not be empty"),
            ("connect_status=A&connect_status=B", "connect_status is given more than once"),
            ("user_names=a&user_names=%FF", "user_names is not UTF-8 once percent-decoded, got \"%FF\""),
            ("connect_status=%E5%BC", "connect_status is not UTF-8 once percent-decoded, got \"%E5%BC\""),
            ("limit=%FF", "limit is not UTF-8 once percent-decoded, got \"%FF\""),
        ] {
            let e = parse(raw).unwrap_err();
            assert!(e.contains(needle), "{raw}: {e}");
        }
        let many: String = (0..101).map(|i| format!("user_names=u{i}&")).collect();
        assert!(parse(&many).unwrap_err().contains("more than 100"));
        let repeated: String = (0..300).map(|i| format!("user_names=u{}&", i % 100)).collect();
        assert_eq!(parse(&repeated).unwrap().user_names.len(), 100);
    }
}
