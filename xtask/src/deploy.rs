//! The files of `deploy/` checked by the tools that read them: the alerting rules and their
//! unit tests by `promtool`, the systemd unit by `systemd-analyze verify`. A missing tool is a
//! failure, never a skip.

use std::process::Command;

use crate::{Result, cargo, project_root};

/// Where the unit expects the program.
const INSTALLED: &str = "/usr/local/bin/workspace-exporter";

pub(crate) fn check() -> Result {
    let root = project_root();
    let rules = root.join("deploy/prometheus");
    tool("promtool", "prometheus")?;
    run(Command::new("promtool").args(["check", "rules", "alerts.yml"]).current_dir(&rules))?;
    run(Command::new("promtool").args(["test", "rules", "alerts_test.yml"]).current_dir(&rules))?;

    // systemd-analyze verify checks that the program exists: the unit is verified with the
    // program just built in place of the installed one.
    tool("systemd-analyze", "systemd")?;
    cargo(&["build", "--quiet", "-p", "workspace-exporter"])?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    let program = target.join("debug/workspace-exporter");
    let unit = std::fs::read_to_string(root.join("deploy/systemd/workspace-exporter.service"))
        .map_err(|e| format!("deploy/systemd/workspace-exporter.service: {e}"))?;
    if !unit.contains(&format!("ExecStart={INSTALLED} ")) {
        return Err(format!("the unit's ExecStart must run {INSTALLED}"));
    }
    let dir = target.join("systemd-verify");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let copy = dir.join("workspace-exporter.service");
    std::fs::write(&copy, unit.replace(INSTALLED, &program.display().to_string()))
        .map_err(|e| format!("{}: {e}", copy.display()))?;
    // verify prints its findings and still exits 0 for some of them: any output is a failure.
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .map_err(|e| format!("cannot run systemd-analyze: {e}"))?;
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !said.trim().is_empty() {
        return Err(format!("systemd-analyze verify deploy/systemd/workspace-exporter.service:\n{said}"));
    }
    eprintln!("$ systemd-analyze verify deploy/systemd/workspace-exporter.service: ok");
    Ok(())
}

/// Fails, naming the Debian package, when `name` is not installed.
fn tool(name: &str, package: &str) -> Result {
    match Command::new(name).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(format!("{name} is not installed: apt-get install {package} (.ci/run installs it)")),
    }
}

fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} exited with {status}")) }
}
