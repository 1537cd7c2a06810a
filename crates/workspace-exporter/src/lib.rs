//! A Prometheus exporter of Huawei Cloud Workspace desktop connection statuses, over the async
//! client.
//!
//! An [`Exporter`] polls the service when asked ([`Exporter::poll_once`]; the
//! `workspace-exporter` program does so on an interval) and keeps the last good snapshot, the
//! per-desktop series in a compact form. An [`Exposition`] of it, with the exporter's own
//! health, renders the OpenMetrics text format or the Prometheus text format, gzip-compressed or
//! not, when first asked for; [`router`] serves it over HTTP (`/metrics`, `/healthz`, `/`) to
//! every scrape, and [`Exporter::render`] renders it as text. An [`Exposer`] merges the metrics of many targets
//! (projects and regions, [`load_targets`]) and of the process into what `/metrics` serves. A
//! scrape never calls the service. [`WebConfig`] reads TLS and basic authentication in the
//! format of Prometheus's exporter-toolkit, and [`Args`] is the program's command line. See
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

mod args;
mod basic_auth;
mod counting_transport;
mod exporter;
mod exposer;
mod exposition;
mod format;
mod labels;
mod metrics;
mod process;
mod server;
mod snapshot;
mod targets;
mod web_config;
mod yaml_file;

pub use args::{Args, LogFormat, LogLevel};
pub use basic_auth::BasicAuth;
pub use exporter::{Exporter, Settings};
pub use exposer::Exposer;
pub use exposition::{Encoding, Exposition};
pub use format::Format;
pub use server::router;
pub use targets::{CredentialsSource, Target, load_targets};
pub use web_config::WebConfig;
pub use yaml_file::FileError;
