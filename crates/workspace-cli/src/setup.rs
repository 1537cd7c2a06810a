//! The client the command runs with: configured from flags, the environment and files, or
//! pointed at an in-process emulator (feature `emulator`).

use workspace_blocking::{Client, ClientOptions, ClientOptionsBuilder, Credentials, Error, RetryPolicy};
use workspace_config::ConfigLoader;
#[cfg(feature = "emulator")]
use workspace_emulator::{Emulator, EmulatorConfig};

use crate::args::Global;
use crate::commands::Failure;

/// A client, and the emulator behind it when `--emulator` was given (it stops when dropped).
pub(crate) struct Session {
    pub(crate) client: Client,
    #[cfg(feature = "emulator")]
    _emulator: Option<Emulator>,
}

/// Builds the client. Nothing is sent.
pub(crate) fn session(global: &Global) -> Result<Session, Failure> {
    #[cfg(feature = "emulator")]
    if global.emulator {
        // The demo fleet changes about one status a second, so that `watch` has something to show.
        let emu = Emulator::start(EmulatorConfig::default().churn(1.0)).map_err(Failure::Emulator)?;
        eprintln!(
            "wks: using a local emulator at {} (project {}, {} demo desktops, demo credentials)",
            emu.base_url(),
            emu.project_id(),
            emu.desktops().len()
        );
        let options = common_options(global, emu.client_options().map_err(Error::from)?).build()?;
        return Ok(Session { client: Client::new(options)?, _emulator: Some(emu) });
    }
    let mut builder = common_options(global, ClientOptions::builder());
    if let Some(region) = &global.region {
        builder = builder.region(region);
    }
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(project) = &global.project_id {
        builder = builder.project_id(project);
    }
    if let Some(token) = &global.auth_token {
        builder = builder.credentials(Credentials::token(token).map_err(Error::from)?);
    }
    let options = ConfigLoader::new().load(builder)?.into_options();
    Ok(Session {
        client: Client::new(options)?,
        #[cfg(feature = "emulator")]
        _emulator: None,
    })
}

/// What the flags say whatever the configuration, set on `builder`: retries, timeouts,
/// concurrency, user agent.
fn common_options(global: &Global, builder: ClientOptionsBuilder) -> ClientOptionsBuilder {
    // Every call, retries included, ends by the deadline, whatever the number of retries.
    let mut policy = RetryPolicy::standard().with_deadline(global.deadline);
    if let Some(retries) = global.retries {
        policy = policy.with_max_attempts(retries.saturating_add(1));
    }
    let mut builder = builder
        .retry_policy(policy)
        .concurrency(usize::from(global.concurrency))
        .user_agent_suffix(concat!("wks/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = global.timeout {
        builder = builder.attempt_timeout(timeout);
    }
    builder
}
