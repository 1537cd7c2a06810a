//! An async client for Huawei Cloud Workspace's "Querying Desktop Connection Statuses"
//! (`GET /v2/{project_id}/connect-desktops`).
//!
//! Pick it for async code. Every decision (validation, signing, retries, paging) is made by
//! `workspace-core`; this crate only sends and sleeps, so it behaves exactly like
//! `workspace-blocking`: the same types, methods and names, differing only by `async`. Without
//! default features it depends on no HTTP library and no runtime: bring a [`Transport`] and a
//! [`Sleep`].
//!
//! - [`Client`]: `Client::new(options)`, or [`Client::builder`] for parts of your own; `Clone`,
//!   `Send` and `Sync`; its futures are `Send` and cancel when dropped.
//! - `client.send(&query).await` for one page; `pages`, `items` and `read_fleet` as
//!   `next().await` or a `Stream`; `count_by_status(&query).await`; `watch(&query, interval)`.
//! - [`ReqwestTransport`] and [`TokioSleep`] (default feature `reqwest`); a user-built
//!   `reqwest::Client` is accepted.
//! - `ReplayTransport` (feature `test-util`): scripted responses for your tests.
//!
//! ```
//! use workspace_async::{Client, ClientOptions, Credentials, Query};
//! use workspace_emulator::{Emulator, EmulatorConfig, DEMO_AK, DEMO_SK};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorConfig::default().desktops(250))?;
//! let options = emulator.client_options()?.build()?;
//! let client = Client::new(options)?;
//! let first = client.send(&Query::new().limit(10)).await?;
//! assert_eq!((first.desktops().len(), first.total_count()), (10, Some(250)));
//! let mut items = client.items(&Query::new());
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
mod drive;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod streams;
mod transport;

pub use async_trait::async_trait;
pub use client::{Client, ClientBuilder};
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use reqwest_transport::ReqwestTransport;
pub use streams::{FleetItems, Items, Pages, Watcher};
#[cfg(feature = "reqwest")]
pub use transport::TokioSleep;
pub use transport::{Sleep, Transport};
pub use workspace_core::common::*;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use workspace_core::test_util::Replay as ReplayTransport;
