//! The HTTP side: `/metrics`, `/healthz` and an index page.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, Response};
use axum::routing::get;

use crate::exporter::Exporter;
use crate::exposition::Encoding;
use crate::format::Format;

const INDEX: &str = "<!doctype html>\n<html><head><title>Workspace exporter</title></head>\n<body><h1>Huawei Cloud Workspace exporter</h1>\n<p>Metrics: <a href=\"/metrics\">/metrics</a>. Health: <a href=\"/healthz\">/healthz</a>.</p></body></html>\n";

/// The routes: `/metrics` (the exposition of the last poll, never a call of the service;
/// OpenMetrics when the `Accept` header asks for it, as Prometheus does, else the Prometheus
/// text format; compressed with gzip when `Accept-Encoding` asks for it; the same shared bytes
/// for every scrape), `/healthz` (`ok` while the listener is up) and `/` (a page pointing to
/// `/metrics`).
pub fn router(exporter: Arc<Exporter>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/", get(|| async { Html(INDEX) }))
        .with_state(exporter)
}

async fn metrics(State(exporter): State<Arc<Exporter>>, headers: HeaderMap) -> Response {
    let asked = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let format = Format::negotiate(asked(header::ACCEPT));
    let (bytes, encoding) = exporter.exposition().body(format, Encoding::negotiate(asked(header::ACCEPT_ENCODING)));
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::VARY, HeaderValue::from_static("accept, accept-encoding"));
    if let Some(coding) = encoding.content_encoding() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}
