//! Request handling: faults, the gateway's checks, the API itself, and the admin endpoints.

use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use serde::Deserialize;
use serde_json::json;
use workspace_core::query::parse_query;
use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusResponse};

use crate::auth::authenticate;
use crate::faults::{Fault, FaultRule};
use crate::reply::{ApiError, Body, BoxError, json_response};
use crate::state::{Count, Shared};

/// The largest request body read.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// A request that ends the connection without an answer (the reset fault).
#[derive(Debug)]
pub(crate) struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset on purpose (fault)")
    }
}

impl std::error::Error for Aborted {}

/// Handles one request on a connection whose socket is `socket` (a second handle to it, used to
/// reset the connection).
pub(crate) async fn handle(
    req: Request<hyper::body::Incoming>,
    shared: Arc<Shared>,
    socket: Arc<TcpStream>,
) -> Result<Response<Body>, BoxError> {
    let request_id = format!("{:032x}", fastrand::u128(..));
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(ApiError::gateway(413, "APIGW.0201", "Request entity too large.").into_response(&request_id));
        }
    };
    if parts.uri.path().starts_with("/admin/") {
        return Ok(admin(&parts, &body, &shared).unwrap_or_else(|e| e.into_response(&request_id)));
    }
    shared.count(Count::Request);
    let mut broken: Option<Fault> = None;
    if let Some(fault) = shared.next_fault() {
        shared.count(Count::Fault);
        match fault {
            Fault::Delay { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
            Fault::Status { status, retry_after } => {
                return Ok(ApiError::for_status(status, retry_after).into_response(&request_id));
            }
            Fault::Reset => {
                // With a zero linger time, closing the socket sends a TCP reset.
                let _ = socket2::SockRef::from(&*socket).set_linger(Some(Duration::ZERO));
                return Err(Box::new(Aborted));
            }
            other => broken = Some(other),
        }
    }
    let settings = shared.settings();
    if !settings.latency.is_zero() {
        tokio::time::sleep(settings.latency).await;
    }
    if !shared.admit(Instant::now()) {
        shared.count(Count::Throttled);
        return Ok(ApiError::for_status(429, Some(1)).into_response(&request_id));
    }
    if parts.uri.path() == "/v3/projects" {
        return Ok(match projects(&parts, &body, &shared) {
            Ok(b) => json_response(StatusCode::OK, b, &request_id),
            Err(e) => e.into_response(&request_id),
        });
    }
    let page = match api(&parts, &body, &shared) {
        Ok(page) => page,
        Err(e) => return Ok(e.into_response(&request_id)),
    };
    shared.count(Count::Page);
    let mut response = json_response(StatusCode::OK, page, &request_id);
    match broken {
        Some(Fault::Truncate) => *response.body_mut() = Body::truncated(take(&mut response)),
        Some(Fault::Malformed) => *response.body_mut() = Body::full(br#"{"desktops": [{"desktop_id": "#.to_vec()),
        Some(Fault::Stall { ms }) => {
            *response.body_mut() = Body::stalled(take(&mut response), Duration::from_millis(ms))
        }
        _ => {}
    }
    Ok(response)
}

fn take(r: &mut Response<Body>) -> Vec<u8> {
    match std::mem::replace(r.body_mut(), Body::Full(None)) {
        Body::Full(b) => b.map(|b| b.to_vec()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `GET /v2/{project_id}/connect-desktops`, after the gateway's checks.
fn api(parts: &Parts, body: &[u8], shared: &Shared) -> Result<Vec<u8>, ApiError> {
    let path = parts.uri.path().trim_end_matches('/');
    let project = path.strip_prefix("/v2/").and_then(|rest| rest.strip_suffix("/connect-desktops"));
    let (Some(project), true) = (project, parts.method == Method::GET) else {
        return Err(no_such_api());
    };
    gateway_auth(parts, body, shared)?;
    if project.contains('/') || project != shared.config.project_id {
        return Err(ApiError::gateway(403, "APIGW.0310", "The project is unavailable."));
    }
    let query = ListDesktopsConnectStatusRequest::from_query_pairs(parse_query(parts.uri.query().unwrap_or("")))
        .map_err(|e| {
            shared.count(Count::BadRequest);
            ApiError::service(400, "WKS.0001", &format!("The request parameter is invalid: {e}"))
        })?;
    Ok(shared.page(&query))
}

/// The gateway's answer to a path or method it does not serve.
fn no_such_api() -> ApiError {
    ApiError::gateway(404, "APIGW.0101", "The API does not exist or has not been published in the environment.")
}

/// The gateway's authentication, counted when it fails.
fn gateway_auth(parts: &Parts, body: &[u8], shared: &Shared) -> Result<(), ApiError> {
    authenticate(&shared.config, parts, body, SystemTime::now()).inspect_err(|_| shared.count(Count::AuthFailure))
}

/// IAM's `GET /v3/projects?name={region}`: the emulator's project when the name is its region.
fn projects(parts: &Parts, body: &[u8], shared: &Shared) -> Result<Vec<u8>, ApiError> {
    if parts.method != Method::GET {
        return Err(no_such_api());
    }
    gateway_auth(parts, body, shared)?;
    let name = parse_query(parts.uri.query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.into_owned());
    let c = &shared.config;
    let projects: Vec<serde_json::Value> = if name.is_none() || name.as_deref() == Some(c.region.as_str()) {
        vec![json!({"id": c.project_id, "name": c.region, "enabled": true, "domain_id": "emulated-domain"})]
    } else {
        Vec::new()
    };
    Ok(json!({"projects": projects, "links": {"self": "/v3/projects"}}).to_string().into_bytes())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(FaultRule),
    Many(Vec<FaultRule>),
}

#[derive(Deserialize)]
struct StatusChange {
    connect_status: ConnectStatus,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsChange {
    latency_ms: Option<u64>,
    #[serde(default, with = "double_option")]
    rate_limit: Option<Option<u32>>,
    churn: Option<f64>,
}

/// Tells an absent field (no change) from `null` (turn off).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
        Option::<u32>::deserialize(d).map(Some)
    }
}

/// The admin endpoints (no authentication: the emulator listens on loopback).
fn admin(parts: &Parts, body: &Bytes, shared: &Shared) -> Result<Response<Body>, ApiError> {
    let ok = |v: serde_json::Value| Ok(json_response(StatusCode::OK, v.to_string().into_bytes(), "admin"));
    let bad = |e: serde_json::Error| ApiError::service(400, "EMU.0400", &format!("invalid admin request: {e}"));
    let path = parts.uri.path();
    match (&parts.method, path) {
        (&Method::GET, "/admin/health") => ok(json!({"status": "ok"})),
        (&Method::GET, "/admin/stats") => ok(json!(shared.stats())),
        (&Method::GET, "/admin/faults") => ok(json!(shared.pending_faults())),
        (&Method::POST, "/admin/faults") => {
            let rules = match serde_json::from_slice::<OneOrMany>(body).map_err(bad)? {
                OneOrMany::One(r) => vec![r],
                OneOrMany::Many(r) => r,
            };
            shared.push_faults(rules);
            ok(json!(shared.pending_faults()))
        }
        (&Method::DELETE, "/admin/faults") => {
            shared.clear_faults();
            ok(json!([]))
        }
        (&Method::GET, "/admin/fleet") => {
            let d = shared.desktops();
            let total = d.len() as u64;
            ok(json!(ListDesktopsConnectStatusResponse::new(d, Some(total))))
        }
        (&Method::PUT, "/admin/fleet") => {
            let fleet: ListDesktopsConnectStatusResponse = serde_json::from_slice(body).map_err(bad)?;
            let n = fleet.desktops.len();
            shared.replace_fleet(fleet.desktops);
            ok(json!({"desktops": n}))
        }
        (&Method::PUT, "/admin/settings") => {
            let change: SettingsChange = serde_json::from_slice(body).map_err(bad)?;
            shared.update_settings(|s| {
                if let Some(ms) = change.latency_ms {
                    s.latency = Duration::from_millis(ms);
                }
                if let Some(limit) = change.rate_limit {
                    s.rate_limit = limit;
                }
                if let Some(churn) = change.churn {
                    s.churn = churn.max(0.0);
                }
            });
            let s = shared.settings();
            ok(json!({"latency_ms": s.latency.as_millis() as u64, "rate_limit": s.rate_limit, "churn": s.churn}))
        }
        (&Method::PUT, p) if p.starts_with("/admin/desktops/") && p.ends_with("/status") => {
            let id = &p["/admin/desktops/".len()..p.len() - "/status".len()];
            let change: StatusChange = serde_json::from_slice(body).map_err(bad)?;
            if shared.set_status(id, change.connect_status.clone()) {
                ok(json!({"desktop_id": id, "connect_status": change.connect_status}))
            } else {
                Err(ApiError::service(404, "EMU.0404", &format!("no desktop with id {id:?}")))
            }
        }
        _ => Err(ApiError::service(404, "EMU.0404", &format!("no admin endpoint {} {path}", parts.method))),
    }
}
