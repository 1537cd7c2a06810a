//! The command line of the `workspace-exporter` program.

use std::net::SocketAddr;
use std::path::PathBuf;
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
pub struct Args {
    /// Where to connect, as whom, retries and the attempt timeout.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Run against a local emulator with its demo fleet and credentials (and an interval down to 1 s).
    #[cfg(feature = "emulator")]
    #[arg(long, conflicts_with_all = ["endpoint", "region", "project_id", "auth_token"])]
    pub emulator: bool,
    /// Address to serve /metrics on.
    #[arg(long, default_value = "127.0.0.1:9464", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Seconds between polls of the service: at least 10 (1 with --emulator); default 60 (5 with
    /// --emulator).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    #[cfg_attr(not(feature = "emulator"), arg(help = "Seconds between polls of the service: at least 10; default 60"))]
    pub interval: Option<Duration>,
    /// Export each desktop's status (one series per desktop; reads the whole fleet at every poll).
    #[arg(long)]
    pub per_desktop: bool,
    /// Count status transitions between polls (reads the whole fleet at every poll).
    #[arg(long)]
    pub transitions: bool,
    /// Connections served at once; further ones wait until one closes.
    #[arg(long, default_value_t = 128, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_connections: u32,
    /// Seconds a connection has to send a request's headers, from its opening or the end of the
    /// previous answer (so also the longest a kept-alive connection waits for a request).
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = parse_seconds)]
    pub header_read_timeout: Duration,
    /// Seconds without a byte read or written after which a connection is closed.
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Duration,
    /// Seconds a client has to take an answer, from its first byte.
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = parse_seconds)]
    pub write_timeout: Duration,
    /// A YAML file of targets: many projects and regions polled by one process (see
    /// docs/exporter.md); instead of the connection flags.
    #[arg(long = "config.file", value_name = "FILE", conflicts_with_all = ["endpoint", "region", "project_id", "auth_token"])]
    #[cfg_attr(feature = "emulator", arg(conflicts_with = "emulator"))]
    pub config_file: Option<PathBuf>,
    /// A web configuration file in the format of Prometheus's exporter-toolkit: TLS
    /// (`tls_server_config`) and basic authentication (`basic_auth_users`, bcrypt hashes).
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config_file: Option<PathBuf>,
    /// The format of the log lines on stderr.
    #[arg(long = "log.format", value_enum, default_value_t = LogFormat::Logfmt, value_name = "FORMAT")]
    pub log_format: LogFormat,
    /// The least severe level of the log lines shown.
    #[arg(long = "log.level", value_enum, default_value_t = LogLevel::Info, value_name = "LEVEL")]
    pub log_level: LogLevel,
    /// Prints the completion script of this shell on stdout, and exits.
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<clap_complete::Shell>,
    /// Writes the man page `workspace-exporter.1` into this directory (made when missing), and
    /// exits.
    #[arg(long = "man-page", value_name = "DIR", exclusive = true)]
    pub man_page: Option<PathBuf>,
}

/// The format of the log lines (`--log.format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `time=... level=... msg="..."`, as Prometheus's exporters log.
    Logfmt,
    /// One JSON object a line: `{"time":...,"level":...,"msg":...}`.
    Json,
}

/// The severity of a log line (`--log.level`), from the most to the least verbose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum LogLevel {
    /// Every event, each poll included.
    Debug,
    /// Listening, stopping, recoveries.
    Info,
    /// Failed polls and what is wrong without stopping the program.
    Warn,
    /// Errors only.
    Error,
}

impl LogLevel {
    /// The level as it is written in a log line.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
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

impl Args {
    /// Whether it runs against the local emulator (`--emulator`).
    pub fn uses_emulator(&self) -> bool {
        #[cfg(feature = "emulator")]
        return self.emulator;
        #[cfg(not(feature = "emulator"))]
        false
    }

    /// The shortest interval allowed.
    pub fn min_interval(&self) -> Duration {
        Duration::from_secs(if self.uses_emulator() { 1 } else { 10 })
    }

    /// The interval given, else the default: a minute, or 5 s for the emulator's demo.
    pub fn interval(&self) -> Duration {
        self.interval.unwrap_or(Duration::from_secs(if self.uses_emulator() { 5 } else { 60 }))
    }
}
