//! The HTTP side: `/metrics`, `/healthz` and an index page.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::exporter::Exporter;
use crate::format::Format;

const INDEX: &str = "<!doctype html>\n<html><head><title>Workspace exporter</title></head>\n<body><h1>Huawei Cloud Workspace exporter</h1>\n<p>Metrics: <a href=\"/metrics\">/metrics</a>. Health: <a href=\"/healthz\">/healthz</a>.</p></body></html>\n";

/// The routes: `/metrics` (the last snapshot, never a call of the service; OpenMetrics when the
/// `Accept` header asks for it, as Prometheus does, else the Prometheus text format), `/healthz` (`ok` while
/// the listener is up) and `/` (a page pointing to `/metrics`).
pub fn router(exporter: Arc<Exporter>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/", get(|| async { Html(INDEX) }))
        .with_state(exporter)
}

async fn metrics(State(exporter): State<Arc<Exporter>>, headers: HeaderMap) -> impl IntoResponse {
    let format = Format::negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    ([(header::CONTENT_TYPE, format.content_type())], exporter.render(format))
}
