//! The project's own tasks: `cargo xtask <task>`. Standard library only, so it builds fast.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod api;
mod bench;
mod deploy;
mod deps;
mod exporter_bench;
mod exporter_scale;
mod fuzz;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  ci     every check CI runs: fmt, deps, lint, features, test, deploy, doc, package
  fmt    check formatting (cargo fmt --check)
  lint   clippy with -D warnings on each crate: default, no default and all features
  features  each crate with each of its features alone
  test   the tests: the workspace with all features, and each crate without default features
  doc    rustdoc with warnings denied
  package  every publishable crate packages and builds from its package
  deps   the architecture invariants of docs/ARCHITECTURE.md
  deploy the files of deploy/: promtool test rules, systemd-analyze verify
  deny   cargo deny: licenses, bans, sources; advisories when their database can be fetched
  fuzz   every fuzz target for a while (--smoke: 20 s each; --seconds N), with cargo-fuzz
  bench  every benchmark, as a report; the full run writes docs/performance.md
         (--quick: shorter runs, report printed only); `bench exporter [--quick]`: only
         the exporter at scale (12,000 and 50,000 desktops, three targets), printed
  man    the man pages of wks and workspace-exporter, one per command, into target/man
";

/// The library crates, each linted and tested on its own.
pub(crate) const CRATES: &[&str] = &[
    "workspace-types",
    "workspace-core",
    "workspace-config",
    "workspace-blocking",
    "workspace-async",
    "workspace-emulator",
    "workspace-cli",
    "workspace-exporter",
    "workspace-bench",
    "workspace-testkit",
];

fn main() -> ExitCode {
    let task = env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "ci" => ci(),
        "fmt" => fmt(),
        "lint" => lint(),
        "features" => features(),
        "test" => test(),
        "doc" => doc(),
        "package" => package(),
        "deps" => deps::check(),
        "deploy" => deploy::check(),
        "fuzz" => fuzz::run(env::args().skip(2).collect()),
        "deny" => deny(),
        "bench" => match env::args().nth(2).as_deref() {
            Some("exporter") => bench::exporter(env::args().nth(3).as_deref() == Some("--quick")),
            quick => bench::run(quick == Some("--quick")),
        },
        "man" => man(),
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
    let steps: [(&str, Task); 8] = [
        ("fmt", fmt),
        ("deps", deps::check),
        ("lint", lint),
        ("features", features),
        ("test", test),
        ("deploy", deploy::check),
        ("doc", doc),
        ("package", package),
    ];
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

/// Each feature alone (`--no-default-features --features F`) must build: a feature may not
/// rely on another that happens to be on by default.
fn features() -> Result {
    for krate in CRATES {
        let manifest = std::fs::read_to_string(project_root().join("crates").join(krate).join("Cargo.toml"))
            .map_err(|e| format!("{krate}: {e}"))?;
        for feature in feature_names(&manifest) {
            cargo(&[
                "check",
                "--quiet",
                "-p",
                krate,
                "--all-targets",
                "--no-default-features",
                "--features",
                &feature,
            ])?;
        }
    }
    Ok(())
}

/// The names in a manifest's `[features]` table, except `default`.
fn feature_names(manifest: &str) -> Vec<String> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[features]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty() && !k.starts_with('#') && k != "default")
        .collect()
}

fn test() -> Result {
    cargo(&["test", "--workspace", "--all-features"])?;
    for krate in CRATES {
        cargo(&["test", "-p", krate, "--no-default-features", "--tests"])?;
    }
    // The blocking client's native TLS, which rustls replaces when both are on.
    cargo(&[
        "test",
        "-p",
        "workspace-blocking",
        "--no-default-features",
        "--features",
        "ureq,native-tls",
        "--test",
        "native_tls",
    ])?;
    Ok(())
}

/// Every publishable crate packages, and builds from its package (internal dependencies are
/// resolved from the packages made in the same run).
fn package() -> Result {
    forget_packaged_sources();
    // Packaged crates have the version of the last run: build them in a target directory of their
    // own, emptied first, so that no artifact of an earlier package is taken for theirs.
    let dir = project_root().join("target").join("package-check");
    let _ = std::fs::remove_dir_all(&dir);
    let result = run(Command::new(cargo_bin())
        .args([
            "package",
            "--quiet",
            "--workspace",
            "--exclude",
            "xtask",
            "--exclude",
            "workspace-bench",
            "--exclude",
            "workspace-testkit",
            "--allow-dirty",
        ])
        .env("CARGO_TARGET_DIR", &dir));
    // A second build of every dependency is of no use afterwards, and takes space a busy machine
    // may not have.
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Cargo unpacks the packages it verifies against into `$CARGO_HOME/registry/src/-<hash>/` and
/// reuses an unpacked `name-version` as it is: after a change without a version bump it would
/// verify against the old sources. Those directories (named with a leading `-`; registries' own
/// start with their host) hold nothing else, so they are removed first.
fn forget_packaged_sources() {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else { return };
    let Ok(entries) = std::fs::read_dir(&src) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('-') {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn doc() -> Result {
    run(Command::new(cargo_bin())
        .args(["doc", "--workspace", "--all-features", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))
}

/// The man pages of `wks`, which it writes itself (`wks man-pages DIR`), into `target/man`.
fn man() -> Result {
    let dir = project_root().join("target").join("man");
    let dir = dir.to_str().ok_or("the project's path is not UTF-8")?;
    cargo(&["run", "--quiet", "-p", "workspace-cli", "--", "man-pages", dir])?;
    cargo(&["run", "--quiet", "-p", "workspace-exporter", "--", "--man-page", dir])?;
    eprintln!("man pages written to {dir}");
    Ok(())
}

/// Supply-chain checks with cargo-deny (`cargo install cargo-deny`).
fn deny() -> Result {
    let installed = Command::new(cargo_bin()).args(["deny", "--version"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        return Err("cargo-deny is not installed: cargo install cargo-deny".into());
    }
    cargo(&["deny", "check", "licenses", "bans", "sources"])?;
    // Advisories need their database: check them whenever it can be fetched, and fail on them.
    match cargo(&["deny", "fetch", "db"]) {
        Ok(()) => cargo(&["deny", "check", "advisories"]),
        Err(e) => {
            eprintln!("deny: advisories NOT checked: the advisory database could not be fetched ({e})");
            Ok(())
        }
    }
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
