//! A transport that counts every HTTP exchange of the client it serves.

use std::sync::Arc;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_async::{Transport, TransportError};
use workspace_core::types::ErrorBody;

use crate::labels::{ErrorCodes, ErrorLabels, RequestLabels};
use crate::metrics::Metrics;

/// Wraps a transport and counts each exchange in `huaweicloud_workspace_api_requests_total`
/// (by status code, or `transport_error`) and each failed one in
/// `huaweicloud_workspace_api_errors_total` (by the service's `error_code`, bounded by
/// [`ErrorCodes`], or `transport_error`). Retries and project discovery are exchanges too.
#[derive(Debug)]
pub(crate) struct CountingTransport {
    inner: Arc<dyn Transport>,
    metrics: Metrics,
    codes: ErrorCodes,
}

impl CountingTransport {
    /// Counts the exchanges of `inner` in `metrics`.
    pub(crate) fn new(inner: impl Transport + 'static, metrics: Metrics) -> Self {
        Self { inner: Arc::new(inner), metrics, codes: ErrorCodes::default() }
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
                let code = self.codes.label(body.as_ref().and_then(|b| b.error_code.as_deref()));
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::labels::MAX_ERROR_CODES;
    use crate::snapshot::Snapshot;

    /// A service that answers every request with a 500 whose `error_code` is new: mostly of the
    /// documented shape, sometimes not.
    fn hostile() -> impl Transport {
        let state = std::sync::Mutex::new(0x9e37_79b9_7f4a_7c15u64);
        move |_request: http::Request<Vec<u8>>| {
            let n = {
                let mut x = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                // xorshift64: a new pseudo-random code at each answer.
                *x ^= *x << 13;
                *x ^= *x >> 7;
                *x ^= *x << 17;
                *x
            };
            let code = match n % 4 {
                0 => format!("X{n:x}\"}}\\n"),
                _ => format!("{}.{}", ["APIGW", "WKS", "IAM", "Q"][(n % 7 % 4) as usize], n % 1_000_000_000),
            };
            let body = serde_json::json!({ "error_code": code, "error_msg": "no" }).to_string();
            async move {
                let mut response = Response::new(body.into_bytes());
                *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                Ok(response)
            }
        }
    }

    #[tokio::test]
    async fn a_hostile_stream_of_error_codes_makes_at_most_fifty_series_and_other() {
        let metrics = Metrics::default();
        let transport = CountingTransport::new(hostile(), metrics.clone());
        for _ in 0..2000 {
            let _ = transport.send(Request::new(Vec::new())).await;
        }
        let text = metrics.render(Vec::new(), &Snapshot::default());
        let codes: BTreeSet<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("huaweicloud_workspace_api_errors_total{error_code=\""))
            .filter_map(|l| l.split_once('"').map(|(code, _)| code))
            .collect();
        assert!(codes.contains("other"), "{codes:?}");
        assert_eq!(codes.len(), MAX_ERROR_CODES + 1, "{codes:?}");
        for code in codes.iter().filter(|c| **c != "other") {
            let (letters, digits) = code.split_once('.').unwrap_or_default();
            assert!(letters.chars().all(|c| c.is_ascii_alphabetic()) && !letters.is_empty(), "{code}");
            assert!(digits.chars().all(|c| c.is_ascii_digit()) && !digits.is_empty(), "{code}");
        }
        assert!(text.contains("huaweicloud_workspace_api_requests_total{status=\"500\"} 2000"), "{text}");
    }
}
