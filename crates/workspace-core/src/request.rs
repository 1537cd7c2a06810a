//! Builds the signed HTTP request of `ListDesktopsConnectStatus`, exactly as the official SDK sends it.

use std::time::SystemTime;

use http::header::{CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request};
use workspace_types::{ListDesktopsConnectStatusRequest, ProjectId};

use crate::credentials::Credentials;
use crate::encoding::canonical_query;
use crate::endpoint::Endpoint;
use crate::error::{ConfigError, Error, SigningError};
use crate::options::ClientOptions;
use crate::sign;
use crate::time::format_sdk_date;

const X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");
const X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Builds `GET /v2/{project_id}/connect-desktops?…` for `req`, signed at `now`, for the first
/// endpoint of options whose project id is given.
///
/// The query is the canonical query (keys sorted, repeated `user_names` sorted, everything but
/// `A-Z a-z 0-9 - _ . ~` percent-encoded); headers are `User-Agent`, `Content-Type`,
/// `X-Project-Id`, `X-Security-Token` (temporary credentials only), `X-Sdk-Date`, `Host` and
/// `Authorization`, or `X-Auth-Token` instead of the last two with an IAM token.
pub fn build_request(
    options: &ClientOptions,
    req: &ListDesktopsConnectStatusRequest,
    now: SystemTime,
) -> Result<Request<Vec<u8>>, Error> {
    let project = options.project_id().ok_or_else(|| {
        ConfigError::missing("project id", "it is not known yet: give it, or let a client discover it")
    })?;
    build_list_request(options, options.endpoint(), project, req, now)
}

/// The list request for one endpoint and project.
pub(crate) fn build_list_request(
    options: &ClientOptions,
    endpoint: &Endpoint,
    project: &ProjectId,
    req: &ListDesktopsConnectStatusRequest,
    now: SystemTime,
) -> Result<Request<Vec<u8>>, Error> {
    let path = format!("/v2/{project}/connect-desktops");
    let query = canonical_query(&req.query_pairs());
    let project = HeaderValue::from_str(project.as_str())
        .map_err(|_| SigningError::new("the project id is not a valid header value"))?;
    signed_get(options, endpoint, &path, &query, Some(project), now)
}

/// A signed `GET` of `path?query` on `endpoint`, with the SDK's headers; `query` is canonical.
pub(crate) fn signed_get(
    options: &ClientOptions,
    endpoint: &Endpoint,
    path: &str,
    query: &str,
    project: Option<HeaderValue>,
    now: SystemTime,
) -> Result<Request<Vec<u8>>, Error> {
    let target = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
    let mut request = Request::new(Vec::new());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = endpoint.uri(&target)?;
    let host = HeaderValue::from_str(endpoint.host_header())
        .map_err(|_| SigningError::new("the host is not a valid header value"))?;
    let h = request.headers_mut();
    h.insert(USER_AGENT, options.user_agent_header().clone());
    h.insert(CONTENT_TYPE, APPLICATION_JSON);
    if let Some(project) = project {
        h.insert(X_PROJECT_ID, project);
    }
    match options.credentials() {
        Credentials::AkSk(creds) => {
            if let Some(token) = creds.security_token() {
                h.insert(X_SECURITY_TOKEN, secret_header(token.expose_secret())?);
            }
            let date = HeaderValue::from_str(&format_sdk_date(now)).map_err(|_| SigningError::new("bad date"))?;
            h.insert(X_SDK_DATE, date);
            h.insert(HOST, host);
            sign::sign_with_query(&mut request, creds, Some(query))?;
        }
        Credentials::Token(token) => {
            h.insert(HOST, host);
            h.insert(X_AUTH_TOKEN, secret_header(token.expose_secret())?);
        }
    }
    Ok(request)
}

/// A header value holding a secret, marked sensitive so that HTTP libraries do not print it.
fn secret_header(secret: &str) -> Result<HeaderValue, SigningError> {
    let mut v =
        HeaderValue::from_str(secret).map_err(|_| SigningError::new("a credential is not a valid header value"))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};
    use workspace_types::ConnectStatus;

    fn config(creds: Credentials) -> ClientOptions {
        ClientOptions::builder()
            .region("cn-north-4")
            .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .credentials(creds)
            .build()
            .unwrap()
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_796_011_200)
    }

    #[test]
    fn token_auth_sends_the_token_and_no_signature() {
        let req = ListDesktopsConnectStatusRequest::builder().connect_status(ConnectStatus::Connected).build().unwrap();
        let r = build_request(&config(Credentials::token("tok").unwrap()), &req, now()).unwrap();
        assert_eq!(r.headers()["x-auth-token"], "tok");
        assert!(r.headers()["x-auth-token"].is_sensitive());
        assert!(!r.headers().contains_key("authorization"));
        assert_eq!(
            r.uri().to_string(),
            "https://workspace.cn-north-4.myhuaweicloud.com/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/connect-desktops?connect_status=CONNECTED"
        );
    }

    #[test]
    fn an_unknown_project_cannot_be_built_by_hand() {
        let c = ClientOptions::builder()
            .region("cn-north-4")
            .credentials(Credentials::token("t").unwrap())
            .build()
            .unwrap();
        let err = build_request(&c, &Default::default(), now()).unwrap_err();
        assert!(matches!(&err, Error::Config(c) if matches!(**c, ConfigError::Missing { .. })), "{err:?}");
        assert!(err.to_string().contains("no project id: it is not known yet"), "{err}");
    }

    #[test]
    fn no_query_means_no_question_mark() {
        let r = build_request(&config(Credentials::ak_sk("AK", "SK").unwrap()), &Default::default(), now()).unwrap();
        assert_eq!(r.uri().path_and_query().unwrap().as_str(), "/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/connect-desktops");
        assert_eq!(r.headers()["x-sdk-date"], "20261130T040000Z");
    }
}
