//! Project id discovery: `GET {iam}/v3/projects?name={region}`, as the official SDKs do it.

use std::time::SystemTime;

use http::{HeaderMap, Request, StatusCode};
use serde_json::Value;
use workspace_types::ProjectId;

use crate::encoding::canonical_query;
use crate::endpoint::Endpoint;
use crate::error::{ConfigError, Error, InvalidResponse, InvalidResponseKind};
use crate::options::ClientOptions;
use crate::request::signed_get;
use crate::response::service_error;

/// The global IAM endpoint, for regions without one of their own.
pub(crate) const GLOBAL_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The regions with an IAM endpoint of their own (`https://iam.{region}.myhuaweicloud.com`), as
/// the official SDKs' table lists them. Of Workspace's regions, `cn-north-11`, `af-north-1` and
/// `eu-west-101` are not in it and use the global endpoint, as the official SDKs do.
const REGIONAL_IAM: [&str; 26] = [
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
    "tr-west-1",
];

/// The IAM endpoint of `region`: its own where the official SDKs' table has one, else the global
/// endpoint.
pub(crate) fn iam_endpoint(region: &str) -> Result<Endpoint, ConfigError> {
    if REGIONAL_IAM.contains(&region) {
        Endpoint::parse(&format!("https://iam.{region}.myhuaweicloud.com"))
    } else {
        Endpoint::parse(GLOBAL_IAM_ENDPOINT)
    }
}

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
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn endpoints_by_region_as_the_official_table_has_them() {
        assert_eq!(iam_endpoint("cn-north-4").unwrap().host_header(), "iam.cn-north-4.myhuaweicloud.com");
        assert_eq!(iam_endpoint("tr-west-1").unwrap().host_header(), "iam.tr-west-1.myhuaweicloud.com");
        for global in ["cn-north-11", "af-north-1", "eu-west-101", "my-private-region"] {
            assert_eq!(iam_endpoint(global).unwrap().host_header(), "iam.myhuaweicloud.com", "{global}");
        }
        let regional = crate::endpoint::REGIONS.iter().filter(|r| REGIONAL_IAM.contains(r)).count();
        assert_eq!(regional, 15, "15 of Workspace's 18 regions have a regional IAM endpoint");
    }

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
