//! The sans-IO core of the Huawei Cloud Workspace SDK for `GET /v2/{project_id}/connect-desktops`.
//!
//! It turns a validated request into the exact bytes the official SDK sends, signs them with
//! SDK-HMAC-SHA256, and turns any response into a typed page or a precise error. It performs no
//! I/O, reads no clock and never sleeps: time comes in as an argument. Pick it to drive the API
//! with your own HTTP stack; pick `workspace-blocking` or `workspace-async` for a ready client.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use workspace_core::{build_request, parse_response, ClientOptions, Credentials, Query};
//! use workspace_core::types::ConnectStatus;
//!
//! let options = ClientOptions::builder()
//!     .region("cn-north-4")
//!     .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//!     .credentials(Credentials::ak_sk("HPUAEXAMPLEAK0000001", "exampleSecretKey0123456789abcdefghijklmnop")?)
//!     .build()?;
//! let query = Query::new().connect_status(ConnectStatus::Connected).limit(50).request()?;
//! let now = UNIX_EPOCH + Duration::from_secs(1_796_011_200); // 2026-11-30T04:00:00Z
//! let request = build_request(&options, &query, now)?;
//! assert!(request.headers()["authorization"].to_str()?.starts_with("SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001"));
//!
//! // Send `request` with any HTTP library, then hand the response to the parser:
//! let page = parse_response(http::StatusCode::OK, &http::HeaderMap::new(), br#"{"desktops":[],"total_count":0}"#)?;
//! assert_eq!(page.total_count(), Some(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod chain;
mod client;
mod counts;
mod credentials;
mod diff;
mod encoding;
mod endpoint;
mod error;
mod fleet;
mod iam;
pub mod op;
mod options;
mod pager;
mod profile;
pub mod proxy;
mod query;
mod request;
mod response;
mod retry;
pub mod sign;
#[cfg(test)]
mod sim;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
pub mod text;
mod time;
pub mod transport;

pub use call::{Attempt, AttemptTimeout};
pub use client::ClientCore;
pub use counts::{MAX_PLAUSIBLE_TOTAL, StatusCounts};
pub use credentials::{AccessKeyId, AkSk, AuthToken, Credentials, SecretAccessKey, SecurityToken};
pub use diff::{Change, FleetDiff, Transition};
pub use endpoint::{Endpoint, REGIONS};
pub use error::{
    BodySnippet, BoxError, ConfigError, ConfigOrigin, DeadlineExceeded, Error, GiveUpReason, InvalidResponse,
    InvalidResponseKind, PagingError, ResponseTooLarge, RetryError, ServiceError, SigningError, TransportError,
    TransportErrorKind,
};
pub use fleet::ReadReport;
pub use options::{
    ClientOptions, ClientOptionsBuilder, Clock, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, POOL_IDLE_TIMEOUT, ProjectSource, SDK_USER_AGENT,
};
pub use profile::{ServiceProfile, TotalsMeaning};
pub use query::Query;
pub use request::build_request;
pub use response::{Page, parse_response};
pub use retry::{CLOCK_SKEW_EVIDENCE, MAX_CLOCK_SKEW, RetryPolicy};
pub use time::{format_sdk_date, parse_sdk_date};
pub use workspace_types as types;

/// What both clients re-export, so that their users need no other crate: the options, the query,
/// the page, the errors, the counts, a read's report and the transitions.
pub mod common {
    pub use crate::{
        BodySnippet, BoxError, Change, ClientCore, ClientOptions, ClientOptionsBuilder, Clock, ConfigError,
        ConfigOrigin, Credentials, DeadlineExceeded, Endpoint, Error, GiveUpReason, InvalidResponse,
        InvalidResponseKind, Page, PagingError, Query, ReadReport, ResponseTooLarge, RetryPolicy, ServiceError,
        StatusCounts, Transition, TransportError, TransportErrorKind,
    };
    pub use workspace_types as types;
}
