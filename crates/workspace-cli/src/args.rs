//! The command line, as scripts rely on it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use workspace_blocking::types::ConnectStatus;
use workspace_config::{ConnectionArgs, parse_seconds};

/// See which Huawei Cloud Workspace desktops are in use, by whom, and which dropped their connection.
#[derive(Parser, Debug)]
#[command(name = "wks", version = env!("WKS_VERSION"), propagate_version = true, long_about = LONG_ABOUT, after_help = EXIT_CODES)]
#[command(mut_arg("timeout", |a| a.help("Time limit for each attempt, in seconds (not for the whole command)")))]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What `wks --help` says before the options, with `$try` at its end.
macro_rules! long_about {
    ($try:literal) => {
        concat!(
            "See which Huawei Cloud Workspace desktops are in use, by whom, and which dropped their connection.

Credentials come from HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (with
HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials), HUAWEICLOUD_SDK_AUTH_TOKEN (or
--auth-token) for an IAM token, or ~/.huaweicloud/credentials; the project id from
--project-id, HUAWEICLOUD_SDK_PROJECT_ID or the credentials file, else it is discovered from
the region.",
            $try
        )
    };
}

/// What `wks --help` says after the options, with `$one` as what exit code 1 means.
macro_rules! exit_codes {
    ($one:literal) => {
        concat!(
            "Exit codes:
  0  success (also when the reader of the output goes away)
  1  ",
            $one,
            "
  2  usage or invalid input (nothing was sent)
  3  missing or invalid configuration or credentials
  4  the service answered with an error, or the fleet could not be read completely
  5  network failure or timeout
  6  a response that breaks the documented contract (such as an IAM answer naming no project,
     or a page without total_count)
  7  the service behaves differently from its documentation (doctor)"
        )
    };
}

#[cfg(feature = "emulator")]
const LONG_ABOUT: &str = long_about!(" Try it without a cloud account: wks --emulator connections list");
#[cfg(not(feature = "emulator"))]
const LONG_ABOUT: &str = long_about!("");

#[cfg(feature = "emulator")]
const EXIT_CODES: &str = exit_codes!("the output could not be written, or the emulator could not start (--emulator)");
#[cfg(not(feature = "emulator"))]
const EXIT_CODES: &str = exit_codes!("the output could not be written");

/// Options for every command, before or after the subcommand.
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// What is written, and how.
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// Where to connect, as whom, retries and the attempt timeout.
    #[command(flatten, next_help_heading = "Connection options")]
    pub(crate) connection: ConnectionArgs,
    /// Run against a local emulator with its demo fleet and credentials.
    #[cfg(feature = "emulator")]
    #[arg(long, global = true, help_heading = "Global options", conflicts_with_all = ["endpoint", "region", "project_id", "auth_token"])]
    pub(crate) emulator: bool,
    /// Requests in flight at once when reading the whole fleet (list --all, watch, doctor, and
    /// summary when it counts by reading); 1 sends one after the other.
    #[arg(long, global = true, help_heading = "Global options", default_value = "8", value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) concurrency: u16,
    /// Time limit, in seconds, for list, summary and doctor as a whole, retries included; for
    /// watch, for each poll.
    #[arg(long, global = true, help_heading = "Global options", default_value = "300", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) deadline: Duration,
    /// Log what happens on stderr: -v each HTTP call and what each whole read did, -vv also
    /// retries, failovers and paging decisions, -vvv every attempt's events.
    #[arg(short, long, global = true, help_heading = "Global options", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// The output flags, for every command, before or after the subcommand.
#[derive(Args, Debug)]
#[command(next_help_heading = "Output options")]
pub(crate) struct OutputArgs {
    /// Output format (default: table on a terminal; otherwise json, and ndjson for watch).
    #[arg(short, long, global = true, value_enum, value_name = "FORMAT")]
    pub(crate) output: Option<Format>,
    /// Nothing on stderr but errors and warnings: no notes, progress or read reports.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Tables and csv without their header line (and tables without their closing count).
    #[arg(long, global = true)]
    pub(crate) no_headers: bool,
    /// Colour on terminals: auto (unless NO_COLOR is set; CLICOLOR_FORCE forces it), always or
    /// never.
    #[arg(long, global = true, value_enum, default_value = "auto", value_name = "WHEN")]
    pub(crate) color: ColorWhen,
}

/// When to use colour.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set; always when CLICOLOR_FORCE is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The command groups.
#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Desktop connection statuses.
    #[command(subcommand)]
    Connections(Connections),
    /// Probe the account for what the documentation leaves open (page cap, what total_count
    /// counts, the gateway's clock): run it first against a new account or region. Read-only,
    /// six requests.
    Doctor,
    /// A live full-screen view of the fleet: counts per status and their history, the connected
    /// ratio, the latest transitions (keys: q quit, p pause, s sort, up/down scroll).
    Top(Top),
    /// Print the completion script of a shell: bash, zsh, fish, powershell or elvish (for bash:
    /// source <(wks completions bash)).
    Completions(Completions),
    /// Write a man page for wks and for each of its commands into a directory.
    ManPages(ManPages),
}

/// `top`.
#[derive(Args, Debug)]
pub(crate) struct Top {
    /// Seconds between polls.
    #[arg(long, default_value = "5", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) interval: Duration,
    /// User names, one per line (`-`: stdin), to reach a status with more desktops than one query
    /// reaches (about 4,000), 100 names at a time; they filter nothing.
    #[arg(long, value_name = "FILE")]
    pub(crate) users_from: Option<PathBuf>,
}

/// `completions`.
#[derive(Args, Debug)]
pub(crate) struct Completions {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// `man-pages`.
#[derive(Args, Debug)]
pub(crate) struct ManPages {
    /// The directory to write the pages into (made when missing).
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

impl Command {
    /// The file of user names given with `--users-from`, if any.
    pub(crate) fn users_from(&self) -> Option<&Path> {
        match self {
            Command::Connections(Connections::List(a)) => a.users_from.as_deref(),
            Command::Connections(Connections::Summary(a)) => a.users_from.as_deref(),
            Command::Connections(Connections::Watch(a)) => a.users_from.as_deref(),
            Command::Top(a) => a.users_from.as_deref(),
            Command::Doctor | Command::Completions(_) | Command::ManPages(_) => None,
        }
    }
}

/// What can be done with connection statuses.
#[derive(Subcommand, Debug)]
pub(crate) enum Connections {
    /// List desktops with their connection status and users.
    List(List),
    /// Count desktops per connection status.
    Summary(Summary),
    /// Print each change of a desktop's connection status as it happens.
    Watch(Watch),
}

/// `connections list`.
#[derive(Args, Debug)]
pub(crate) struct List {
    /// Only desktops attached to this user (repeat for several; more than 100 are queried in batches).
    #[arg(long = "user", value_name = "NAME")]
    pub(crate) users: Vec<String>,
    /// Only desktops with this status: UNREGISTER, REGISTERED, CONNECTED or DISCONNECTED (in any
    /// case); another value is sent as it is, for statuses the service may add.
    #[arg(long, value_name = "STATUS", value_parser = StatusParser, hide_possible_values = true)]
    pub(crate) status: Option<ConnectStatus>,
    /// With --limit: skip this many desktops (0 to 2000).
    #[arg(long, value_name = "N", requires = "limit", conflicts_with_all = ["all", "users_from"])]
    pub(crate) offset: Option<u32>,
    /// One request of at most N desktops (0 to 2000) instead of all of them; with --all, the
    /// size of each page.
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<u32>,
    /// Every matching desktop, read past the 4,000-desktop window when needed (the default;
    /// with --limit, the limit is the page size).
    #[arg(long)]
    pub(crate) all: bool,
    /// User names, one per line (`-`: stdin), to reach a status with more desktops than one query
    /// reaches (about 4,000), 100 names at a time; they filter nothing. Implies --all: they serve
    /// only whole reads.
    #[arg(long, value_name = "FILE")]
    pub(crate) users_from: Option<PathBuf>,
    /// Order the desktops by this key, ties by name and then id (ndjson and csv are then written
    /// at the end).
    #[arg(long, value_enum, value_name = "KEY")]
    pub(crate) sort_by: Option<SortBy>,
}

/// The orders of `connections list --sort-by`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortBy {
    /// The desktop's name.
    Name,
    /// The connection status.
    Status,
    /// The desktop's id.
    Id,
    /// The attached users' names.
    Users,
}

/// `connections summary`.
#[derive(Args, Debug)]
pub(crate) struct Summary {
    /// User names, one per line (`-`: stdin), for when the counts must be read desktop by
    /// desktop and a status has more desktops than one query reaches; they filter nothing.
    #[arg(long, value_name = "FILE")]
    pub(crate) users_from: Option<PathBuf>,
}

/// `connections watch`.
#[derive(Args, Debug)]
pub(crate) struct Watch {
    /// Seconds between polls.
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) interval: Duration,
    /// Stop after this many polls (the first one is the baseline); default: until interrupted.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) iterations: Option<u64>,
    /// User names, one per line (`-`: stdin), to reach a status with more desktops than one query
    /// reaches (about 4,000), 100 names at a time; they filter nothing.
    #[arg(long, value_name = "FILE")]
    pub(crate) users_from: Option<PathBuf>,
}

/// Output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A readable table.
    Table,
    /// A table with more columns: the users' groups and attach types.
    Wide,
    /// The API's own JSON shape.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header.
    Csv,
}

/// `--status`: any non-empty value (`parse_status`), with the documented four offered to shell
/// completions.
#[derive(Clone, Debug)]
struct StatusParser;

impl TypedValueParser for StatusParser {
    type Value = ConnectStatus;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<ConnectStatus, clap::Error> {
        parse_status.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(ConnectStatus::KNOWN.iter().map(|s| PossibleValue::new(s.as_str()))))
    }
}

/// A status: one of the documented four in any case, else the value as it is.
fn parse_status(s: &str) -> Result<ConnectStatus, String> {
    if s.trim().is_empty() {
        return Err("a status cannot be empty".into());
    }
    Ok(ConnectStatus::KNOWN
        .iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s))
        .cloned()
        .unwrap_or_else(|| ConnectStatus::from(s.to_owned())))
}
