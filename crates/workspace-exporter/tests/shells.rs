//! What the program gives shells and `man`: its bash completion, loaded into a real bash and
//! asked to complete, and its man page, rendered by man-db without a warning.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use workspace_testkit::shells::{bash_complete, render_man};

fn exporter(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_workspace-exporter")).args(args).output().unwrap();
    assert!(o.status.success(), "workspace-exporter {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn bash_completes_flags_and_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("workspace-exporter.bash");
    std::fs::write(&script, exporter(&["--completions", "bash"]).stdout).unwrap();
    assert_eq!(bash_complete(&script, &["workspace-exporter", "--per-d"]), ["--per-desktop"]);
    assert_eq!(bash_complete(&script, &["workspace-exporter", "--log.format", ""]), ["logfmt", "json"]);
    assert_eq!(bash_complete(&script, &["workspace-exporter", "--log.level", "w"]), ["warn"]);
}

#[test]
fn every_shell_has_a_completion_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = String::from_utf8(exporter(&["--completions", shell]).stdout).unwrap();
        assert!(script.contains("workspace-exporter") && script.contains("web.config.file"), "{shell}");
    }
}

#[test]
fn the_man_page_renders_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man");
    exporter(&["--man-page", pages.to_str().unwrap()]);
    let names: Vec<String> =
        std::fs::read_dir(&pages).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["workspace-exporter.1"]);
    render_man(&pages.join("workspace-exporter.1"));
    let page = std::fs::read_to_string(pages.join("workspace-exporter.1")).unwrap();
    for flag in ["--web.config.file", "--config.file", "--per-desktop", "--man-page"] {
        assert!(page.contains(&flag.replace('-', "\\-")), "{flag}");
    }
}
