//! Records the git revision and the compiler's version for `huaweicloud_workspace_exporter_build_info`;
//! each is "unknown" when it cannot be found (a build from a package, no git, no rustc output).

use std::process::Command;

fn main() {
    let revision = output("git", &["rev-parse", "--short=12", "HEAD"]);
    let rustc = std::env::var("RUSTC").ok().and_then(|rustc| output(&rustc, &["--version"]));
    println!("cargo:rustc-env=WORKSPACE_EXPORTER_REVISION={}", revision.unwrap_or_else(|| "unknown".to_owned()));
    println!("cargo:rustc-env=WORKSPACE_EXPORTER_RUSTC={}", rustc.unwrap_or_else(|| "unknown".to_owned()));
    // A new commit changes the revision: watch HEAD and what it points to (only files that
    // exist: cargo runs the script again at every build for one that does not).
    let reference = output("git", &["symbolic-ref", "-q", "HEAD"]);
    let watched = ["HEAD", "packed-refs"].into_iter().map(str::to_owned).chain(reference);
    for path in watched.filter_map(|p| output("git", &["rev-parse", "--git-path", &p])) {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The first line `program args` writes on stdout when it succeeds, trimmed and not empty.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim().to_owned();
    (!line.is_empty()).then_some(line)
}
