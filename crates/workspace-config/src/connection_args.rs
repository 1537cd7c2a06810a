//! The command-line flags of a connection (feature `clap`), shared by `wks` and the exporter:
//! where to connect, as whom, with how many retries and how long an attempt may take.

use std::fmt;
use std::time::Duration;

use workspace_core::{ClientOptionsBuilder, ConfigError, ConfigOrigin, Credentials, Error, RetryPolicy};

use crate::{ConfigLoader, LoadedConfig, parse_seconds};

/// The connection flags: `--endpoint`, `--region`, `--project-id`, `--auth-token`, `--retries`
/// and `--timeout`. Flatten it into a program's arguments (`#[command(flatten)]`); the flags are
/// global, so that they may also follow a subcommand. `Debug` shows no token.
#[derive(clap::Args, Clone, Default)]
pub struct ConnectionArgs {
    /// Service endpoint URL (overrides the region's endpoint).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region id, such as cn-north-4.
    #[arg(long, global = true, value_name = "ID")]
    pub region: Option<String>,
    /// Project id.
    #[arg(long, global = true, value_name = "ID")]
    pub project_id: Option<String>,
    /// IAM token, instead of AK/SK. Prefer HUAWEICLOUD_SDK_AUTH_TOKEN: a command line is visible
    /// to other users of the machine (ps).
    #[arg(long, global = true, value_name = "TOKEN")]
    pub auth_token: Option<String>,
    /// Retries after the first attempt, at most 100 (default: the SDK's standard policy, 2 retries).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: Option<u32>,
    /// Time limit for each attempt, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
}

impl ConnectionArgs {
    /// Sets on `builder` where to connect and as whom, as the flags say: region, endpoint,
    /// project id and IAM token. A bad token is an error that names `--auth-token`.
    pub fn apply_connection(&self, mut builder: ClientOptionsBuilder) -> Result<ClientOptionsBuilder, ConfigError> {
        if let Some(region) = &self.region {
            builder = builder.region(region);
        }
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint(endpoint);
        }
        if let Some(project) = &self.project_id {
            builder = builder.project_id(project);
        }
        if let Some(token) = &self.auth_token {
            let flag = ConfigOrigin::Flag("--auth-token".to_owned());
            let credentials = Credentials::token(token.as_str()).map_err(|e| e.with_origin(flag))?;
            builder = builder.credentials(credentials);
        }
        Ok(builder)
    }

    /// Sets on `builder` the flags' limits of a call: with `--retries`, `policy` with that many
    /// retries; with `--timeout`, the attempt timeout. Unset flags leave `builder` as it is.
    pub fn apply_limits(&self, mut builder: ClientOptionsBuilder, policy: RetryPolicy) -> ClientOptionsBuilder {
        if let Some(retries) = self.retries {
            builder = builder.retry_policy(policy.with_max_attempts(retries.saturating_add(1)));
        }
        if let Some(timeout) = self.timeout {
            builder = builder.attempt_timeout(timeout);
        }
        builder
    }

    /// The configuration: `explicit` with the connection flags set on it (see
    /// [`apply_connection`](Self::apply_connection)), the rest filled in by `loader`, which
    /// names a bad value given on the command line by its flag.
    pub fn load(&self, loader: ConfigLoader, explicit: ClientOptionsBuilder) -> Result<LoadedConfig, Error> {
        let explicit = self.apply_connection(explicit)?;
        loader
            .explicit_name("region", "--region")
            .explicit_name("endpoint", "--endpoint")
            .explicit_name("project_id", "--project-id")
            .load(explicit)
    }
}

impl fmt::Debug for ConnectionArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionArgs")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("auth_token", &self.auth_token.as_ref().map(|_| "[redacted]"))
            .field("retries", &self.retries)
            .field("timeout", &self.timeout)
            .finish()
    }
}
