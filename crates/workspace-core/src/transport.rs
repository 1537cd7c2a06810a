//! What every transport needs, whatever its HTTP library: reading an error's causes, and
//! keeping user names (in a URI's query) out of the errors it reports.

use std::error::Error as StdError;

/// The first error of type `E` in `error`'s chain of sources, `error` itself included: how a
/// transport tells a TLS handshake failure or a timeout its library reports as a plain I/O
/// error (the error an I/O error wraps is looked at too).
pub fn find_cause<'a, E: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        // An I/O error's `source()` skips the error it wraps: look at that one first.
        let wrapped = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
        cause = match wrapped {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

/// `text` without any URI query in it (from a `?` to the next white space or the end; a query on
/// the wire is percent-encoded, it holds none): the query holds user names, which only a
/// validation error may show.
pub fn without_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('?') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_go_whatever_their_place() {
        let text = "bad uri https://h/v2/p/connect-desktops?user_names=alice&limit=1 and /x?y=z";
        assert_eq!(without_queries(text), "bad uri https://h/v2/p/connect-desktops and /x");
        assert_eq!(without_queries("no query"), "no query");
    }

    #[test]
    fn a_cause_is_found_deep_in_the_chain() {
        let inner = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        let outer = std::io::Error::other(crate::TransportError::timeout(inner));
        let found = find_cause::<crate::TransportError>(&outer);
        assert!(found.is_some());
        assert!(find_cause::<std::fmt::Error>(&outer).is_none());
    }
}
