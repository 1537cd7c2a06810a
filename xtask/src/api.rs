//! The two clients have one shape: the same public items, differing only by `async`. Drift is a
//! failure of `cargo xtask deps`.

use std::collections::BTreeSet;
use std::fs;

use crate::{Result, project_root};

/// Items only one client has, by design: its built-in transport and sleep, and the async
/// streams' inherent `next` (the blocking ones are iterators).
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "workspace-blocking",
        &[
            "ThreadSleep",
            "UreqTransport",
            "UreqTransport::from_agent",
            "UreqTransport::max_response_bytes",
            "UreqTransport::new",
        ],
    ),
    (
        "workspace-async",
        &[
            "TokioSleep",
            "ReqwestTransport",
            "ReqwestTransport::from_client",
            "ReqwestTransport::max_response_bytes",
            "ReqwestTransport::new",
            "Pages::next",
            "Items::next",
            "FleetItems::next",
            "Watcher::next",
            "async_trait",
        ],
    ),
];

/// The public items of a crate's sources: types, traits, functions, methods (as `Type::name`)
/// and re-exported names.
fn public_items(krate: &str) -> Result<BTreeSet<String>> {
    let dir = project_root().join("crates").join(krate).join("src");
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("impl") {
                current = impl_target(rest);
            } else if line.starts_with('}') {
                current = None;
            }
            let trimmed = line.trim_start();
            let indented = line.len() != trimmed.len();
            if let Some(name) = item_name(trimmed, &["pub fn ", "pub async fn "]) {
                match (&current, indented) {
                    (Some(ty), true) => out.insert(format!("{ty}::{name}")),
                    _ => out.insert(name),
                };
            } else if !indented {
                if let Some(name) =
                    item_name(trimmed, &["pub struct ", "pub trait ", "pub enum ", "pub type ", "pub const "])
                {
                    out.insert(name);
                } else if let Some(list) = trimmed.strip_prefix("pub use ") {
                    out.extend(reexported(list));
                }
            }
        }
    }
    Ok(out)
}

/// The type an `impl` line is for: `impl X {`, `impl Trait for X {`, `impl<T> Trait for X<T>`.
fn impl_target(rest: &str) -> Option<String> {
    let rest = rest.split('{').next()?.trim();
    let rest = if rest.starts_with('<') { rest.split_once('>')?.1.trim() } else { rest };
    let target = rest.rsplit(" for ").next()?.trim();
    let name: String = target.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

fn item_name(line: &str, prefixes: &[&str]) -> Option<String> {
    let rest = prefixes.iter().find_map(|p| line.strip_prefix(p))?;
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// The names a `pub use` brings in (`a::b::{C, D}` gives `C` and `D`; `a::*` gives `a::*`).
fn reexported(list: &str) -> Vec<String> {
    let list = list.trim_end_matches(';');
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
    let blocking = public_items("workspace-blocking")?;
    let asynchronous = public_items("workspace-async")?;
    let expected = |krate: &str| -> BTreeSet<String> {
        EXPECTED
            .iter()
            .filter(|(k, _)| *k == krate)
            .flat_map(|(_, items)| items.iter().map(|s| (*s).to_owned()))
            .collect()
    };
    for (krate, only, allowed) in [
        (
            "workspace-blocking",
            blocking.difference(&asynchronous).cloned().collect::<BTreeSet<_>>(),
            expected("workspace-blocking"),
        ),
        ("workspace-async", asynchronous.difference(&blocking).cloned().collect(), expected("workspace-async")),
    ] {
        let drift: Vec<&String> = only.difference(&allowed).collect();
        if !drift.is_empty() {
            failures.push(format!(
                "{krate} has public items the other client lacks (the two differ only by async): {drift:?}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_impl_targets_and_reexports() {
        assert_eq!(impl_target(" Client {").as_deref(), Some("Client"));
        assert_eq!(impl_target(" Iterator for Pages {").as_deref(), Some("Pages"));
        assert_eq!(impl_target("<F> Transport for FnTransport<F>").as_deref(), Some("FnTransport"));
        assert_eq!(reexported("a::{B, C as D};"), ["B", "D"]);
        assert_eq!(reexported("workspace_core::common::*;"), ["workspace_core::common::*"]);
    }
}
