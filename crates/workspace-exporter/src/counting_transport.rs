//! A transport that counts every HTTP exchange of the client it serves.

use std::sync::Arc;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_async::{Transport, TransportError};
use workspace_core::types::ErrorBody;

use crate::labels::{ErrorLabels, RequestLabels, error_code};
use crate::metrics::Metrics;

/// Wraps a transport and counts each exchange in `huaweicloud_workspace_api_requests_total`
/// (by status code, or `transport_error`) and each failed one in
/// `huaweicloud_workspace_api_errors_total` (by the service's `error_code`, or
/// `transport_error`). Retries and project discovery are exchanges too.
#[derive(Debug)]
pub(crate) struct CountingTransport {
    inner: Arc<dyn Transport>,
    metrics: Metrics,
}

impl CountingTransport {
    /// Counts the exchanges of `inner` in `metrics`.
    pub(crate) fn new(inner: impl Transport + 'static, metrics: Metrics) -> Self {
        Self { inner: Arc::new(inner), metrics }
    }
}

#[async_trait]
impl Transport for CountingTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let result = self.inner.send(request).await;
        let (status, code) = match &result {
            Ok(response) if response.status().is_success() => (response.status().as_u16().to_string(), None),
            Ok(response) => {
                let body = ErrorBody::parse(response.body());
                let code = error_code(body.as_ref().and_then(|b| b.error_code.as_deref()));
                (response.status().as_u16().to_string(), Some(code))
            }
            Err(_) => ("transport_error".to_owned(), Some("transport_error".to_owned())),
        };
        self.metrics.api_requests.get_or_create(&RequestLabels { status }).inc();
        if let Some(error_code) = code {
            self.metrics.api_errors.get_or_create(&ErrorLabels { error_code }).inc();
        }
        result
    }
}
