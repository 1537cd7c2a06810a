//! `workspace-emulator`: serves a local Huawei Cloud Workspace for tests and demos.
//!
//! The first line on stdout is `listening on http://HOST:PORT`; the project id and credentials
//! follow. It stops cleanly on Ctrl-C.
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use workspace_emulator::{Emulator, EmulatorConfig, KeyPair, fleet};

/// A local Huawei Cloud Workspace service: GET /v2/{project_id}/connect-desktops with signatures
/// checked, documented errors, pagination and faults on demand.
#[derive(Parser, Debug)]
#[command(name = "workspace-emulator", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Number of desktops to generate.
    #[arg(long, default_value_t = 200, value_name = "N")]
    desktops: usize,
    /// Seed of the generated fleet: the same seed gives the same fleet.
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// Relative shares of UNREGISTER, REGISTERED, CONNECTED and DISCONNECTED, such as 1,1,1,1.
    #[arg(long, value_name = "A,B,C,D", value_parser = parse_weights, default_value = "1,1,1,1")]
    status_weights: [u32; 4],
    /// Serve the desktops of this JSON file (the API's response shape) instead of generating them.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["desktops", "seed", "status_weights"])]
    fleet: Option<PathBuf>,
    /// The project id served (default: the demo project id).
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,
    /// The region the project is named after (for IAM project discovery at /v3/projects).
    #[arg(long, value_name = "ID")]
    region: Option<String>,
    /// Access key id accepted (with --sk; default: the demo pair).
    #[arg(long, value_name = "AK", requires = "sk")]
    ak: Option<String>,
    /// Secret key of --ak.
    #[arg(long, value_name = "SK", requires = "ak")]
    sk: Option<String>,
    /// Security token that must come with --ak/--sk (temporary credentials).
    #[arg(long, value_name = "TOKEN", requires = "ak")]
    security_token: Option<String>,
    /// IAM token accepted in X-Auth-Token (default: the demo token).
    #[arg(long, value_name = "T")]
    auth_token: Option<String>,
    /// Latency added to every API response, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "N")]
    latency_ms: u64,
    /// Serve at most N API requests per second; the rest get 429 APIGW.0308.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Random status transitions per second.
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    churn: f64,
}

fn parse_weights(s: &str) -> Result<[u32; 4], String> {
    let parts: Vec<u32> = s
        .split(',')
        .map(|p| p.trim().parse::<u32>().map_err(|_| format!("{p:?} is not a whole number")))
        .collect::<Result<_, _>>()?;
    parts.try_into().map_err(|_| "give four weights: UNREGISTER,REGISTERED,CONNECTED,DISCONNECTED".to_owned())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("workspace-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let mut config = EmulatorConfig::default()
        .listen(args.listen)
        .desktops(args.desktops)
        .seed(args.seed)
        .status_weights(args.status_weights)
        .latency(Duration::from_millis(args.latency_ms))
        .churn(args.churn);
    if let Some(path) = &args.fleet {
        config = config.fleet(fleet::load(path)?);
    }
    if let Some(id) = &args.project_id {
        config = config.project_id(id);
    }
    if let Some(region) = &args.region {
        config = config.region(region);
    }
    let custom_keys = args.ak.is_some();
    if let (Some(ak), Some(sk)) = (args.ak, args.sk) {
        config = config.keys(vec![match args.security_token {
            Some(token) => KeyPair::temporary(ak, sk, token),
            None => KeyPair::new(ak, sk),
        }]);
    }
    let custom_token = args.auth_token.is_some();
    if let Some(t) = args.auth_token {
        config = config.auth_tokens(vec![t]);
    }
    if let Some(n) = args.rate_limit {
        config = config.rate_limit(n);
    }
    let emulator = Emulator::start(config).map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    // Whoever reads these lines may stop reading: the emulator goes on serving.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", emulator.base_url());
    let _ = writeln!(out, "project id: {}", emulator.project_id());
    if let Some(k) = emulator.key_pair().filter(|_| !custom_keys) {
        let _ = writeln!(out, "demo credentials: HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={}", k.ak, k.sk);
    }
    if let Some(t) = emulator.auth_token().filter(|_| !custom_token) {
        let _ = writeln!(out, "demo IAM token: {t}");
    }
    let _ = writeln!(out, "desktops: {}", emulator.desktops().len());
    let _ = out.flush();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(tokio::signal::ctrl_c()).map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    eprintln!("workspace-emulator: stopping");
    emulator.stop();
    Ok(())
}
