//! The version `wks --version` shows: the package's, and the commit it was built from when the
//! sources are a git checkout and git is there to say so (otherwise the version alone).

use std::process::Command;

/// What `git args` prints in the package's directory, trimmed, when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    println!("cargo:rerun-if-changed=build.rs");
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            // Built again when the checkout moves to another commit.
            let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
            if let Some(head) = git(&["rev-parse", "--symbolic-full-name", "HEAD"]) {
                watched.push(git(&["rev-parse", "--git-path", &head]));
                watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
            }
            for path in watched.into_iter().flatten() {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
                println!("cargo:rerun-if-changed={}", path.display());
            }
            println!("cargo:rustc-env=WKS_VERSION={version} (commit {commit})");
        }
        None => println!("cargo:rustc-env=WKS_VERSION={version}"),
    }
}
