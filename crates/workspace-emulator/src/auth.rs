//! Authentication as the API gateway does it: an SDK-HMAC-SHA256 signature or an IAM token.

use std::time::SystemTime;

use http::request::Parts;
use http::{HeaderMap, Request};
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
    // Rebuild the request as it arrived, and sign exactly the headers the client says it signed.
    let mut copy = Request::new(body.to_vec());
    *copy.method_mut() = parts.method.clone();
    *copy.uri_mut() = parts.uri.clone();
    *copy.headers_mut() = parts.headers.clone();
    let signed: Vec<String> = parsed.signed_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
    let expected =
        sign::signature_with(&copy, &signed, &key.sk).map_err(|_| unauthorized("verify aksk signature fail"))?;
    if sign::signatures_match(&expected.signature, parsed.signature) {
        Ok(())
    } else {
        Err(unauthorized("verify aksk signature fail"))
    }
}

fn unauthorized(what: &str) -> ApiError {
    ApiError::gateway(401, "APIGW.0301", &format!("{PREFIX}{what}"))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}
