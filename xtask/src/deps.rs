//! `cargo xtask deps`: checks the architecture invariants stated in docs/ARCHITECTURE.md.

use std::fs;

use crate::{Result, cargo_output, project_root};

/// A crate, the features it is checked with, and the crates that must not be in its tree.
struct Rule {
    krate: &'static str,
    features: &'static [&'static str],
    banned: &'static [&'static str],
    why: &'static str,
}

const IO_CRATES: &[&str] = &["ureq", "reqwest", "hyper", "tokio", "async-trait", "mio", "socket2", "rustls"];

const RULES: &[Rule] = &[
    Rule {
        krate: "workspace-types",
        features: &["--all-features"],
        banned: &["http", "ureq", "reqwest", "hyper", "tokio", "async-trait", "mio", "socket2", "rustls"],
        why: "the models have no HTTP and no I/O",
    },
    Rule { krate: "workspace-core", features: &["--all-features"], banned: IO_CRATES, why: "the core is sans-IO" },
    Rule {
        krate: "workspace-blocking",
        features: &["--all-features"],
        banned: &["tokio", "reqwest", "hyper", "async-trait", "mio"],
        why: "the blocking client needs no async runtime",
    },
    Rule {
        krate: "workspace-async",
        features: &["--no-default-features"],
        banned: &["tokio", "reqwest", "hyper", "ureq", "mio", "socket2", "rustls"],
        why: "without default features the async client depends on no HTTP library and no runtime",
    },
    Rule {
        krate: "workspace-cli",
        features: &["--no-default-features"],
        banned: &["workspace-emulator", "tokio", "hyper", "socket2"],
        why: "without its default feature `emulator`, wks links neither the emulator nor a server runtime",
    },
    Rule {
        krate: "workspace-exporter",
        features: &["--no-default-features"],
        banned: &["workspace-emulator"],
        why: "without its default feature `emulator`, the exporter does not link the emulator",
    },
];

/// Client crates are thin drivers: they decide nothing about statuses, retries or paging.
const DRIVER_CRATES: &[&str] = &["crates/workspace-blocking/src", "crates/workspace-async/src"];
const DRIVER_BANNED_SOURCE: &[&str] =
    &["StatusCode", "is_success", "as_u16", "retry_after", "RetryClass", "classify(", "total_count() >", "offset +"];

/// Source patterns the core must never contain: it reads no clock, sleeps never, does no I/O.
const CORE_BANNED_SOURCE: &[&str] = &[
    "SystemTime::now",
    "Instant::now",
    "thread::sleep",
    "thread::spawn",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "std::fs",
    "std::io::Read",
    "std::io::Write",
    "println!",
    "eprintln!",
];

pub(crate) fn check() -> Result {
    let mut failures = Vec::new();
    for rule in RULES {
        let mut args = vec!["tree", "-p", rule.krate, "-e", "normal", "--prefix", "none", "--format", "{p}"];
        args.extend_from_slice(rule.features);
        let tree = cargo_output(&args)?;
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            if rule.banned.contains(&name) {
                failures.push(format!("{} depends on {name} ({})", rule.krate, rule.why));
            }
        }
    }
    check_core_source(&mut failures)?;
    check_driver_source(&mut failures)?;
    check_internal_dependencies(&mut failures)?;
    check_testkit_is_dev_only(&mut failures)?;
    check_forbid_unsafe(&mut failures)?;
    check_core_modules(&mut failures)?;
    check_msrv(&mut failures)?;
    crate::api::check(&mut failures)?;
    if failures.is_empty() {
        eprintln!("deps: every architecture invariant holds");
        Ok(())
    } else {
        Err(format!("architecture invariants broken:\n  {}", failures.join("\n  ")))
    }
}

/// The `.rs` files under `dir`, its subdirectories included.
fn rust_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(out)
}

fn check_core_source(failures: &mut Vec<String>) -> Result {
    for path in rust_files(&project_root().join("crates/workspace-core/src"))? {
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for pattern in CORE_BANNED_SOURCE {
            if text.contains(pattern) {
                failures
                    .push(format!("{} uses {pattern}: the core performs no I/O and reads no clock", path.display()));
            }
        }
    }
    Ok(())
}

fn check_driver_source(failures: &mut Vec<String>) -> Result {
    for dir in DRIVER_CRATES {
        for path in rust_files(&project_root().join(dir))? {
            let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            for pattern in DRIVER_BANNED_SOURCE {
                if text.contains(pattern) {
                    failures.push(format!(
                        "{} uses {pattern}: decisions about statuses, retries and paging belong in workspace-core",
                        path.display()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The core's modules form no cycle of `crate::` imports (tests aside): each has one job, and
/// what two modules share belongs to a third.
fn check_core_modules(failures: &mut Vec<String>) -> Result {
    use std::collections::BTreeMap;
    let src = project_root().join("crates/workspace-core/src");
    let mut imports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in rust_files(&src)? {
        let relative = path.strip_prefix(&src).map_err(|e| e.to_string())?;
        let module = relative.iter().next().and_then(|m| m.to_str()).unwrap_or_default().trim_end_matches(".rs");
        if module == "lib" {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let used = imports.entry(module.to_owned()).or_default();
        for part in code.split("crate::").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name != module && !used.contains(&name) {
                used.push(name);
            }
        }
    }
    // A module that reaches itself through the others is in a cycle.
    for start in imports.keys() {
        let mut seen = vec![start.clone()];
        let mut next: Vec<&String> = imports[start].iter().collect();
        while let Some(m) = next.pop() {
            if m == start {
                failures.push(format!("workspace-core's module {start} imports itself through others: {seen:?}"));
                break;
            }
            if !seen.contains(m) {
                seen.push(m.clone());
                next.extend(imports.get(m).into_iter().flatten());
            }
        }
    }
    Ok(())
}

/// Internal dependencies never turn on a crate's default features behind the user's back.
fn check_internal_dependencies(failures: &mut Vec<String>) -> Result {
    let manifest = fs::read_to_string(project_root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    for line in manifest.lines().filter(|l| l.starts_with("workspace-") && l.contains("path =")) {
        if !line.contains("default-features = false") {
            failures.push(format!("internal dependency without default-features = false: {line}"));
        }
    }
    Ok(())
}

/// The test kit is only ever a dev-dependency: no crate depends on it to build or to run.
fn check_testkit_is_dev_only(failures: &mut Vec<String>) -> Result {
    let args =
        ["tree", "-i", "workspace-testkit", "-e", "normal,build", "--workspace", "--all-features", "--prefix", "none"];
    let dependents = cargo_output(&[&args[..], &["--format", "{p}"]].concat())?;
    for line in dependents.lines().skip(1) {
        let name = line.split_whitespace().next().unwrap_or_default();
        failures.push(format!("{name} depends on workspace-testkit other than as a dev-dependency"));
    }
    Ok(())
}

/// No dependency may declare a `rust-version` newer than the workspace's: the MSRV is only
/// claimed where every crate in the lock file claims it too.
fn check_msrv(failures: &mut Vec<String>) -> Result {
    let manifest = fs::read_to_string(project_root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let ours = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .ok_or("no rust-version in Cargo.toml")?;
    let metadata = cargo_output(&["metadata", "--format-version", "1", "--locked"])?;
    for (name, wanted) in declared_rust_versions(&metadata) {
        if version(&wanted) > version(&ours) {
            failures.push(format!(
                "a dependency (near {name} in cargo metadata) needs Rust {wanted}, newer than the workspace's rust-version {ours}"
            ));
        }
    }
    Ok(())
}

/// `(name, rust_version)` of every package in `cargo metadata` output that declares one.
fn declared_rust_versions(metadata: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A package's "rust_version" comes after its own "name" and those of its dependencies and
    // targets; the last name seen is one of them (a target's is usually the crate's own).
    let mut name = String::new();
    for part in metadata.split("\"name\":\"").skip(1) {
        if let Some(n) = part.split('"').next() {
            name = n.to_owned();
        }
        if let Some(rest) = part.split("\"rust_version\":\"").nth(1) {
            if let Some(v) = rest.split('"').next() {
                out.push((name.clone(), v.to_owned()));
            }
        }
    }
    out
}

fn version(v: &str) -> (u64, u64, u64) {
    let mut it = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0))
}

fn check_forbid_unsafe(failures: &mut Vec<String>) -> Result {
    let crates = project_root().join("crates");
    for entry in fs::read_dir(&crates).map_err(|e| e.to_string())? {
        let dir = entry.map_err(|e| e.to_string())?.path();
        for root in ["src/lib.rs", "src/main.rs"] {
            let file = dir.join(root);
            if let Ok(text) = fs::read_to_string(&file) {
                if !text.contains("#![forbid(unsafe_code)]") {
                    failures.push(format!("{} lacks #![forbid(unsafe_code)]", file.display()));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_declared_rust_versions_and_compares_them() {
        let metadata = r#"{"packages":[{"name":"a","dependencies":[{"name":"b"}],"targets":[{"name":"a"}],"rust_version":"1.86"},{"name":"c","rust_version":null},{"name":"d","targets":[{"name":"d"}],"rust_version":"1.70.1"}]}"#;
        assert_eq!(
            declared_rust_versions(metadata),
            [("a".to_owned(), "1.86".to_owned()), ("d".to_owned(), "1.70.1".to_owned())]
        );
        assert!(version("1.86") > version("1.85"));
        assert!(version("1.85.1") > version("1.85"));
        assert!(version("1.70.1") < version("1.85"));
    }
}
