//! The alert rules in `docs/exporter.md` are valid rules, by `promtool check rules`.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;

use support::process::prometheus_tool;

#[test]
fn the_documented_alert_rules_are_valid() {
    let promtool = prometheus_tool("promtool");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/exporter.md")).unwrap();
    let section = doc.split("## Alert rules").nth(1).expect("an alert rules section");
    let rules = section.split("```yaml\n").nth(1).and_then(|s| s.split("```").next()).expect("a yaml block");
    assert!(rules.contains("huaweicloud_workspace_up == 0"), "{rules}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.yml");
    std::fs::write(&file, rules).unwrap();
    let out = Command::new(promtool).args(["check", "rules"]).arg(&file).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("2 rules found"), "{said}");
}
