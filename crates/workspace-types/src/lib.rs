//! Models and validation for Huawei Cloud Workspace's "Querying Desktop Connection Statuses" API
//! (`GET /v2/{project_id}/connect-desktops`).
//!
//! Pick this crate alone when you only need the data: to read or write the API's JSON, or to
//! validate a query before handing it to your own code. It has no HTTP dependency and performs
//! no I/O. `workspace-core` builds and signs requests from these types; `workspace-blocking` and
//! `workspace-async` send them.
//!
//! - [`ListDesktopsConnectStatusRequest`]: the query, validated by its builder;
//!   bad input is a [`ValidationError`] naming the field, the value and the rule.
//! - [`ListDesktopsConnectStatusResponse`], [`ConnectDesktopsInfo`], [`AttachUsersInfo`]: the
//!   response; absent and `null` fields are `None`, `null` entries in lists are skipped, and
//!   fields added later are ignored.
//! - [`ConnectStatus`], [`UserGroup`], [`AttachType`]: open enumerations; a value the service adds
//!   later is kept as `Unknown` and serializes back unchanged.
//! - [`ErrorBody`]: an error response's body, read with the official SDKs' fallbacks.
//!
//! ```
//! use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusResponse};
//!
//! let req = ListDesktopsConnectStatusRequest::builder()
//!     .connect_status(ConnectStatus::Connected)
//!     .limit(10)
//!     .build()?;
//! assert_eq!(req.query_pairs()[0], ("connect_status", "CONNECTED".into()));
//!
//! let page: ListDesktopsConnectStatusResponse = serde_json::from_str(
//!     r#"{"desktops":[{"desktop_id":"d1","connect_status":"HIBERNATING"}],"total_count":1}"#,
//! )?;
//! assert_eq!(page.desktops[0].connect_status.as_ref().unwrap().as_str(), "HIBERNATING");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod enums;
mod error_body;
pub mod limits;
mod models;
mod project_id;
mod request;
mod validation;

pub use enums::{AttachType, ConnectStatus, UnknownValue, UserGroup};
pub use error_body::ErrorBody;
pub use models::{AttachUsersInfo, ConnectDesktopsInfo, ListDesktopsConnectStatusResponse};
pub use project_id::ProjectId;
pub use request::{ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusRequestBuilder};
pub use validation::{ValidationError, ValidationErrorKind};
