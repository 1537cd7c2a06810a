//! Request handling: faults, the gateway's checks, the API itself, and the admin endpoints.

use std::net::{IpAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Body as HttpBody;
use serde::Deserialize;
use serde_json::json;
use workspace_core::sign::signatures_match;

use crate::auth::authenticate;
use crate::config::{Behaviour, TotalCount, check_churn, check_latency, check_rate_limit};
use crate::faults::{Fault, FaultRule};
use crate::query;
use crate::reply::{ApiError, Body, BoxError, json_response};
use crate::state::{Count, Shared};
use crate::time::format_http_date;

/// The largest API request body read.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// The largest admin request body read (a whole fleet may come in one).
const MAX_ADMIN_BODY: usize = 256 * 1024 * 1024;

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
/// reset the connection). Every answer carries a `Date` header from the gateway's clock.
pub(crate) async fn handle(
    req: Request<hyper::body::Incoming>,
    shared: Arc<Shared>,
    socket: Arc<TcpStream>,
) -> Result<Response<Body>, BoxError> {
    let mut response = respond(req, &shared, socket).await?;
    if let Ok(date) = HeaderValue::from_str(&format_http_date(shared.now())) {
        response.headers_mut().insert(http::header::DATE, date);
    }
    Ok(response)
}

async fn respond(
    req: Request<hyper::body::Incoming>,
    shared: &Arc<Shared>,
    socket: Arc<TcpStream>,
) -> Result<Response<Body>, BoxError> {
    let shared = shared.clone();
    let request_id = format!("{:032x}", fastrand::u128(..));
    let (parts, body) = req.into_parts();
    let admin_path = parts.uri.path().starts_with("/admin/");
    if admin_path {
        // Refused before the body is read.
        if let Err(e) = admin_guard(&parts, &shared) {
            return Ok(e.into_response(&request_id));
        }
    }
    let limit = if admin_path { MAX_ADMIN_BODY } else { MAX_REQUEST_BODY };
    let body = match read_bounded(body, limit).await? {
        Some(b) => b,
        None => {
            return Ok(ApiError::gateway(413, "APIGW.0201", "Request entity too large.").into_response(&request_id));
        }
    };
    if admin_path {
        return Ok(admin(&parts, &body, &shared).unwrap_or_else(|e| e.into_response(&request_id)));
    }
    shared.count(Count::Request);
    let mut broken: Option<Fault> = None;
    if let Some(fault) = shared.next_fault() {
        shared.count(Count::Fault);
        match fault {
            Fault::Delay { ms } => hold_back(&shared, Duration::from_millis(ms)).await,
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
        hold_back(&shared, settings.latency).await;
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

/// Holds an answer back for `delay`. When the client goes away meanwhile, the connection ends
/// and this future is dropped before the delay is over: the request is counted as abandoned.
async fn hold_back(shared: &Shared, delay: Duration) {
    /// Counts its request as abandoned when dropped while still armed.
    struct Pending<'a> {
        shared: &'a Shared,
        armed: bool,
    }
    impl Drop for Pending<'_> {
        fn drop(&mut self) {
            if self.armed {
                self.shared.count(Count::Abandoned);
            }
        }
    }
    let mut pending = Pending { shared, armed: true };
    tokio::time::sleep(delay).await;
    pending.armed = false;
}

/// Reads a request body of at most `limit` bytes. `None` as soon as it is known to be longer:
/// before reading any of it when its declared `Content-Length` is, else when what arrived passes
/// `limit`, without reading further. A body that breaks off is an error.
async fn read_bounded<B>(mut body: B, limit: usize) -> Result<Option<Bytes>, BoxError>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    if body.size_hint().lower() > limit {
        return Ok(None);
    }
    let mut out = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(Into::into)?.into_data() else { continue };
        if (out.len() + data.len()) as u64 > limit {
            return Ok(None);
        }
        out.extend_from_slice(&data);
    }
    Ok(Some(out.freeze()))
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
    let behaviour = shared.behaviour();
    gateway_auth(parts, body, shared, &behaviour)?;
    if project.contains('/') || project != shared.config.project_id {
        return Err(ApiError::gateway(403, "APIGW.0310", "The project is unavailable."));
    }
    let query = query::parse(parts.uri.query().unwrap_or("")).map_err(|e| {
        shared.count(Count::BadRequest);
        ApiError::service(400, "WKS.0001", &format!("The request parameter is invalid: {e}"))
    })?;
    Ok(shared.page(&query, &behaviour))
}

/// The gateway's answer to a path or method it does not serve.
fn no_such_api() -> ApiError {
    ApiError::gateway(404, "APIGW.0101", "The API does not exist or has not been published in the environment.")
}

/// The gateway's authentication, counted when it fails.
fn gateway_auth(parts: &Parts, body: &[u8], shared: &Shared, behaviour: &Behaviour) -> Result<(), ApiError> {
    authenticate(&shared.config, behaviour, parts, body, shared.now()).inspect_err(|_| shared.count(Count::AuthFailure))
}

/// IAM's `GET /v3/projects?name={region}`: the emulator's project when the name is its region.
fn projects(parts: &Parts, body: &[u8], shared: &Shared) -> Result<Vec<u8>, ApiError> {
    if parts.method != Method::GET {
        return Err(no_such_api());
    }
    gateway_auth(parts, body, shared, &shared.behaviour())?;
    let pairs = query::pairs(parts.uri.query().unwrap_or(""));
    let name = pairs.iter().find(|(k, _)| k.as_deref() == Ok("name")).map(|(_, v)| v.as_deref());
    let c = &shared.config;
    // A name that is not UTF-8 is no region's.
    let projects: Vec<serde_json::Value> = if name.is_none() || name == Some(Ok(c.region.as_str())) {
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
    connect_status: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsChange {
    latency_ms: Option<u64>,
    #[serde(default, with = "double_option")]
    rate_limit: Option<Option<u32>>,
    churn: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BehaviourChange {
    #[serde(default, with = "double_option")]
    page_cap: Option<Option<u32>>,
    total_count: Option<String>,
    skew_error: Option<String>,
    clock_offset_secs: Option<i64>,
    odd_data: Option<bool>,
    moves_per_page: Option<u32>,
    fleet_changes_per_page: Option<u32>,
    move_seed: Option<u64>,
}

/// Tells an absent field (no change) from `null` (turn off).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
        Option::<u32>::deserialize(d).map(Some)
    }
}

/// The admin API's own refusal.
fn refused(status: u16, msg: &str) -> ApiError {
    ApiError::service(status, &format!("EMU.0{status}"), msg)
}

/// The checks every admin request passes first: no other web origin, no other host name (DNS
/// rebinding), the admin token when one is configured.
fn admin_guard(parts: &Parts, shared: &Shared) -> Result<(), ApiError> {
    let addr = shared.addr;
    if let Some(origin) = parts.headers.get(http::header::ORIGIN) {
        let own = origin.to_str().is_ok_and(|o| {
            let o = o.trim_end_matches('/');
            o == format!("http://{addr}")
                || (addr.ip().is_loopback()
                    && [
                        format!("http://localhost:{}", addr.port()),
                        format!("http://127.0.0.1:{}", addr.port()),
                        format!("http://[::1]:{}", addr.port()),
                    ]
                    .iter()
                    .any(|x| x == o))
        });
        if !own {
            return Err(refused(403, "cross-origin admin requests are refused"));
        }
    }
    if let Some(host) = parts.headers.get(http::header::HOST) {
        if !host.to_str().is_ok_and(|h| allowed_host(h, addr.ip())) {
            return Err(refused(403, "admin requests must name a loopback host or the listen address"));
        }
    }
    if let Some(token) = &shared.config.admin_token {
        let given = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let given = given.and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
        if !signatures_match(given, token) {
            return Err(refused(401, "the admin API needs Authorization: Bearer with the admin token"));
        }
    }
    if matches!(parts.method, Method::POST | Method::PUT) {
        let json =
            parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(refused(415, "admin request bodies must be sent as Content-Type: application/json"));
        }
    }
    Ok(())
}

/// Whether a `Host` header names a loopback host or the listen address (any IP address literal
/// when listening on all addresses).
fn allowed_host(host: &str, listen: IpAddr) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(ip, _)| ip)
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == listen || listen.is_unspecified(),
        Err(_) => false,
    }
}

/// The settings as JSON.
fn settings_json(shared: &Shared) -> serde_json::Value {
    let s = shared.settings();
    json!({"latency_ms": s.latency.as_millis() as u64, "rate_limit": s.rate_limit, "churn": s.churn})
}

/// The behaviour as JSON.
fn behaviour_json(b: &Behaviour) -> serde_json::Value {
    let total_count = match b.total_count {
        TotalCount::Filtered => "filtered",
        TotalCount::Unfiltered => "unfiltered",
    };
    json!({
        "page_cap": b.page_cap,
        "total_count": total_count,
        "skew_error": b.skew_error,
        "clock_offset_secs": b.clock_offset_secs,
        "odd_data": b.odd_data,
        "moves_per_page": b.moves_per_page,
        "fleet_changes_per_page": b.fleet_changes_per_page,
        "move_seed": b.move_seed,
    })
}

/// The admin endpoints, after [`admin_guard`].
fn admin(parts: &Parts, body: &Bytes, shared: &Shared) -> Result<Response<Body>, ApiError> {
    let ok = |v: serde_json::Value| Ok(json_response(StatusCode::OK, v.to_string().into_bytes(), "admin"));
    let bad = |e: serde_json::Error| refused(400, &format!("invalid admin request: {e}"));
    let out_of_bounds = |e: String| refused(400, &format!("invalid admin request: {e}"));
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
            let total = d.len();
            ok(json!({"desktops": d, "total_count": total}))
        }
        (&Method::PUT, "/admin/fleet") => {
            let desktops = crate::fleet::parse(body).map_err(bad)?;
            let n = desktops.len();
            shared.replace_fleet(desktops);
            ok(json!({"desktops": n}))
        }
        (&Method::GET, "/admin/touched") => ok(json!({"touched": shared.touched()})),
        (&Method::DELETE, "/admin/touched") => {
            shared.clear_touched();
            ok(json!({"touched": []}))
        }
        (&Method::GET, "/admin/settings") => ok(settings_json(shared)),
        (&Method::PUT, "/admin/settings") => {
            let change: SettingsChange = serde_json::from_slice(body).map_err(bad)?;
            let latency = change.latency_ms.map(Duration::from_millis);
            if let Some(l) = latency {
                check_latency(l).map_err(out_of_bounds)?;
            }
            if let Some(r) = change.rate_limit {
                check_rate_limit(r).map_err(out_of_bounds)?;
            }
            if let Some(c) = change.churn {
                check_churn(c).map_err(out_of_bounds)?;
            }
            shared.update_settings(|s| {
                if let Some(l) = latency {
                    s.latency = l;
                }
                if let Some(limit) = change.rate_limit {
                    s.rate_limit = limit;
                }
                if let Some(churn) = change.churn {
                    s.churn = churn;
                }
            });
            ok(settings_json(shared))
        }
        (&Method::GET, "/admin/behaviour") => ok(behaviour_json(&shared.behaviour())),
        (&Method::PUT, "/admin/behaviour") => {
            let change: BehaviourChange = serde_json::from_slice(body).map_err(bad)?;
            let mut b = shared.behaviour();
            if let Some(cap) = change.page_cap {
                b.page_cap = cap;
            }
            if let Some(t) = change.total_count {
                b.total_count = match t.as_str() {
                    "filtered" => TotalCount::Filtered,
                    "unfiltered" => TotalCount::Unfiltered,
                    other => {
                        return Err(out_of_bounds(format!(
                            "total_count must be filtered or unfiltered, got {other:?}"
                        )));
                    }
                };
            }
            if let Some(code) = change.skew_error {
                b.skew_error = code;
            }
            if let Some(secs) = change.clock_offset_secs {
                b.clock_offset_secs = secs;
            }
            if let Some(odd) = change.odd_data {
                b.odd_data = odd;
            }
            if let Some(n) = change.moves_per_page {
                b.moves_per_page = n;
            }
            if let Some(n) = change.fleet_changes_per_page {
                b.fleet_changes_per_page = n;
            }
            if let Some(seed) = change.move_seed {
                b.move_seed = seed;
            }
            b.check().map_err(out_of_bounds)?;
            shared.set_behaviour(b);
            ok(behaviour_json(&shared.behaviour()))
        }
        (&Method::PUT, p) if p.starts_with("/admin/desktops/") && p.ends_with("/status") => {
            let id = &p["/admin/desktops/".len()..p.len() - "/status".len()];
            let change: StatusChange = serde_json::from_slice(body).map_err(bad)?;
            if change.connect_status.is_empty() {
                return Err(out_of_bounds("connect_status must not be empty".to_owned()));
            }
            if shared.set_status(id, &change.connect_status) {
                ok(json!({"desktop_id": id, "connect_status": change.connect_status}))
            } else {
                Err(refused(404, &format!("no desktop with id {id:?}")))
            }
        }
        _ => Err(refused(404, &format!("no admin endpoint {} {path}", parts.method))),
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};

    use hyper::body::{Frame, SizeHint};

    use super::*;

    /// A body of `frame`-byte frames, `frames` of them (`None`: without end), with a declared
    /// length or none; it counts the frames it hands out.
    struct Frames<'a> {
        frame: usize,
        frames: Option<usize>,
        declared: Option<u64>,
        handed_out: &'a AtomicUsize,
    }

    impl HttpBody for Frames<'_> {
        type Data = Bytes;
        type Error = BoxError;

        fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
            let n = self.handed_out.fetch_add(1, Ordering::SeqCst);
            if self.frames.is_some_and(|all| n >= all) {
                return Poll::Ready(None);
            }
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b' '; self.frame])))))
        }

        fn size_hint(&self) -> SizeHint {
            self.declared.map_or_else(SizeHint::new, SizeHint::with_exact)
        }
    }

    fn read(frame: usize, frames: Option<usize>, declared: Option<u64>, limit: usize) -> (Option<usize>, usize) {
        let handed_out = AtomicUsize::new(0);
        let body = Frames { frame, frames, declared, handed_out: &handed_out };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let read = runtime.block_on(read_bounded(body, limit)).unwrap();
        (read.map(|b| b.len()), handed_out.load(Ordering::SeqCst))
    }

    #[test]
    fn a_body_over_the_bound_is_refused_without_reading_further() {
        // A body without end, and no length: refused at the frame that passes the bound.
        assert_eq!(read(1000, None, None, 10_000), (None, 11));
        assert_eq!(read(1000, None, None, 10_500), (None, 11));
        // A declared length over the bound: refused before a byte is read.
        assert_eq!(read(1000, None, Some(10_001), 10_000), (None, 0));
        // Up to the bound, it is read whole.
        assert_eq!(read(1000, Some(10), None, 10_000), (Some(10_000), 11));
        assert_eq!(read(1000, Some(10), Some(10_000), 10_000), (Some(10_000), 11));
        assert_eq!(read(0, Some(0), Some(0), 0), (Some(0), 1));
    }
}
