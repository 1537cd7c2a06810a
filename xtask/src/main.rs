//! The project's own tasks: `cargo xtask <task>`. Standard library only, so it builds fast.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod deps;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  ci     every check CI runs: fmt, lint, test, doc, deps
  fmt    check formatting (cargo fmt --check)
  lint   clippy with -D warnings on each crate: default, no default and all features
  test   the tests: the workspace with all features, and each crate without default features
  doc    rustdoc with warnings denied
  deps   the architecture invariants of docs/ARCHITECTURE.md
";

/// The library crates, each linted and tested on its own.
pub(crate) const CRATES: &[&str] = &[
    "workspace-types",
    "workspace-core",
    "workspace-config",
    "workspace-blocking",
    "workspace-async",
    "workspace-emulator",
];

fn main() -> ExitCode {
    let task = env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "ci" => ci(),
        "fmt" => fmt(),
        "lint" => lint(),
        "test" => test(),
        "doc" => doc(),
        "deps" => deps::check(),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

/// One step of `ci`.
type Task = fn() -> Result;

fn ci() -> Result {
    let steps: [(&str, Task); 5] = [("fmt", fmt), ("deps", deps::check), ("lint", lint), ("test", test), ("doc", doc)];
    let mut report = Vec::new();
    for (name, step) in steps {
        let start = Instant::now();
        eprintln!("\n==> xtask {name}");
        step()?;
        report.push(format!("  {name:<6} ok  {:>6.1}s", start.elapsed().as_secs_f64()));
    }
    eprintln!("\nxtask ci: all checks passed\n{}", report.join("\n"));
    Ok(())
}

fn fmt() -> Result {
    cargo(&["fmt", "--all", "--", "--check"])
}

fn lint() -> Result {
    for krate in CRATES.iter().copied().chain(["xtask"]) {
        for features in [&[][..], &["--no-default-features"], &["--all-features"]] {
            let mut args = vec!["clippy", "--quiet", "-p", krate, "--all-targets"];
            args.extend_from_slice(features);
            args.extend_from_slice(&["--", "-D", "warnings"]);
            cargo(&args)?;
        }
    }
    Ok(())
}

fn test() -> Result {
    cargo(&["test", "--workspace", "--all-features"])?;
    for krate in CRATES {
        cargo(&["test", "-p", krate, "--no-default-features", "--lib", "--tests"])?;
    }
    Ok(())
}

fn doc() -> Result {
    run(Command::new(cargo_bin())
        .args(["doc", "--workspace", "--all-features", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))
}

/// Runs cargo with `args` in the project root.
pub(crate) fn cargo(args: &[&str]) -> Result {
    run(Command::new(cargo_bin()).args(args))
}

/// Runs cargo with `args` and returns what it printed.
pub(crate) fn cargo_output(args: &[&str]) -> Result<String> {
    let out = Command::new(cargo_bin())
        .args(args)
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo {} failed:\n{}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

fn run(cmd: &mut Command) -> Result {
    cmd.current_dir(project_root());
    let shown = format!("{cmd:?}");
    eprintln!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} exited with {status}")) }
}

fn cargo_bin() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}
