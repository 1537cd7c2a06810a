//! A blocking client for Huawei Cloud Workspace's "Querying Desktop Connection Statuses"
//! (`GET /v2/{project_id}/connect-desktops`).
//!
//! Pick it for synchronous code: it needs no async runtime (no tokio in its dependency tree).
//! Every decision (validation, signing, retries, paging) is made by `workspace-core`; this crate
//! only sends and sleeps. Pick `workspace-async` for async code.
//!
//! - [`Client`]: built with [`Client::builder`]; `Clone`, `Send` and `Sync`.
//! - `client.list_desktops_connect_status()...send()` for one page, `.pages()` or `.items()`
//!   to iterate lazily over every page.
//! - [`Transport`]: bring your own HTTP client ([`transport_fn`]), or use [`UreqTransport`]
//!   (default feature `ureq`), which also takes your own `ureq::Agent` for proxies and CAs.
//! - `ReplayTransport` (feature `test-util`): scripted responses for your tests.
//!
//! ```
//! use workspace_blocking::{Client, Credentials};
//! use workspace_emulator::{Emulator, EmulatorConfig, DEMO_AK, DEMO_SK};
//!
//! let emulator = Emulator::start(EmulatorConfig::default().desktops(250))?;
//! let client = Client::builder()
//!     .endpoint(emulator.base_url())
//!     .project_id(emulator.project_id())
//!     .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK)?)
//!     .build()?;
//! let first = client.list_desktops_connect_status().limit(10).send()?;
//! assert_eq!((first.desktops().len(), first.total_count()), (10, Some(250)));
//! let all: Vec<_> = client.list_desktops_connect_status().items().collect::<Result<_, _>>()?;
//! assert_eq!(all.len(), 250);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod list;
mod transport;
#[cfg(feature = "ureq")]
mod ureq_transport;
mod watch;

pub use client::{Client, ClientBuilder, Clock, Sleep};
pub use list::{FleetItems, Items, ListDesktopsConnectStatus, Pages};
pub use transport::{FnTransport, Transport, transport_fn};
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub use ureq_transport::{DEFAULT_MAX_RESPONSE_BYTES, UreqTransport};
pub use watch::Watcher;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use workspace_core::test_util::Replay as ReplayTransport;
pub use workspace_core::types;
pub use workspace_core::{
    Change, Credentials, Endpoint, Error, GiveUpReason, Page, PagingError, RetryBudget, RetryPolicy, ServiceError,
    StatusCounts, Transition, TransportError, TransportErrorKind,
};
