//! The HTTP side: `/metrics`, `/healthz` and an index page, behind basic authentication when
//! users are configured.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::basic_auth::BasicAuth;
use crate::exposer::Exposer;
use crate::exposition::Encoding;
use crate::format::Format;

const INDEX: &str = "<!doctype html>\n<html><head><title>Workspace exporter</title></head>\n<body><h1>Huawei Cloud Workspace exporter</h1>\n<p>Metrics: <a href=\"/metrics\">/metrics</a>. Health: <a href=\"/healthz\">/healthz</a>.</p></body></html>\n";

/// The routes: `/metrics` (the exposition of the last polls, never a call of the service;
/// OpenMetrics when the `Accept` header asks for it, as Prometheus does, else the Prometheus
/// text format; compressed with gzip when `Accept-Encoding` asks for it, the same shared bytes
/// for every scrape until the next poll; else written as the client reads it), `/healthz` (`ok` while the listener is up) and `/` (a page pointing to
/// `/metrics`). When `users` has any, every route answers 401 without the `Authorization` of
/// one of them.
pub fn router(exposer: Arc<Exposer>, users: BasicAuth) -> Router {
    let routes = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/", get(|| async { Html(INDEX) }))
        .with_state(exposer);
    if users.is_enabled() { routes.layer(middleware::from_fn_with_state(users, authenticate)) } else { routes }
}

async fn metrics(State(exposer): State<Arc<Exposer>>, headers: HeaderMap) -> Response {
    let asked = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let format = Format::negotiate(asked(header::ACCEPT));
    let exposition = exposer.exposition();
    let gzip = match Encoding::negotiate(asked(header::ACCEPT_ENCODING)) {
        Encoding::Gzip => exposition.gzip(format),
        Encoding::Identity => None,
    };
    let encoding = if gzip.is_some() { Encoding::Gzip } else { Encoding::Identity };
    let body = match gzip {
        Some(bytes) => Body::from(bytes),
        None => Body::from_stream(exposition.chunks(format)),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::VARY, HeaderValue::from_static("accept, accept-encoding"));
    if let Some(coding) = encoding.content_encoding() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

/// Lets a request through with the credentials of a configured user, else answers 401 with
/// the challenge.
async fn authenticate(State(users): State<BasicAuth>, request: Request, next: Next) -> Response {
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if users.check(authorization).await {
        return next.run(request).await;
    }
    let challenge = [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"workspace-exporter\""))];
    (StatusCode::UNAUTHORIZED, challenge, "Unauthorized\n").into_response()
}
