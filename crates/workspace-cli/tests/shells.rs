//! What `wks` gives shells and `man`: its bash completion, loaded into a real bash and asked to
//! complete, and its man pages, rendered by man-db without a warning. bash and man-db are
//! installed by `.ci/run`; without them these tests fail, saying so.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A private directory for this test process's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-shells-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wks(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_wks")).args(args).output().unwrap();
    assert!(o.status.success(), "wks {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// `program`, which must be installed.
fn tool(program: &str, package: &str) -> Command {
    let found = Command::new("sh").args(["-c", &format!("command -v {program}")]).output().unwrap();
    assert!(found.status.success(), "{program} is needed by this test: install Debian's {package} (.ci/run does)");
    Command::new(program)
}

/// What bash's completion of `wks` offers for `words`, the last being the word completed.
fn complete(script: &Path, words: &[&str]) -> Vec<String> {
    let (cur, prev) = (words[words.len() - 1], words[words.len() - 2]);
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let driver = format!(
        "source '{}' || exit 9
complete -p wks >/dev/null || exit 8
COMP_WORDS=({})
COMP_CWORD={}
COMP_LINE=\"${{COMP_WORDS[*]}}\"
COMP_POINT=${{#COMP_LINE}}
_wks wks '{cur}' '{prev}'
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
fn bash_completes_commands_and_statuses() {
    let dir = scratch("bash");
    let script = dir.join("wks.bash");
    std::fs::write(&script, wks(&["completions", "bash"]).stdout).unwrap();
    assert_eq!(complete(&script, &["wks", "conn"]), ["connections"]);
    assert_eq!(complete(&script, &["wks", "connections", "li"]), ["list"]);
    assert_eq!(
        complete(&script, &["wks", "connections", "list", "--status", ""]),
        ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"]
    );
    assert_eq!(complete(&script, &["wks", "connections", "list", "--status", "DIS"]), ["DISCONNECTED"]);
    // The global flags complete after the subcommand too.
    assert!(complete(&script, &["wks", "connections", "list", "--no-h"]).contains(&"--no-headers".to_owned()));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_shell_has_a_completion_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = String::from_utf8(wks(&["completions", shell]).stdout).unwrap();
        assert!(script.contains("wks") && script.contains("connections") && script.contains("status"), "{shell}");
    }
}

#[test]
fn every_man_page_renders_without_a_warning() {
    let dir = scratch("man");
    wks(&["man-pages", dir.to_str().unwrap()]);
    let mut pages: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "wks-completions.1",
            "wks-connections-list.1",
            "wks-connections-summary.1",
            "wks-connections-watch.1",
            "wks-connections.1",
            "wks-doctor.1",
            "wks-man-pages.1",
            "wks-top.1",
            "wks.1",
        ]
    );
    for page in &pages {
        let o = tool("man", "man-db")
            .args(["--warnings", "-l"])
            .arg(dir.join(page))
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        let (text, warnings) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success() && warnings.is_empty(), "{page}: {warnings}");
        let name = page.trim_end_matches(".1");
        assert!(text.contains("NAME") && text.contains("SYNOPSIS") && text.contains(name), "{page}:\n{text}");
    }
    let list = std::fs::read_to_string(dir.join("wks-connections-list.1")).unwrap();
    for flag in ["--sort-by", "--limit", "--output", "--quiet"] {
        assert!(list.contains(&flag.replace('-', "\\-")), "{flag}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
