//! The client the command runs with: configured from flags, the environment and files, or
//! pointed at an in-process emulator.

use std::time::Duration;

use workspace_blocking::{Client, Credentials, Error, RetryPolicy, TransportError};
use workspace_config::ConfigLoader;
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig};

use crate::args::Global;

/// A client, and the emulator behind it when `--emulator` was given (it stops when dropped).
pub(crate) struct Session {
    pub(crate) client: Client,
    _emulator: Option<Emulator>,
}

/// Builds the client. Nothing is sent.
pub(crate) fn session(global: &Global) -> Result<Session, Error> {
    let mut emulator = None;
    let mut builder = if global.emulator {
        // The demo fleet changes about one status a second, so that `watch` has something to show.
        let emu = Emulator::start(EmulatorConfig::default().churn(1.0))
            .map_err(|e| TransportError::connect(format!("cannot start the emulator: {e}")))?;
        eprintln!(
            "wks: using a local emulator at {} (project {}, {} demo desktops, demo credentials)",
            emu.base_url(),
            emu.project_id(),
            emu.desktops().len()
        );
        let builder = Client::builder()
            .endpoint(emu.base_url())
            .project_id(emu.project_id())
            .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK)?);
        emulator = Some(emu);
        builder
    } else {
        let mut loader = ConfigLoader::new();
        if let Some(region) = &global.region {
            loader = loader.region(region);
        }
        if let Some(endpoint) = &global.endpoint {
            loader = loader.endpoint(endpoint);
        }
        if let Some(project) = &global.project_id {
            loader = loader.project_id(project);
        }
        if let Some(token) = &global.auth_token {
            loader = loader.auth_token(token);
        }
        Client::builder().options(loader.load()?.into_options())
    };
    // Every call, retries included, ends by the deadline, whatever the number of retries.
    let mut policy = RetryPolicy::standard().with_deadline(Duration::from_secs_f64(global.deadline));
    if let Some(retries) = global.retries {
        policy = policy.with_max_attempts(retries.saturating_add(1));
    }
    builder = builder.retry_policy(policy);
    if let Some(seconds) = global.timeout {
        builder = builder.timeout(Duration::from_secs_f64(seconds));
    }
    builder = builder.user_agent_suffix(concat!("wks/", env!("CARGO_PKG_VERSION")));
    Ok(Session { client: builder.build()?, _emulator: emulator })
}
