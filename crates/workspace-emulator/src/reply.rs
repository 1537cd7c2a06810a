//! Responses: the service's error bodies, pages, and the bodies that faults break on purpose.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use serde_json::json;

/// The error type of response bodies.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An error answer in the service's shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    code: String,
    msg: String,
    /// Gateway errors carry the request id in the body as well as in the header.
    gateway: bool,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error of the API gateway (`APIGW.*`): `{"error_code", "error_msg", "request_id"}`.
    pub(crate) fn gateway(status: u16, code: &str, msg: &str) -> Self {
        Self { status, code: code.to_owned(), msg: msg.to_owned(), gateway: true, retry_after: None }
    }

    /// An error of the Workspace service: `{"error_code", "error_msg"}`.
    pub(crate) fn service(status: u16, code: &str, msg: &str) -> Self {
        Self { gateway: false, ..Self::gateway(status, code, msg) }
    }

    /// The answer the service gives with `status`, as a fault: throttling, or a server error.
    pub(crate) fn for_status(status: u16, retry_after: Option<u64>) -> Self {
        let mut e = match status {
            429 => Self::gateway(
                429,
                "APIGW.0308",
                "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second",
            ),
            500 => Self::service(500, "WKS.00000003", "Internal server error."),
            502 => Self::gateway(502, "APIGW.0201", "Backend unavailable."),
            503 => Self::gateway(503, "APIGW.0201", "Backend unavailable."),
            504 => Self::gateway(504, "APIGW.0201", "Backend timeout."),
            other => Self::service(other, &format!("WKS.{other:04}"), "Emulated error."),
        };
        e.retry_after = retry_after;
        e
    }

    /// The response, with `X-Request-Id: request_id`.
    pub(crate) fn into_response(self, request_id: &str) -> Response<Body> {
        let body = if self.gateway {
            json!({"error_code": self.code, "error_msg": self.msg, "request_id": request_id})
        } else {
            json!({"error_code": self.code, "error_msg": self.msg})
        };
        let mut r = json_response(
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body.to_string().into_bytes(),
            request_id,
        );
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert("retry-after", HeaderValue::from(secs));
        }
        r
    }
}

/// A JSON response with `X-Request-Id`.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>, request_id: &str) -> Response<Body> {
    let mut r = Response::new(Body::full(body));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json;charset=UTF-8"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-request-id", id);
    }
    r
}

/// A response body: whole, or broken on purpose.
pub(crate) enum Body {
    /// The whole body.
    Full(Option<Bytes>),
    /// The start of a body whose full length was announced, a pause, then either the rest or a
    /// broken connection.
    Partial { head: Option<Bytes>, pause: Pin<Box<tokio::time::Sleep>>, tail: Option<Option<Bytes>>, declared: u64 },
}

/// How long a truncated body waits before the connection breaks, so that its start is sent.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(20);

impl Body {
    pub(crate) fn full(bytes: Vec<u8>) -> Self {
        Body::Full(Some(Bytes::from(bytes)))
    }

    /// The first half of `bytes`, then a broken connection.
    pub(crate) fn truncated(bytes: Vec<u8>) -> Self {
        let half = bytes.len() / 2;
        Self::partial(bytes, half, TRUNCATE_PAUSE, false)
    }

    /// The first bytes of `bytes`, nothing for `stall`, then the rest.
    pub(crate) fn stalled(bytes: Vec<u8>, stall: Duration) -> Self {
        let head = bytes.len().min(16);
        Self::partial(bytes, head, stall, true)
    }

    fn partial(bytes: Vec<u8>, head_len: usize, pause: Duration, finish: bool) -> Self {
        let declared = bytes.len() as u64;
        let mut head = Bytes::from(bytes);
        let rest = head.split_off(head_len);
        let tail = Some(finish.then_some(rest));
        Body::Partial { head: Some(head), pause: Box::pin(tokio::time::sleep(pause)), tail, declared }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Partial { head, pause, tail, .. } => {
                if let Some(b) = head.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                Poll::Ready(match tail.take() {
                    None => None,
                    Some(Some(rest)) => Some(Ok(Frame::data(rest))),
                    Some(None) => Some(Err("body truncated on purpose (fault)".into())),
                })
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Body::Partial { declared, .. } => SizeHint::with_exact(*declared),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }
}
