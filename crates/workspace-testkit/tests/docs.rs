//! The fault matrix's table in `docs/reliability.md` lists exactly the rows of the matrix.
#![cfg(feature = "emulator")]

use workspace_testkit::fault_matrix;

/// The rows of the first table after `heading`, each as its cells, the header and rule left out.
fn table_after(markdown: &str, heading: &str) -> Vec<Vec<String>> {
    let start = markdown.find(heading).unwrap_or_else(|| panic!("no heading {heading:?}"));
    markdown[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect()
}

#[test]
fn the_documented_fault_matrix_is_the_matrix() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reliability.md");
    let markdown = std::fs::read_to_string(path).expect("docs/reliability.md");
    let documented: Vec<String> =
        table_after(&markdown, "## The fault matrix").into_iter().map(|cells| cells.join(" | ")).collect();
    let matrix: Vec<String> =
        fault_matrix::rows().iter().map(|r| format!("{} | {} | {}", r.name, r.outcome(), r.requests())).collect();
    let missing: Vec<&String> = matrix.iter().filter(|r| !documented.contains(r)).collect();
    let extra: Vec<&String> = documented.iter().filter(|r| !matrix.contains(r)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && documented == matrix,
        "docs/reliability.md's fault matrix differs from fault_matrix::rows():\n\
         rows missing from the table:\n  {}\nrows of the table not in the matrix:\n  {}\n\
         (same rows in another order when both are empty; the table follows the matrix's order)",
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
        extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
    );
}
