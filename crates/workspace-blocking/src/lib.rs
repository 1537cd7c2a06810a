//! A blocking client for Huawei Cloud Workspace's "Querying Desktop Connection Statuses"
//! (`GET /v2/{project_id}/connect-desktops`).
//!
//! Pick it for synchronous code: it needs no async runtime (no tokio in its dependency tree).
//! Every decision (validation, signing, retries, paging) is made by `workspace-core`; this crate
//! only sends and sleeps. `workspace-async` has the same types, methods and names, differing
//! only by `async`.
//!
//! - [`Client`]: `Client::new(options)`, or [`Client::builder`] for parts of your own; `Clone`,
//!   `Send` and `Sync`.
//! - `client.send(&query)` for one page; `pages`, `items` and `read_fleet` as iterators (which
//!   own what they need); `count_by_status(&query)`; `watch(&query, interval)`.
//! - [`Transport`]: bring your own HTTP client (a closure is one), or use [`UreqTransport`]
//!   (default feature `ureq`), which also takes your own `ureq::Agent` for proxies and CAs.
//! - `ReplayTransport` (feature `test-util`): scripted responses for your tests.
//!
//! ```
//! use workspace_blocking::{Client, ClientOptions, Credentials, Query};
//! use workspace_emulator::{Emulator, EmulatorConfig, DEMO_AK, DEMO_SK};
//!
//! let emulator = Emulator::start(EmulatorConfig::default().desktops(250))?;
//! let options = emulator.client_options()?.build()?;
//! let client = Client::new(options)?;
//! let first = client.send(&Query::new().limit(10))?;
//! assert_eq!((first.desktops().len(), first.total_count()), (10, Some(250)));
//! let all: Vec<_> = client.items(&Query::new()).collect::<Result<_, _>>()?;
//! assert_eq!(all.len(), 250);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod drive;
mod iterators;
mod transport;
#[cfg(feature = "ureq")]
mod ureq_transport;

pub use client::{Client, ClientBuilder};
pub use iterators::{FleetItems, Items, Pages, Watcher};
pub use transport::{Sleep, ThreadSleep, Transport};
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub use ureq_transport::UreqTransport;
pub use workspace_core::common::*;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use workspace_core::test_util::Replay as ReplayTransport;
