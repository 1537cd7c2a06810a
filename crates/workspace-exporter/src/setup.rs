//! The client's options and the `region` label: from flags, the environment and files, or an
//! in-process emulator with `--emulator`.

use workspace_config::ConfigLoader;
use workspace_core::{ClientOptions, Credentials, Error, RetryPolicy};
use workspace_emulator::{Emulator, EmulatorConfig};

use crate::args::Cli;

/// What the exporter runs with; the emulator, when there is one, stops when this is dropped.
pub(crate) struct Setup {
    pub(crate) options: ClientOptions,
    pub(crate) region: String,
    pub(crate) emulator: Option<Emulator>,
}

/// Reads the configuration, or starts the emulator. Nothing is sent.
pub(crate) fn setup(cli: &Cli) -> Result<Setup, Error> {
    let (mut options, region, emulator) = if cli.emulator {
        // The demo fleet changes about one status a second, so that the metrics move.
        let emu = Emulator::start(EmulatorConfig::default().churn(1.0)).map_err(|e| {
            workspace_core::ConfigError::Other { what: "cannot start the emulator".into(), source: e.into() }
        })?;
        (emu.client_options()?, emu.region().to_owned(), Some(emu))
    } else {
        let mut explicit = ClientOptions::builder();
        if let Some(region) = &cli.region {
            explicit = explicit.region(region);
        }
        if let Some(endpoint) = &cli.endpoint {
            explicit = explicit.endpoint(endpoint);
        }
        if let Some(project) = &cli.project_id {
            explicit = explicit.project_id(project);
        }
        if let Some(token) = &cli.auth_token {
            explicit = explicit.credentials(Credentials::token(token.as_str())?);
        }
        let loaded = ConfigLoader::new()
            .explicit_name("region", "--region")
            .explicit_name("endpoint", "--endpoint")
            .explicit_name("project_id", "--project-id")
            .load(explicit)?;
        for warning in loaded.warnings() {
            crate::report::report(&format!("warning: {warning}"));
        }
        let loaded = loaded.into_options();
        (loaded.to_builder(), cli.region.clone().unwrap_or_default(), None)
    };
    if let Some(retries) = cli.retries {
        options = options.retry_policy(RetryPolicy::standard().with_max_attempts(retries.saturating_add(1)));
    }
    if let Some(timeout) = cli.timeout {
        options = options.attempt_timeout(timeout);
    }
    // Fail now, with exit code 3, rather than at every poll.
    let options = options.build()?;
    Ok(Setup { options, region, emulator })
}
