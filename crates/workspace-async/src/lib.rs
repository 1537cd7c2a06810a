//! An async client for Huawei Cloud Workspace's "Querying Desktop Connection Statuses"
//! (`GET /v2/{project_id}/connect-desktops`).
//!
//! Pick it for async code. Every decision (validation, signing, retries, paging) is made by
//! `workspace-core`; this crate only sends and sleeps, so it behaves exactly like
//! `workspace-blocking`, with the same method names. Without default features it depends on no
//! HTTP library and no runtime: bring an [`AsyncTransport`] and an [`AsyncSleep`].
//!
//! - [`AsyncClient`]: built with [`AsyncClient::builder`]; `Clone`, `Send` and `Sync`; its
//!   futures are `Send` and cancel when dropped.
//! - `client.list_desktops_connect_status()...send().await` for one page; `.pages()` and
//!   `.items()` for every page, as `next().await` or as a `Stream`.
//! - [`ReqwestTransport`] and [`TokioSleep`] (default feature `reqwest`); a user-built
//!   `reqwest::Client` is accepted.
//! - `ReplayTransport` (feature `test-util`): scripted responses for your tests.
//!
//! ```
//! use workspace_async::{AsyncClient, Credentials};
//! use workspace_emulator::{Emulator, EmulatorConfig, DEMO_AK, DEMO_SK};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorConfig::default().desktops(250))?;
//! let client = AsyncClient::builder()
//!     .endpoint(emulator.base_url())
//!     .project_id(emulator.project_id())
//!     .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK)?)
//!     .build()?;
//! let first = client.list_desktops_connect_status().limit(10).send().await?;
//! assert_eq!((first.desktops().len(), first.total_count()), (10, Some(250)));
//! let mut items = client.list_desktops_connect_status().items();
//! let mut n = 0;
//! while let Some(desktop) = items.next().await {
//!     desktop?;
//!     n += 1;
//! }
//! assert_eq!(n, 250);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod list;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod transport;
mod watch;

pub use async_trait::async_trait;
pub use client::{AsyncClient, AsyncClientBuilder, Clock};
pub use list::{DEFAULT_CONCURRENCY, FleetItems, Items, ListDesktopsConnectStatus, Pages};
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use reqwest_transport::{DEFAULT_MAX_RESPONSE_BYTES, ReqwestTransport};
#[cfg(feature = "reqwest")]
pub use transport::TokioSleep;
pub use transport::{AsyncSleep, AsyncTransport};
pub use watch::Watcher;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use workspace_core::test_util::Replay as ReplayTransport;
pub use workspace_core::types;
pub use workspace_core::{
    Change, Credentials, Endpoint, Error, GiveUpReason, Page, PagingError, RetryBudget, RetryPolicy, ServiceError,
    StatusCounts, Transition, TransportError, TransportErrorKind,
};
