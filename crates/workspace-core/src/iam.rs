//! Project id discovery: `GET {iam}/v3/projects?name={region}`, as the official SDKs do it.

use std::time::SystemTime;

use http::{HeaderMap, Request, StatusCode};
use serde_json::Value;
use workspace_types::ProjectId;

use crate::encoding::canonical_query;
use crate::endpoint::Endpoint;
use crate::error::{Error, InvalidResponse, InvalidResponseKind};
use crate::options::ClientOptions;
use crate::request::signed_get;
use crate::response::service_error;

/// The signed request that asks IAM for the project named `region` (no `X-Project-Id`).
pub(crate) fn projects_request(
    options: &ClientOptions,
    iam: &Endpoint,
    region: &str,
    now: SystemTime,
) -> Result<Request<Vec<u8>>, Error> {
    signed_get(options, iam, "/v3/projects", &canonical_query(&[("name", region)]), None, now)
}

/// Reads IAM's answer: the id of the one project named `region`. None or several is an error
/// that says so.
pub(crate) fn parse_projects(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    region: &str,
) -> Result<ProjectId, Error> {
    if !status.is_success() {
        return Err(service_error(status, headers, body).into());
    }
    let request_id = headers.get(crate::response::X_REQUEST_ID).and_then(|v| v.to_str().ok());
    let invalid = |reason: String| -> Error { InvalidResponse::malformed(status, reason, body, request_id).into() };
    let parsed: Value = serde_json::from_slice(body).map_err(|e| invalid(format!("the body is not JSON ({e})")))?;
    let projects = parsed["projects"].as_array().ok_or_else(|| invalid("the body has no \"projects\" list".into()))?;
    let ids: Vec<&str> = projects.iter().filter_map(|p| p["id"].as_str()).collect();
    match ids.as_slice() {
        [one] => Ok(ProjectId::new(*one)?),
        [] => Err(InvalidResponse::contract(
            InvalidResponseKind::NoProject,
            status,
            format!("IAM names no project {region:?} visible to these credentials; give the project id explicitly"),
            request_id,
        )
        .into()),
        many => Err(InvalidResponse::contract(
            InvalidResponseKind::ManyProjects,
            status,
            format!(
                "IAM names {} projects {region:?} ({}); give the project id explicitly",
                many.len(),
                many.join(", ")
            ),
            request_id,
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;
    use crate::endpoint::iam_endpoint;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn the_request_is_signed_and_has_no_project_header() {
        let config = ClientOptions::builder()
            .region("cn-north-4")
            .project_id("p")
            .credentials(Credentials::ak_sk("AK", "SK").unwrap())
            .build()
            .unwrap();
        let iam = iam_endpoint("cn-north-4").unwrap();
        let r = projects_request(&config, &iam, "cn-north-4", UNIX_EPOCH + Duration::from_secs(1)).unwrap();
        assert_eq!(r.uri().to_string(), "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4");
        assert!(!r.headers().contains_key("x-project-id"));
        assert!(
            r.headers()["authorization"]
                .to_str()
                .unwrap()
                .contains("SignedHeaders=content-type;host;user-agent;x-sdk-date")
        );
    }

    #[test]
    fn one_none_or_several_projects() {
        let h = HeaderMap::new();
        let ok =
            parse_projects(StatusCode::OK, &h, br#"{"projects":[{"id":"abc123","name":"cn-north-4"}]}"#, "cn-north-4");
        assert_eq!(ok.unwrap().as_str(), "abc123");
        let none = parse_projects(StatusCode::OK, &h, br#"{"projects":[]}"#, "cn-north-4").unwrap_err();
        assert!(none.to_string().contains("IAM names no project \"cn-north-4\""), "{none}");
        assert!(matches!(none, Error::InvalidResponse(_)) && none.attempts() == 1, "{none:?}");
        let two = parse_projects(StatusCode::OK, &h, br#"{"projects":[{"id":"a"},{"id":"b"}]}"#, "r").unwrap_err();
        assert!(two.to_string().contains("IAM names 2 projects \"r\" (a, b)"), "{two}");
        let kind = |e: &Error| match e {
            Error::InvalidResponse(e) => Some(e.kind()),
            _ => None,
        };
        assert_eq!(kind(&none), Some(InvalidResponseKind::NoProject));
        assert_eq!(kind(&two), Some(InvalidResponseKind::ManyProjects));
        let html = parse_projects(StatusCode::OK, &h, b"<html>", "r").unwrap_err();
        assert_eq!(kind(&html), Some(InvalidResponseKind::Malformed));
        let denied = parse_projects(StatusCode::FORBIDDEN, &h, br#"{"error":{"code":403,"message":"denied"}}"#, "r")
            .unwrap_err();
        assert_eq!(denied.status(), Some(StatusCode::FORBIDDEN));
        assert!(matches!(parse_projects(StatusCode::OK, &h, b"<html>", "r"), Err(Error::InvalidResponse(_))));
    }
}
