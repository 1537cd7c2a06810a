//! Authentication as the API gateway does it: an SDK-HMAC-SHA256 signature or an IAM token.

use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use http::request::Parts;
use http::{HeaderMap, Request, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};
use workspace_core::sign;

use crate::config::{Behaviour, EmulatorConfig};
use crate::reply::ApiError;
use crate::time::{format_sdk_date, parse_sdk_date};

const PREFIX: &str = "Incorrect IAM authentication information: ";

/// Accepts the request, or says why the gateway would refuse it (401 `APIGW.0301`, or the
/// behaviour's skew error). `now` is the gateway's clock.
pub(crate) fn authenticate(
    config: &EmulatorConfig,
    behaviour: &Behaviour,
    parts: &Parts,
    body: &[u8],
    now: SystemTime,
) -> Result<(), ApiError> {
    if let Some(token) = header(&parts.headers, "x-auth-token") {
        return if config.auth_tokens.iter().any(|t| t == token) {
            Ok(())
        } else {
            Err(unauthorized("decrypt token fail"))
        };
    }
    let Some(auth) = header(&parts.headers, "authorization") else {
        return Err(unauthorized("x-auth-token not found"));
    };
    let parsed = sign::parse_authorization(auth).ok_or_else(|| unauthorized("verify aksk signature fail"))?;
    let Some(key) = config.keys.iter().find(|k| k.ak == parsed.access) else {
        return Err(unauthorized(&format!("Get secretKey failed,ak:{},err:ak not exist", parsed.access)));
    };
    if let Some(expected) = &key.security_token {
        if header(&parts.headers, "x-security-token") != Some(expected.as_str()) {
            return Err(unauthorized("verify aksk signature fail"));
        }
    }
    let date = header(&parts.headers, "x-sdk-date").and_then(parse_sdk_date);
    let Some(date) = date else {
        return Err(unauthorized("verify aksk signature fail"));
    };
    let skew = match date.duration_since(now) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    if skew > config.max_clock_skew {
        let code = behaviour.skew_error.as_str();
        let msg = if code.ends_with(".0303") {
            format!(
                "{PREFIX}signature expired, signature time:{},server time:{}",
                format_sdk_date(date),
                format_sdk_date(now)
            )
        } else {
            format!("{PREFIX}verify aksk signature fail")
        };
        return Err(ApiError::gateway(401, code, &msg));
    }
    // Sign exactly the headers the client says it signed; each must be there.
    let signed: Vec<String> = parsed.signed_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if signed.is_empty() || signed.iter().any(|name| !parts.headers.contains_key(name.as_str())) {
        return Err(unauthorized("verify aksk signature fail"));
    }
    let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
    // Rebuild the request as it arrived.
    let mut copy = Request::new(body.to_vec());
    *copy.method_mut() = parts.method.clone();
    *copy.uri_mut() = parts.uri.clone();
    *copy.headers_mut() = parts.headers.clone();
    let expected =
        sign::signature_with(&copy, &signed, &key.sk).map_err(|_| unauthorized("verify aksk signature fail"))?;
    if sign::signatures_match(&expected.signature, parsed.signature) {
        return Ok(());
    }
    match signature_over_bytes(&expected, &parts.uri, &key.sk) {
        Some(exact) if sign::signatures_match(&exact, parsed.signature) => Ok(()),
        _ => Err(unauthorized("verify aksk signature fail")),
    }
}

/// The bytes that stay as they are in a canonical path or query: `A-Z a-z 0-9 - _ . ~`.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The signature of the request that `signed` was computed for, with its canonical path and
/// query built from the bytes that arrived: each escape decoded to its byte, whether or not the
/// bytes are UTF-8, and encoded again. `signed` replaces an escape that is not UTF-8 with U+FFFD
/// (`%EF%BF%BD`), as the official Python signer does; a signer that encodes bytes keeps it
/// (`%FF`). `None` when both forms are the same, as they are for every UTF-8 path and query.
fn signature_over_bytes(signed: &sign::Signature, uri: &Uri, secret_key: &str) -> Option<String> {
    let mut lines = signed.canonical_request.splitn(4, '\n');
    let (method, path, query, rest) = (lines.next()?, lines.next()?, lines.next()?, lines.next()?);
    let exact_path = canonical_path(uri.path());
    let exact_query = canonical_query(uri.query().unwrap_or(""));
    if exact_path == path && exact_query == query {
        return None;
    }
    let canonical_request = [method, &exact_path, &exact_query, rest].join("\n");
    let (head, _) = signed.string_to_sign.rsplit_once('\n')?;
    let string_to_sign = format!("{head}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret_key.as_bytes()).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// `raw` percent-decoded to bytes and encoded again.
fn reencode(raw: &str) -> String {
    let bytes: Vec<u8> = percent_decode_str(raw).collect();
    percent_encode(&bytes, ENCODED).to_string()
}

/// The canonical path: each segment decoded and encoded again, with a trailing `/`.
fn canonical_path(raw: &str) -> String {
    let mut out = raw.split('/').map(reencode).collect::<Vec<_>>().join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query: the pairs sorted by decoded key, then by decoded value, byte for byte,
/// each encoded again and joined with `&`. An empty part is skipped; a part without `=` is a
/// key with an empty value.
fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (percent_decode_str(k).collect(), percent_decode_str(v).collect())
        })
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k, ENCODED), percent_encode(v, ENCODED)))
        .collect::<Vec<_>>()
        .join("&")
}

fn unauthorized(what: &str) -> ApiError {
    ApiError::gateway(401, "APIGW.0301", &format!("{PREFIX}{what}"))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shared signer's signature of a GET of `path_and_query`, signing `x-sdk-date` only.
    fn shared_signature(path_and_query: &str) -> sign::Signature {
        let req = Request::get(path_and_query).header("x-sdk-date", "20260101T000000Z").body(Vec::new()).unwrap();
        sign::signature_with(&req, &["x-sdk-date"], "sk").unwrap()
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept() {
        assert_eq!(canonical_query("user_names=%ff&a=%E5%BC&b=%zz+1&&c"), "a=%E5%BC&b=%25zz%2B1&c=&user_names=%FF");
        assert_eq!(canonical_query("k=%FF&k=%41&k=%E5%BC%A0"), "k=A&k=%E5%BC%A0&k=%FF");
        assert_eq!(canonical_path("/v2/%FF/x y"), "/v2/%FF/x%20y/");
        let uri: Uri = "/v2/p/connect-desktops?user_names=%FF".parse().unwrap();
        let shared = shared_signature("/v2/p/connect-desktops?user_names=%FF");
        assert!(shared.canonical_request.contains("\nuser_names=%EF%BF%BD\n"), "{}", shared.canonical_request);
        let exact = signature_over_bytes(&shared, &uri, "sk");
        assert!(exact.is_some_and(|s| s != shared.signature));
    }

    proptest! {
        #[test]
        fn utf8_paths_and_queries_canonicalise_as_the_shared_signer_does(
            path in "(/([a-z0-9._~-]|%2[0-9]|%E5%BC%A0|%zz){0,6}){1,4}",
            query in "([a-zA-Z0-9=&+._~-]|%[0-7][0-9A-Fa-f]|%E5%BC%A0|%C3%A9|%zz|%4){0,24}",
        ) {
            let target = format!("{path}?{query}");
            let shared = shared_signature(&target);
            let uri: Uri = target.parse().unwrap();
            prop_assert_eq!(signature_over_bytes(&shared, &uri, "sk"), None, "{}", shared.canonical_request);
        }
    }
}
