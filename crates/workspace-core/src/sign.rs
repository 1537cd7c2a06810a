//! SDK-HMAC-SHA256, byte for byte as the official signer computes it.
//!
//! 1. Canonical URI: each path segment percent-encoded, with a trailing `/`.
//! 2. Canonical query: pairs sorted by key then raw value, percent-encoded.
//! 3. Signed headers: every header whose name has no `_`, lower-cased and sorted; canonical
//!    headers are `name:trimmed-value\n` each.
//! 4. The canonical request joins method, URI, query, headers, the signed-header list and the
//!    hex SHA-256 of the body with `\n`.
//! 5. The string to sign is `SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex SHA-256 of the canonical request}`.
//! 6. The signature is the hex HMAC-SHA256 of that string, keyed with the secret key itself.

use hmac::{Hmac, KeyInit, Mac};
use http::header::{AUTHORIZATION, HOST};
use http::{HeaderValue, Request};
use sha2::{Digest, Sha256};

use crate::credentials::AkSk;
use crate::encoding::{canonical_query as canonical_query_of, canonical_uri, parse_query};
use crate::error::SigningError;

/// The algorithm's name, as it appears in the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The header that carries the signing time.
pub const X_SDK_DATE: &str = "x-sdk-date";

/// Everything a signature is computed from, kept for inspection and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signed header names, joined with `;`.
    pub signed_headers: String,
    /// The signature, in lower-case hex.
    pub signature: String,
}

/// Signs `req` with `creds`: adds `Host` when it is missing (from the URI's authority), trims
/// header values, and sets `Authorization`. The request must already carry `X-Sdk-Date`, and
/// `X-Security-Token` when the credentials are temporary.
pub fn sign(req: &mut Request<Vec<u8>>, creds: &AkSk) -> Result<Signature, SigningError> {
    sign_with_query(req, creds, None)
}

/// [`sign`], given the canonical query when the caller already has it (the request builder does).
pub(crate) fn sign_with_query(
    req: &mut Request<Vec<u8>>,
    creds: &AkSk,
    canonical_query: Option<&str>,
) -> Result<Signature, SigningError> {
    req.headers_mut().remove(AUTHORIZATION);
    if !req.headers().contains_key(HOST) {
        let host = req
            .uri()
            .authority()
            .ok_or_else(|| SigningError::new("the request has neither a Host header nor an absolute URI"))?;
        let value = HeaderValue::from_str(host.as_str())
            .map_err(|_| SigningError::new("the host is not a valid header value"))?;
        req.headers_mut().insert(HOST, value);
    }
    trim_header_values(req)?;
    let sig = compute(req, &signed_names(req), creds.secret_access_key().expose_secret(), canonical_query)?;
    let auth = authorization(creds.access_key_id().as_str(), &sig.signed_headers, &sig.signature);
    let value =
        HeaderValue::from_str(&auth).map_err(|_| SigningError::new("the access key id is not a valid header value"))?;
    req.headers_mut().insert(AUTHORIZATION, value);
    Ok(sig)
}

/// The names of the headers that are signed: every one without `_`, sorted.
fn signed_names(req: &Request<Vec<u8>>) -> Vec<&str> {
    let mut names: Vec<&str> = req.headers().keys().map(|n| n.as_str()).filter(|n| !n.contains('_')).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Computes the signature of `req` signing exactly the headers named in `signed` (lower-case,
/// in the order given), as a verifier does with the `SignedHeaders` it received.
pub fn signature_with(req: &Request<Vec<u8>>, signed: &[&str], secret_key: &str) -> Result<Signature, SigningError> {
    compute(req, signed, secret_key, None)
}

fn compute(
    req: &Request<Vec<u8>>,
    signed: &[&str],
    secret_key: &str,
    canonical_query: Option<&str>,
) -> Result<Signature, SigningError> {
    let sdk_date =
        header_text(req, X_SDK_DATE)?.ok_or_else(|| SigningError::new("the request has no X-Sdk-Date header"))?;
    let mut headers = String::with_capacity(256);
    for name in signed {
        headers.push_str(name);
        headers.push(':');
        push_header_value(&mut headers, req, name)?;
        headers.push('\n');
    }
    let signed_headers = signed.join(";");
    let query = match canonical_query {
        Some(q) => std::borrow::Cow::Borrowed(q),
        None => std::borrow::Cow::Owned(canonical_query_of(&parse_query(req.uri().query().unwrap_or("")))),
    };
    let canonical_request = [
        req.method().as_str(),
        &canonical_uri(req.uri().path()),
        &query,
        &headers,
        &signed_headers,
        &payload_hash(req.body()),
    ]
    .join("\n");
    let string_to_sign =
        format!("{ALGORITHM}\n{sdk_date}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    let signature = hmac_hex(secret_key, &string_to_sign);
    Ok(Signature { canonical_request, string_to_sign, signed_headers, signature })
}

/// The `Authorization` header value.
pub fn authorization(access_key: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// An `Authorization` header taken apart, as a verifier reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key id.
    pub access: &'a str,
    /// The signed header names, in the order given.
    pub signed_headers: Vec<&'a str>,
    /// The signature, as sent.
    pub signature: &'a str,
}

/// Takes an `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header apart; `None` when it
/// has another form.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let slot = match k {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return None,
        };
        if slot.replace(v).is_some() {
            return None;
        }
    }
    let signed_headers: Vec<&str> = signed?.split(';').filter(|s| !s.is_empty()).collect();
    Some(ParsedAuthorization { access: access?, signed_headers, signature: signature? })
}

/// Compares two signatures in time that does not depend on where they differ.
pub fn signatures_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hmac_hex(key: &str, data: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The hex SHA-256 of the empty body, which every GET signs.
const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn payload_hash(body: &[u8]) -> std::borrow::Cow<'static, str> {
    if body.is_empty() { EMPTY_BODY_SHA256.into() } else { hex::encode(Sha256::digest(body)).into() }
}

/// Appends the trimmed values of header `name` to `out`, joined with `,` (nothing when absent).
fn push_header_value(out: &mut String, req: &Request<Vec<u8>>, name: &str) -> Result<(), SigningError> {
    for (i, v) in req.headers().get_all(name).iter().enumerate() {
        let s =
            std::str::from_utf8(v.as_bytes()).map_err(|_| SigningError::new(format!("header {name} is not UTF-8")))?;
        if i > 0 {
            out.push(',');
        }
        out.push_str(s.trim());
    }
    Ok(())
}

/// All values of header `name` as UTF-8, joined with `,`; `None` when absent.
fn header_text(req: &Request<Vec<u8>>, name: &str) -> Result<Option<String>, SigningError> {
    let mut out: Option<String> = None;
    for v in req.headers().get_all(name) {
        let s =
            std::str::from_utf8(v.as_bytes()).map_err(|_| SigningError::new(format!("header {name} is not UTF-8")))?;
        match &mut out {
            None => out = Some(s.to_owned()),
            Some(o) => {
                o.push(',');
                o.push_str(s);
            }
        }
    }
    Ok(out)
}

/// Writes trimmed values back, as the official signer does, so that the wire matches the signature.
fn trim_header_values(req: &mut Request<Vec<u8>>) -> Result<(), SigningError> {
    for v in req.headers_mut().values_mut() {
        let bytes = v.as_bytes();
        let trimmed = bytes.trim_ascii();
        if trimmed.len() != bytes.len() {
            *v = HeaderValue::from_bytes(trimmed)
                .map_err(|_| SigningError::new("a header value could not be trimmed"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_round_trips_through_the_parser() {
        let a = authorization("AK", "host;x-sdk-date", "abc");
        let p = parse_authorization(&a).unwrap();
        assert_eq!(
            p,
            ParsedAuthorization { access: "AK", signed_headers: vec!["host", "x-sdk-date"], signature: "abc" }
        );
        for bad in [
            "",
            "SDK-HMAC-SHA256",
            "Bearer x",
            "SDK-HMAC-SHA256 Access=a, Access=b, SignedHeaders=h, Signature=s",
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=h",
            "SDK-HMAC-SHA256 Access=a, Foo=1, SignedHeaders=h, Signature=s",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_empty_body_hash_is_sha256_of_nothing() {
        assert_eq!(EMPTY_BODY_SHA256, hex::encode(Sha256::digest(b"")));
    }

    #[test]
    fn signature_comparison() {
        assert!(signatures_match("abcd", "abcd"));
        assert!(!signatures_match("abcd", "abce"));
        assert!(!signatures_match("abcd", "abc"));
    }
}
