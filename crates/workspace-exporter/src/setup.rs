//! The client's options and the `region` label: from flags, the environment and files, or an
//! in-process emulator with `--emulator`.

use workspace_config::ConfigLoader;
use workspace_core::{ClientOptions, ClientOptionsBuilder, Error, RetryPolicy};
#[cfg(feature = "emulator")]
use workspace_emulator::{Emulator, EmulatorConfig};

use crate::args::Cli;

/// What the exporter runs with; the emulator, when there is one, stops when this is dropped.
pub(crate) struct Setup {
    pub(crate) options: ClientOptions,
    pub(crate) region: String,
    #[cfg(feature = "emulator")]
    pub(crate) emulator: Option<Emulator>,
}

/// Reads the configuration, or starts the emulator. Nothing is sent.
pub(crate) fn setup(cli: &Cli) -> Result<Setup, Error> {
    #[cfg(feature = "emulator")]
    if cli.emulator {
        // The demo fleet changes about one status a second, so that the metrics move.
        let emu = Emulator::start(EmulatorConfig::default().churn(1.0)).map_err(|e| {
            workspace_core::ConfigError::Other { what: "cannot start the emulator".into(), source: e.into() }
        })?;
        let options = common_options(cli, emu.client_options()?).build()?;
        return Ok(Setup { options, region: emu.region().to_owned(), emulator: Some(emu) });
    }
    let (options, region) = {
        let loaded = cli.connection.load(ConfigLoader::new(), ClientOptions::builder())?;
        for warning in loaded.warnings() {
            crate::report::report(&format!("warning: {warning}"));
        }
        let loaded = loaded.into_options();
        (loaded.to_builder(), cli.connection.region.clone().unwrap_or_default())
    };
    // Fail now, with exit code 3, rather than at every poll.
    let options = common_options(cli, options).build()?;
    Ok(Setup {
        options,
        region,
        #[cfg(feature = "emulator")]
        emulator: None,
    })
}

/// What the flags say whatever the configuration, set on `options`: retries and timeouts.
fn common_options(cli: &Cli, options: ClientOptionsBuilder) -> ClientOptionsBuilder {
    cli.connection.apply_limits(options, RetryPolicy::standard())
}
