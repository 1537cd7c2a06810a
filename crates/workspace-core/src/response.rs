//! Turns any response, whatever its bytes, into a typed page or a precise error.

use std::borrow::Cow;

use http::{HeaderMap, StatusCode};
use workspace_types::{ErrorBody, ListDesktopsConnectStatusResponse};

use crate::error::{BodySnippet, Error, InvalidResponse, ServiceError};

/// The response header that carries the service's request id.
pub(crate) const X_REQUEST_ID: &str = "x-request-id";

/// One page of desktops, with the headers of the response that carried it.
#[derive(Clone, Debug)]
pub struct Page {
    response: ListDesktopsConnectStatusResponse,
    headers: HeaderMap,
}

impl PartialEq for Page {
    fn eq(&self, other: &Self) -> bool {
        self.response == other.response && self.request_id() == other.request_id()
    }
}

impl Eq for Page {}

impl Page {
    /// A page holding `response`, as received with `headers`.
    pub fn new(response: ListDesktopsConnectStatusResponse, headers: HeaderMap) -> Self {
        Self { response, headers }
    }

    /// The desktops of this page.
    pub fn desktops(&self) -> &[workspace_types::ConnectDesktopsInfo] {
        &self.response.desktops
    }

    /// How many entries the page held, `null` ones included: what the service's offset counts.
    pub fn entries(&self) -> u64 {
        self.response.entries() as u64
    }

    /// The service's `total_count`, when it gave one. What it counts (the filtered matches or
    /// every desktop) is not documented; the SDK's readers find out before they rely on it.
    pub fn total_count(&self) -> Option<u64> {
        self.response.total_count
    }

    /// The request id of the response (`X-Request-Id`).
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// The response's headers (such as `Date`).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The response body.
    pub fn response(&self) -> &ListDesktopsConnectStatusResponse {
        &self.response
    }

    /// The response body, by value.
    pub fn into_response(self) -> ListDesktopsConnectStatusResponse {
        self.response
    }
}

/// Reads a response of `ListDesktopsConnectStatus`: a 2xx becomes a [`Page`], anything else an
/// error. It never panics, whatever the bytes.
pub fn parse_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Page, Error> {
    if !status.is_success() {
        return Err(service_error(status, headers, body).into());
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        let why = "the body is not the documented JSON (not an object)";
        return Err(InvalidResponse::malformed(status, why, body, request_id(headers)).into());
    }
    match serde_json::from_slice::<ListDesktopsConnectStatusResponse>(&replace_lone_surrogates(body)) {
        Ok(response) => {
            #[cfg(feature = "tracing")]
            if response.null_entries() > 0 {
                tracing::debug!(skipped = response.null_entries(), "null entries in desktops skipped");
            }
            Ok(Page { response, headers: headers.clone() })
        }
        Err(e) => {
            let why = format!("the body is not the documented JSON ({e})");
            Err(InvalidResponse::malformed(status, why, body, request_id(headers)).into())
        }
    }
}

/// The body with each `\u` escape of a lone UTF-16 surrogate (one not in a valid pair) replaced
/// by `\ufffd`, as Python's and JavaScript's parsers read it, so that one odd name does not make
/// every read fail. Borrowed when there is none. The escape and its replacement are both six
/// bytes long.
fn replace_lone_surrogates(body: &[u8]) -> Cow<'_, [u8]> {
    let hex4 = |at: usize| {
        let digits = body.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let escape_at =
        |at: usize| (body.get(at) == Some(&b'\\') && body.get(at + 1) == Some(&b'u')).then(|| hex4(at + 2)).flatten();
    let mut out = Cow::Borrowed(body);
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(i) else {
            // Any other escape: skip the backslash and the character it escapes.
            i += 2;
            continue;
        };
        let high = (0xD800..0xDC00).contains(&unit);
        let low = (0xDC00..0xE000).contains(&unit);
        if high && escape_at(i + 6).is_some_and(|next| (0xDC00..0xE000).contains(&next)) {
            i += 12;
            continue;
        }
        if high || low {
            out.to_mut()[i..i + 6].copy_from_slice(b"\\ufffd");
        }
        i += 6;
    }
    out
}

/// Reads an error response into a [`ServiceError`]: the code and message from the JSON body, or
/// the status number and a snippet of the body when it is not a JSON error.
pub(crate) fn service_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ServiceError {
    let parsed = ErrorBody::parse(body).unwrap_or_default();
    let (code, message) = match (parsed.error_code, parsed.error_msg) {
        (Some(code), Some(msg)) => (code, msg),
        _ => (status.as_u16().to_string(), BodySnippet::new(body).to_string()),
    };
    ServiceError {
        status,
        code,
        message,
        detail: parsed.error_detail,
        encoded_authorization_message: parsed.encoded_authorization_message,
        request_id: request_id(headers).map(str::to_owned).or(parsed.request_id),
        headers: headers.clone(),
    }
}

fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(X_REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(id: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(id) = id {
            h.insert(X_REQUEST_ID, id.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        for body in [&b"[]"[..], b" [ ]", b"null", b"17", b"\"desktops\""] {
            let err = parse_response(StatusCode::OK, &headers(None), body).unwrap_err();
            assert!(err.to_string().contains("not an object"), "{err}");
        }
    }

    #[test]
    fn a_lone_surrogate_is_read_as_a_replacement_character_and_the_desktop_kept() {
        let body = br#"{"desktops":[{"desktop_id":"d1","desktop_name":"a\ud800b"},{"desktop_id":"d2","desktop_name":"\udc00"},{"desktop_id":"d3","desktop_name":"\ud83d\ude00 \\ud800"}],"total_count":3}"#;
        let p = parse_response(StatusCode::OK, &headers(None), body).unwrap();
        let names: Vec<&str> = p.desktops().iter().map(|d| d.name()).collect();
        assert_eq!(names, ["a\u{fffd}b", "\u{fffd}", "\u{1f600} \\ud800"]);
    }

    #[test]
    fn success_carries_the_request_id() {
        let p = parse_response(
            StatusCode::OK,
            &headers(Some("rid-1")),
            br#"{"desktops":[{"desktop_id":"d"}],"total_count":9}"#,
        )
        .unwrap();
        assert_eq!((p.desktops().len(), p.total_count(), p.request_id()), (1, Some(9), Some("rid-1")));
    }

    #[test]
    fn service_error_shows_everything_a_person_needs() {
        let body = br#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"body-id"}"#;
        let e = parse_response(StatusCode::UNAUTHORIZED, &headers(Some("hdr-id")), body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "HTTP 401 APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail [request id hdr-id]"
        );
        let e = parse_response(
            StatusCode::BAD_REQUEST,
            &headers(None),
            br#"{"error_code":"WKS.0001","error_msg":"bad","error_detail":"limit","request_id":"body-id"}"#,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "HTTP 400 WKS.0001: bad (limit) [request id body-id]");
        assert_eq!(e.request_id(), Some("body-id"));
        assert_eq!(e.as_service_error().unwrap().detail(), Some("limit"));
    }

    #[test]
    fn non_json_error_uses_status_and_snippet() {
        let e = parse_response(StatusCode::BAD_GATEWAY, &headers(None), b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(e.to_string(), "HTTP 502 502: \"<html>Bad Gateway</html>\" [no request id]");
        let e = parse_response(StatusCode::INTERNAL_SERVER_ERROR, &headers(None), b"").unwrap_err();
        assert_eq!(e.as_service_error().unwrap().message(), "(empty)");
    }

    #[test]
    fn malformed_success_is_an_invalid_response() {
        let e = parse_response(StatusCode::OK, &headers(Some("r")), br#"{"desktops":[{"desktop_id":"d""#).unwrap_err();
        let Error::InvalidResponse(inv) = &e else { panic!("{e:?}") };
        assert_eq!(inv.status(), StatusCode::OK);
        let s = e.to_string();
        assert!(
            s.starts_with("invalid response (HTTP 200): the body is not the documented JSON (EOF while parsing"),
            "{s}"
        );
        assert!(s.contains(r#"body: "{\"desktops\":[{\"desktop_id\":\"d\"" [request id r]"#), "{s}");
        let e = parse_response(StatusCode::OK, &headers(None), br#"{"total_count":-1}"#).unwrap_err();
        assert!(matches!(e, Error::InvalidResponse(_)));
    }

    proptest! {
        #[test]
        fn never_panics(status in 100u16..1000, body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let status = StatusCode::from_u16(status).unwrap();
            let _ = parse_response(status, &HeaderMap::new(), &body).map_err(|e| e.to_string());
        }

        #[test]
        fn never_panics_on_json_like_bodies(status in 200u16..600, body in r#"\{("[a-z_]{1,12}":("[^"]{0,8}"|[0-9]{1,3}|null|\[\]|\{\}),?){0,6}\}"#) {
            let status = StatusCode::from_u16(status).unwrap();
            match parse_response(status, &HeaderMap::new(), body.as_bytes()) {
                Ok(_) => prop_assert!(status.is_success()),
                Err(e) => { let _ = e.to_string(); }
            }
        }
    }
}
