//! What the program gives shells and `man`: its bash completion, loaded into a real bash and
//! asked to complete, and its man page, rendered by man-db without a warning. bash and man-db
//! are installed by `.ci/run`; without them these tests fail, saying so.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn exporter(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_workspace-exporter")).args(args).output().unwrap();
    assert!(o.status.success(), "workspace-exporter {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// `program`, which must be installed.
fn tool(program: &str, package: &str) -> Command {
    let found = Command::new("sh").args(["-c", &format!("command -v {program}")]).output().unwrap();
    assert!(found.status.success(), "{program} is needed by this test: install Debian's {package} (.ci/run does)");
    Command::new(program)
}

/// What bash's completion offers for `words`, the last being the word completed.
fn complete(script: &Path, words: &[&str]) -> Vec<String> {
    let (cur, prev) = (words[words.len() - 1], words[words.len() - 2]);
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let driver = format!(
        "source '{}' || exit 9
spec=$(complete -p workspace-exporter) || exit 8
fn=$(printf '%s' \"$spec\" | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
COMP_WORDS=({})
COMP_CWORD={}
COMP_LINE=\"${{COMP_WORDS[*]}}\"
COMP_POINT=${{#COMP_LINE}}
\"$fn\" workspace-exporter '{cur}' '{prev}'
printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
    );
    let o = tool("bash", "bash").args(["--norc", "--noprofile", "-c", &driver]).output().unwrap();
    assert!(o.status.success(), "bash exited with {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()
}

#[test]
fn bash_completes_flags_and_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("workspace-exporter.bash");
    std::fs::write(&script, exporter(&["--completions", "bash"]).stdout).unwrap();
    assert_eq!(complete(&script, &["workspace-exporter", "--per-d"]), ["--per-desktop"]);
    assert_eq!(complete(&script, &["workspace-exporter", "--log.format", ""]), ["logfmt", "json"]);
    assert_eq!(complete(&script, &["workspace-exporter", "--log.level", "w"]), ["warn"]);
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
    let o = tool("man", "man-db")
        .args(["--warnings", "-l"])
        .arg(pages.join("workspace-exporter.1"))
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    let (text, warnings) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success() && warnings.is_empty(), "{warnings}");
    assert!(text.contains("NAME") && text.contains("SYNOPSIS") && text.contains("workspace-exporter"), "{text}");
    let page = std::fs::read_to_string(pages.join("workspace-exporter.1")).unwrap();
    for flag in ["--web.config.file", "--config.file", "--per-desktop", "--man-page"] {
        assert!(page.contains(&flag.replace('-', "\\-")), "{flag}");
    }
}
