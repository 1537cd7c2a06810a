//! The targets the program polls: from `--config.file`, from flags, the environment and files,
//! or an in-process emulator with `--emulator`.

use std::time::Duration;

use workspace_config::ConfigLoader;
use workspace_core::{ClientOptions, ClientOptionsBuilder, Error, RetryPolicy};
#[cfg(feature = "emulator")]
use workspace_emulator::{Emulator, EmulatorConfig};
use workspace_exporter::{Args, Settings, load_targets};

use crate::report;

/// Bad flags or values.
pub(crate) const USAGE: u8 = 2;
/// Missing or invalid configuration or credentials.
pub(crate) const CONFIG: u8 = 3;

/// One target: its client's options, what it exports, and its interval.
pub(crate) struct TargetSetup {
    /// How log lines name it; empty for the one target of the command line.
    pub(crate) name: String,
    pub(crate) options: ClientOptions,
    pub(crate) settings: Settings,
    pub(crate) interval: Duration,
}

/// What the exporter runs with; the emulator, when there is one, stops when this is dropped.
pub(crate) struct Setup {
    pub(crate) targets: Vec<TargetSetup>,
    #[cfg(feature = "emulator")]
    pub(crate) emulator: Option<Emulator>,
}

/// Why the setup failed: the exit code and the one line that says why.
pub(crate) struct Failed {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        let code = if matches!(e, Error::InvalidRequest(_)) { USAGE } else { CONFIG };
        Self { code, message: e.to_string() }
    }
}

/// Reads the configuration, or starts the emulator. Nothing is sent.
pub(crate) fn setup(cli: &Args) -> Result<Setup, Failed> {
    #[cfg(feature = "emulator")]
    if cli.emulator {
        // The demo fleet changes about one status a second, so that the metrics move.
        let emu = Emulator::start(EmulatorConfig::default().churn(1.0)).map_err(|e| {
            Error::from(workspace_core::ConfigError::Other {
                what: "cannot start the emulator".into(),
                source: e.into(),
            })
        })?;
        let options = common_options(cli, emu.client_options().map_err(Error::from)?).build()?;
        let settings = settings(cli.per_desktop, cli.transitions, emu.region(), cli.interval());
        let target = TargetSetup { name: String::new(), options, settings, interval: cli.interval() };
        return Ok(Setup { targets: vec![target], emulator: Some(emu) });
    }
    let targets = match &cli.config_file {
        Some(path) => from_file(cli, path)?,
        None => {
            let loaded = cli.connection.load(ConfigLoader::new(), ClientOptions::builder())?;
            for warning in loaded.warnings() {
                report::warn(&format!("warning: {warning}"));
            }
            // Fail now, with exit code 3, rather than at every poll.
            let options = common_options(cli, loaded.into_options().to_builder()).build()?;
            let region = cli.connection.region.clone().unwrap_or_default();
            let settings = settings(cli.per_desktop, cli.transitions, &region, cli.interval());
            vec![TargetSetup { name: String::new(), options, settings, interval: cli.interval() }]
        }
    };
    Ok(Setup {
        targets,
        #[cfg(feature = "emulator")]
        emulator: None,
    })
}

/// The targets of `--config.file`, each checked; the flags give what a target leaves out.
fn from_file(cli: &Args, path: &std::path::Path) -> Result<Vec<TargetSetup>, Failed> {
    let targets = load_targets(path).map_err(|e| Failed { code: CONFIG, message: e.to_string() })?;
    let mut out = Vec::new();
    for target in targets {
        let interval = target.interval.unwrap_or_else(|| cli.interval());
        if interval < cli.min_interval() {
            let message = format!(
                "{}: {}.interval \"{}\" must be at least {} s",
                path.display(),
                target.field,
                interval.as_secs_f64(),
                cli.min_interval().as_secs()
            );
            return Err(Failed { code: CONFIG, message });
        }
        let loaded = target.load(ClientOptions::builder())?;
        for warning in loaded.warnings() {
            report::warn(&format!("warning: {}: {warning}", target.field));
        }
        let options = common_options(cli, loaded.into_options().to_builder()).build()?;
        let per_desktop = target.per_desktop.unwrap_or(cli.per_desktop);
        let transitions = target.transitions.unwrap_or(cli.transitions);
        let settings = settings(per_desktop, transitions, &target.region, interval);
        out.push(TargetSetup { name: target.to_string(), options, settings, interval });
    }
    Ok(out)
}

fn settings(per_desktop: bool, transitions: bool, region: &str, interval: Duration) -> Settings {
    Settings::default()
        .per_desktop(per_desktop)
        .transitions(transitions)
        .region(region)
        .interval(interval)
        .poll_timeout(interval)
}

/// What the flags say whatever the configuration, set on `options`: retries and timeouts.
fn common_options(cli: &Args, options: ClientOptionsBuilder) -> ClientOptionsBuilder {
    cli.connection.apply_limits(options, RetryPolicy::standard())
}
