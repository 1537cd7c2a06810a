//! What `wks` gives shells and `man`: its bash completion, loaded into a real bash and asked to
//! complete, and its man pages, rendered by man-db without a warning.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use std::process::{Command, Output};
use workspace_testkit::shells::{bash_complete, render_man};

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

#[test]
fn bash_completes_commands_and_statuses() {
    let dir = scratch("bash");
    let script = dir.join("wks.bash");
    std::fs::write(&script, wks(&["completions", "bash"]).stdout).unwrap();
    assert_eq!(bash_complete(&script, &["wks", "conn"]), ["connections"]);
    assert_eq!(bash_complete(&script, &["wks", "connections", "li"]), ["list"]);
    assert_eq!(
        bash_complete(&script, &["wks", "connections", "list", "--status", ""]),
        ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"]
    );
    assert_eq!(bash_complete(&script, &["wks", "connections", "list", "--status", "DIS"]), ["DISCONNECTED"]);
    // The global flags complete after the subcommand too.
    assert!(bash_complete(&script, &["wks", "connections", "list", "--no-h"]).contains(&"--no-headers".to_owned()));
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
        render_man(&dir.join(page));
    }
    let list = std::fs::read_to_string(dir.join("wks-connections-list.1")).unwrap();
    for flag in ["--sort-by", "--limit", "--output", "--quiet"] {
        assert!(list.contains(&flag.replace('-', "\\-")), "{flag}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
