//! The two clients have one shape. Their modules are private, so a client's whole public surface
//! is what its `lib.rs` re-exports: the names must be the same in both, but for the transport and
//! sleep each has built in. The methods of those types are checked by the compiler: the test
//! kit's `Driver` calls every one of them, on both clients, in the same way.

use std::collections::BTreeSet;
use std::fs;

use crate::{Result, project_root};

/// The names only one client exports, by design: its built-in transport and sleep.
const OWN: &[(&str, &[&str])] = &[
    ("workspace-blocking", &["ThreadSleep", "UreqTransport"]),
    ("workspace-async", &["TokioSleep", "ReqwestTransport", "async_trait"]),
];

/// The names `lib.rs` of `krate` re-exports, and its public modules (there must be none).
fn surface(krate: &str) -> Result<(BTreeSet<String>, Vec<String>)> {
    let path = project_root().join("crates").join(krate).join("src").join("lib.rs");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut names = BTreeSet::new();
    let mut modules = Vec::new();
    for statement in code.split(';') {
        let statement = statement.split_whitespace().collect::<Vec<_>>().join(" ");
        let statement = statement.rsplit(']').next().unwrap_or("").trim();
        if let Some(list) = statement.strip_prefix("pub use ") {
            names.extend(reexported(list));
        } else if let Some(name) = statement.strip_prefix("pub mod ") {
            modules.push(name.to_owned());
        }
    }
    Ok((names, modules))
}

/// The names a `pub use` brings in (`a::b::{C, D}` gives `C` and `D`; `a::*` gives `a::*`).
fn reexported(list: &str) -> Vec<String> {
    let names = match list.split_once('{') {
        Some((_, inner)) => inner.trim_end_matches('}').to_owned(),
        None => list.rsplit("::").next().unwrap_or(list).to_owned(),
    };
    let glob = list.ends_with("::*").then(|| list.to_owned());
    names
        .split(',')
        .map(|n| n.trim().rsplit(" as ").next().unwrap_or("").trim().to_owned())
        .filter(|n| !n.is_empty() && n != "*")
        .chain(glob)
        .collect()
}

pub(crate) fn check(failures: &mut Vec<String>) -> Result {
    let mut surfaces = Vec::new();
    for (krate, own) in OWN {
        let (names, modules) = surface(krate)?;
        if !modules.is_empty() {
            failures.push(format!("{krate} has public modules {modules:?}: its surface is what lib.rs re-exports"));
        }
        surfaces.push((krate, names.into_iter().filter(|n| !own.contains(&n.as_str())).collect::<BTreeSet<_>>()));
    }
    let [(a, one), (b, other)] = &surfaces[..] else { return Ok(()) };
    for (krate, only) in [(a, one.difference(other)), (b, other.difference(one))] {
        let only: Vec<_> = only.collect();
        if !only.is_empty() {
            failures.push(format!("{krate} exports what the other client does not (one shape): {only:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_reexports() {
        assert_eq!(reexported("a::{B, C as D}"), ["B", "D"]);
        assert_eq!(reexported("workspace_core::common::*"), ["workspace_core::common::*"]);
    }

    #[test]
    fn both_clients_export_the_same_names() {
        let mut failures = Vec::new();
        check(&mut failures).unwrap();
        assert!(failures.is_empty(), "{failures:?}");
        let (names, _) = surface("workspace-async").unwrap();
        for name in ["Client", "ClientBuilder", "Pages", "Items", "FleetItems", "Watcher", "Transport", "Sleep"] {
            assert!(names.contains(name), "{name} in {names:?}");
        }
    }
}
