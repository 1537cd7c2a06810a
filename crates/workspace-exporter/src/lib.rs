//! A Prometheus exporter of Huawei Cloud Workspace desktop connection statuses, over the async
//! client.
//!
//! An [`Exporter`] polls the service when asked ([`Exporter::poll_once`]; the
//! `workspace-exporter` program does so on an interval) and keeps the last good snapshot; at the
//! end of each poll it renders it, with the exporter's own health, once into an [`Exposition`]
//! (the OpenMetrics text format and the Prometheus text format, each also gzip-compressed),
//! which [`router`] serves over HTTP (`/metrics`, `/healthz`, `/`) to every scrape, and
//! [`Exporter::render`] copies as text. A scrape never calls the service. See
//! `docs/exporter.md` for the metrics, the flags and the polling rules.
//!
//! ```
//! use workspace_exporter::{Exporter, Format, Settings};
//! use workspace_core::{ClientOptions, Credentials};
//! use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorConfig::default().desktops(40))?;
//! let options = emulator.client_options()?.build()?;
//! let exporter = Exporter::new(options, Settings::default())?;
//! exporter.poll_once().await?;
//! assert!(exporter.render(Format::Text).contains("huaweicloud_workspace_desktops{"));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod counting_transport;
mod exporter;
mod exposition;
mod format;
mod labels;
mod metrics;
mod server;
mod snapshot;

pub use exporter::{Exporter, Settings};
pub use exposition::{Encoding, Exposition};
pub use format::Format;
pub use server::router;
