//! `workspace-emulator`: serves a local Huawei Cloud Workspace for tests and demos.
//!
//! The first line on stdout is `listening on http://HOST:PORT`; the project id and credentials
//! follow. It stops cleanly on Ctrl-C. A setting out of bounds ends it with exit code 2 and one
//! line on stderr.
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;
use workspace_emulator::{
    Behaviour, DEMO_AK, DEMO_AUTH_TOKEN, Emulator, EmulatorConfig, KeyPair, MAX_CHURN, MAX_CLOCK_OFFSET_SECS,
    MAX_DESKTOPS, MAX_FLEET_CHANGES_PER_PAGE, MAX_LATENCY, MAX_MOVES_PER_PAGE, MAX_PAGE_CAP, MAX_RATE_LIMIT,
    TotalCount, fleet,
};

/// A local Huawei Cloud Workspace service: GET /v2/{project_id}/connect-desktops with signatures
/// checked, documented errors, pagination and faults on demand.
#[derive(Parser, Debug)]
#[command(name = "workspace-emulator", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Number of desktops to generate (0 to 1000000).
    #[arg(long, default_value_t = 200, value_name = "N", value_parser = parse_desktops)]
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
    /// Access key id accepted (with --sk; default: the demo pair). Turns the demo token off too.
    #[arg(long, value_name = "AK", requires = "sk")]
    ak: Option<String>,
    /// Secret key of --ak.
    #[arg(long, value_name = "SK", requires = "ak")]
    sk: Option<String>,
    /// Security token that must come with --ak/--sk (temporary credentials).
    #[arg(long, value_name = "TOKEN", requires = "ak")]
    security_token: Option<String>,
    /// IAM token accepted in X-Auth-Token (default: the demo token). Turns the demo pair off too.
    #[arg(long, value_name = "T")]
    auth_token: Option<String>,
    /// Require `Authorization: Bearer TOKEN` on every admin request.
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,
    /// Latency added to every API response, in milliseconds (0 to 60000).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = parse_latency)]
    latency_ms: u64,
    /// Serve at most N API requests per second (1 to 1000000); the rest get 429 APIGW.0308.
    #[arg(long, value_name = "N", value_parser = parse_rate_limit)]
    rate_limit: Option<u32>,
    /// Random status transitions per second (0 to 1000).
    #[arg(long, default_value_t = 0.0, value_name = "R", allow_negative_numbers = true, value_parser = parse_churn)]
    churn: f64,
    /// Return at most N desktops per page whatever limit asks (1 to 2000).
    #[arg(long, value_name = "N", value_parser = parse_page_cap)]
    page_cap: Option<u32>,
    /// What total_count counts: the filtered matches, or every desktop of the project.
    #[arg(long, value_name = "filtered|unfiltered", default_value = "filtered", value_parser = parse_total_count)]
    total_count: TotalCount,
    /// Error code of a stale X-Sdk-Date (401), such as APIGW.0303, APIGW.0301 or APIG.0301.
    #[arg(long, value_name = "CODE", default_value = "APIGW.0303")]
    skew_error: String,
    /// Seconds the gateway's clock is ahead of this machine's (negative: behind), within 10 years.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_parser = parse_clock_offset
    )]
    clock_offset: i64,
    /// Serve data a strict client chokes on: null entries, unknown fields and values.
    #[arg(long)]
    odd_data: bool,
    /// After each page served, move N distinct desktops to a plausible next status (0 to 10000).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = parse_moves_per_page)]
    moves_per_page: u32,
    /// After each page served, create or delete N desktops at random positions (0 to 100).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = parse_fleet_changes_per_page)]
    fleet_changes_per_page: u32,
    /// Seed of the movement after each page: the same seed and requests move the same desktops.
    #[arg(long, default_value_t = 0, value_name = "S")]
    move_seed: u64,
}

fn parse_weights(s: &str) -> Result<[u32; 4], String> {
    let parts: Vec<u32> = s
        .split(',')
        .map(|p| p.trim().parse::<u32>().map_err(|_| format!("{p:?} is not a whole number")))
        .collect::<Result<_, _>>()?;
    parts.try_into().map_err(|_| "give four weights: UNREGISTER,REGISTERED,CONNECTED,DISCONNECTED".to_owned())
}

fn whole<T: std::str::FromStr + PartialOrd + std::fmt::Display>(s: &str, min: T, max: T) -> Result<T, String> {
    match s.trim().parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

fn parse_desktops(s: &str) -> Result<usize, String> {
    whole(s, 0, MAX_DESKTOPS)
}

fn parse_latency(s: &str) -> Result<u64, String> {
    whole(s, 0, MAX_LATENCY.as_millis() as u64)
}

fn parse_rate_limit(s: &str) -> Result<u32, String> {
    whole(s, 1, MAX_RATE_LIMIT)
}

fn parse_page_cap(s: &str) -> Result<u32, String> {
    whole(s, 1, MAX_PAGE_CAP)
}

fn parse_clock_offset(s: &str) -> Result<i64, String> {
    whole(s, -MAX_CLOCK_OFFSET_SECS, MAX_CLOCK_OFFSET_SECS)
}

fn parse_moves_per_page(s: &str) -> Result<u32, String> {
    whole(s, 0, MAX_MOVES_PER_PAGE)
}

fn parse_fleet_changes_per_page(s: &str) -> Result<u32, String> {
    whole(s, 0, MAX_FLEET_CHANGES_PER_PAGE)
}

fn parse_churn(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && (0.0..=MAX_CHURN).contains(&r) => Ok(r),
        _ => Err(format!("must be a number from 0 to {MAX_CHURN}")),
    }
}

fn parse_total_count(s: &str) -> Result<TotalCount, String> {
    match s {
        "filtered" => Ok(TotalCount::Filtered),
        "unfiltered" => Ok(TotalCount::Unfiltered),
        _ => Err("must be filtered or unfiltered".to_owned()),
    }
}

/// Exit code of a command line or setting that cannot be served.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) => {
            // One line: clap's first, without its "error: " prefix.
            let text = e.render().to_string();
            let line = text.lines().next().unwrap_or_default();
            eprintln!("workspace-emulator: {}", line.strip_prefix("error: ").unwrap_or(line));
            return ExitCode::from(USAGE);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, e)) => {
            eprintln!("workspace-emulator: {e}");
            ExitCode::from(code)
        }
    }
}

fn run(args: Args) -> Result<(), (u8, String)> {
    let behaviour = Behaviour {
        page_cap: args.page_cap,
        total_count: args.total_count,
        skew_error: args.skew_error.clone(),
        clock_offset_secs: args.clock_offset,
        odd_data: args.odd_data,
        moves_per_page: args.moves_per_page,
        fleet_changes_per_page: args.fleet_changes_per_page,
        move_seed: args.move_seed,
    };
    let mut config = EmulatorConfig::default()
        .listen(args.listen)
        .desktops(args.desktops)
        .seed(args.seed)
        .status_weights(args.status_weights)
        .latency(Duration::from_millis(args.latency_ms))
        .churn(args.churn)
        .behaviour(behaviour);
    if let Some(path) = &args.fleet {
        config = config.fleet(fleet::load(path).map_err(|e| (1, e))?);
    }
    if let Some(id) = &args.project_id {
        config = config.project_id(id);
    }
    if let Some(region) = &args.region {
        config = config.region(region);
    }
    if let (Some(ak), Some(sk)) = (args.ak, args.sk) {
        config = config.keys(vec![match args.security_token {
            Some(token) => KeyPair::temporary(ak, sk, token),
            None => KeyPair::new(ak, sk),
        }]);
    }
    if let Some(t) = args.auth_token {
        config = config.auth_tokens(vec![t]);
    }
    if let Some(t) = args.admin_token {
        config = config.admin_token(t);
    }
    if let Some(n) = args.rate_limit {
        config = config.rate_limit(n);
    }
    if let Err(e) = config.check() {
        return Err((USAGE, e));
    }
    if !args.listen.ip().is_loopback() {
        let addr = args.listen;
        eprintln!(
            "workspace-emulator: warning: listening on {addr}, which is not a loopback address: others can reach it"
        );
    }
    let emulator = Emulator::start(config).map_err(|e| (1, format!("cannot listen on {}: {e}", args.listen)))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| (1, e.to_string()))?;
    // The handler is in place before the first line says the emulator listens.
    let interrupted = {
        let _context = runtime.enter();
        interrupted().map_err(|e| (1, format!("cannot wait for Ctrl-C: {e}")))?
    };
    // Whoever reads these lines may stop reading: the emulator goes on serving.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", emulator.base_url());
    let _ = writeln!(out, "project id: {}", emulator.project_id());
    if let Some(k) = emulator.key_pair().filter(|k| k.ak == DEMO_AK) {
        let _ = writeln!(out, "demo credentials: HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={}", k.ak, k.sk);
    }
    if let Some(t) = emulator.auth_token().filter(|t| *t == DEMO_AUTH_TOKEN) {
        let _ = writeln!(out, "demo IAM token: {t}");
    }
    let _ = writeln!(out, "desktops: {}", emulator.desktops().len());
    let _ = out.flush();
    runtime.block_on(interrupted);
    eprintln!("workspace-emulator: stopping");
    emulator.stop();
    Ok(())
}

/// A future that completes at Ctrl-C. On Unix the handler is installed now (in a runtime's
/// context), so that a Ctrl-C that comes before the future is first polled is not lost, nor
/// kills the process by its default action.
fn interrupted() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        Ok(async move {
            interrupt.recv().await;
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
