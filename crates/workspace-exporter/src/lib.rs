//! A Prometheus exporter of Huawei Cloud Workspace desktop connection statuses, over the async
//! client.
//!
//! An [`Exporter`] polls the service when asked ([`Exporter::poll_once`]; the
//! `workspace-exporter` program does so on an interval) and keeps the last good snapshot;
//! [`Exporter::render`] writes it, with the exporter's own health, in the OpenMetrics text
//! format or the Prometheus text format, and [`router`] serves it over HTTP (`/metrics`, `/healthz`, `/`). A scrape never
//! calls the service. See `docs/exporter.md` for the metrics, the flags and the polling rules.
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
mod format;
mod labels;
mod metrics;
mod server;
mod snapshot;

pub use exporter::{Exporter, Settings};
pub use format::Format;
pub use server::router;
