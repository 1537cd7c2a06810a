//! `docs/exporter.md` describes the shipped alerting rules: each rule of
//! `deploy/prometheus/alerts.yml` is in its table, and no other.
#![allow(clippy::unwrap_used)]

#[test]
fn the_documented_alert_rules_are_the_shipped_ones() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/exporter.md")).unwrap();
    let section = doc.split("## Alert rules").nth(1).expect("an alert rules section");
    let section = section.split("\n## ").next().unwrap();
    let documented: Vec<&str> =
        section.lines().filter_map(|l| l.strip_prefix("| `")?.split_once('`').map(|(name, _)| name)).collect();
    let rules =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/prometheus/alerts.yml")).unwrap();
    let shipped: Vec<&str> = rules.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")).collect();
    assert_eq!(documented, shipped);
}
