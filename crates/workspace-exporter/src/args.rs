//! The command line.

use std::net::SocketAddr;

use std::time::Duration;

use clap::Parser;
use workspace_config::{ConnectionArgs, parse_seconds};

/// Exports Huawei Cloud Workspace desktop connection statuses as Prometheus metrics.
///
/// Credentials come from HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (with
/// HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials), HUAWEICLOUD_SDK_AUTH_TOKEN (or
/// --auth-token) for an IAM token, or ~/.huaweicloud/credentials; the project id from
/// --project-id, HUAWEICLOUD_SDK_PROJECT_ID or the credentials file, else it is discovered from
/// the region.
#[derive(Parser, Debug)]
#[command(name = "workspace-exporter", version, long_about = LONG_ABOUT, after_help = EXIT_CODES)]
#[command(mut_arg("region", |a| a.help("Region id, such as cn-north-4 (also the `region` label)")))]
pub(crate) struct Cli {
    /// Where to connect, as whom, retries and the attempt timeout.
    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,
    /// Run against a local emulator with its demo fleet and credentials (and an interval down to 1 s).
    #[cfg(feature = "emulator")]
    #[arg(long, conflicts_with_all = ["endpoint", "region", "project_id", "auth_token"])]
    pub(crate) emulator: bool,
    /// Address to serve /metrics on.
    #[arg(long, default_value = "127.0.0.1:9464", value_name = "ADDR")]
    pub(crate) listen: SocketAddr,
    /// Seconds between polls of the service: at least 10 (1 with --emulator); default 60 (5 with
    /// --emulator).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    #[cfg_attr(not(feature = "emulator"), arg(help = "Seconds between polls of the service: at least 10; default 60"))]
    pub(crate) interval: Option<Duration>,
    /// Export each desktop's status (one series per desktop; reads the whole fleet at every poll).
    #[arg(long)]
    pub(crate) per_desktop: bool,
    /// Count status transitions between polls (reads the whole fleet at every poll).
    #[arg(long)]
    pub(crate) transitions: bool,
    /// Connections served at once; further ones wait until one closes.
    #[arg(long, default_value_t = 128, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub(crate) max_connections: u32,
    /// Seconds a connection has to send a request's headers, from its opening or the end of the
    /// previous answer (so also the longest a kept-alive connection waits for a request).
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) header_read_timeout: Duration,
    /// Seconds without a byte read or written after which a connection is closed.
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) idle_timeout: Duration,
    /// Seconds a client has to take an answer, from its first byte.
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) write_timeout: Duration,
}

/// What `--help` says before the options (one line per paragraph, as clap makes of a doc
/// comment), with `$try` at its end.
macro_rules! long_about {
    ($try:literal) => {
        concat!(
            "Exports Huawei Cloud Workspace desktop connection statuses as Prometheus metrics.\n\n",
            "Credentials come from HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (with ",
            "HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials), HUAWEICLOUD_SDK_AUTH_TOKEN (or ",
            "--auth-token) for an IAM token, or ~/.huaweicloud/credentials; the project id from ",
            "--project-id, HUAWEICLOUD_SDK_PROJECT_ID or the credentials file, else it is discovered from ",
            "the region.",
            $try
        )
    };
}

#[cfg(feature = "emulator")]
const LONG_ABOUT: &str = long_about!(" Try it without a cloud account: workspace-exporter --emulator");
#[cfg(not(feature = "emulator"))]
const LONG_ABOUT: &str = long_about!("");

const EXIT_CODES: &str = "\
Exit codes:
  0  stopped by SIGTERM or Ctrl-C
  1  cannot listen on the address
  2  usage: a bad flag or value
  3  missing or invalid configuration or credentials";

impl Cli {
    /// Whether it runs against the local emulator (`--emulator`).
    pub(crate) fn uses_emulator(&self) -> bool {
        #[cfg(feature = "emulator")]
        return self.emulator;
        #[cfg(not(feature = "emulator"))]
        false
    }

    /// The shortest interval allowed.
    pub(crate) fn min_interval(&self) -> Duration {
        Duration::from_secs(if self.uses_emulator() { 1 } else { 10 })
    }

    /// The interval given, else the default: a minute, or 5 s for the emulator's demo.
    pub(crate) fn interval(&self) -> Duration {
        self.interval.unwrap_or(Duration::from_secs(if self.uses_emulator() { 5 } else { 60 }))
    }
}
