//! `cargo xtask fuzz [--smoke | --seconds N]`: runs every cargo-fuzz target for a bounded time.

use std::process::Command;
use std::time::Instant;

use crate::{Result, project_root};

/// The targets in fuzz/fuzz_targets.
const TARGETS: &[&str] = &["parse_response", "error_body", "canonical_query", "emulator_request"];

pub(crate) fn run(args: Vec<String>) -> Result {
    let seconds: u64 = match args.as_slice() {
        [] => 300,
        [flag] if flag == "--smoke" => 20,
        [flag, n] if flag == "--seconds" => n.parse().map_err(|_| format!("--seconds takes a number, not {n:?}"))?,
        _ => return Err("usage: cargo xtask fuzz [--smoke | --seconds N]".into()),
    };
    let has_fuzz = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_fuzz {
        return Err("cargo-fuzz is not installed: cargo install cargo-fuzz".into());
    }
    let mut report = vec!["| target | seconds | result |".to_owned(), "|---|---|---|".to_owned()];
    let mut failed = Vec::new();
    for target in TARGETS {
        let start = Instant::now();
        let status = Command::new("cargo")
            .args(["fuzz", "run", target, "--", &format!("-max_total_time={seconds}")])
            .current_dir(project_root().join("fuzz"))
            // cargo-fuzz passes nightly-only flags; the stable compiler accepts them this way.
            .env("RUSTC_BOOTSTRAP", "1")
            .status()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let took = start.elapsed().as_secs();
        let result = if status.success() { "no crash" } else { "CRASH (see fuzz/artifacts)" };
        if !status.success() {
            failed.push(*target);
        }
        report.push(format!("| `{target}` | {took} | {result} |"));
    }
    println!("{}", report.join("\n"));
    if failed.is_empty() { Ok(()) } else { Err(format!("fuzz targets crashed: {}", failed.join(", "))) }
}
