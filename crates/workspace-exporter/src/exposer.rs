//! What `/metrics` serves: the metrics of every target and of the process, merged into one
//! exposition.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::exporter::Exporter;
use crate::exposition::{Encoding, Exposition};
use crate::format::Format;
use crate::process;

/// The targets' exporters, and one exposition of all of them with the process's own metrics
/// (`huaweicloud_workspace_exporter_build_info`, `process_*`).
///
/// [`refresh`](Self::refresh) renders it again; the program does so at the end of each poll of
/// any target. Each target's series carry its own `project_id` and `region` labels, so that
/// every metric appears once with the series of every target.
#[derive(Debug)]
pub struct Exposer {
    targets: Vec<Arc<Exporter>>,
    exposition: RwLock<Arc<Exposition>>,
    /// Held while rendering, so that a rendering never replaces a newer one.
    rendering: Mutex<()>,
}

impl Exposer {
    /// An exposer of these targets, rendered once now.
    pub fn new(targets: Vec<Arc<Exporter>>) -> Self {
        let exposer = Self {
            targets,
            exposition: RwLock::new(Arc::new(Exposition::new(String::new()))),
            rendering: Mutex::new(()),
        };
        exposer.refresh();
        exposer
    }

    /// The targets, in the order given.
    pub fn targets(&self) -> &[Arc<Exporter>] {
        &self.targets
    }

    /// Renders every target's last snapshot and the process's metrics into a new exposition.
    pub fn refresh(&self) {
        let _rendering = self.rendering.lock().unwrap_or_else(PoisonError::into_inner);
        let own = process::render();
        let fragments: Vec<Arc<str>> = self.targets.iter().map(|t| t.fragment()).collect();
        let mut parts: Vec<&str> = vec![&own];
        parts.extend(fragments.iter().map(|f| &**f));
        let exposition = Arc::new(Exposition::new(merge(&parts)));
        *self.exposition.write().unwrap_or_else(PoisonError::into_inner) = exposition;
    }

    /// The exposition of the last [`refresh`](Self::refresh): what `/metrics` serves.
    pub fn exposition(&self) -> Arc<Exposition> {
        Arc::clone(&self.exposition.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// A copy of the [`exposition`](Self::exposition) in `format`, as text.
    pub fn render(&self, format: Format) -> String {
        String::from_utf8_lossy(&self.exposition().body(format, Encoding::Identity).0).into_owned()
    }
}

/// One metric family of the OpenMetrics text: its descriptor lines and its samples.
#[derive(Default)]
struct Family<'a> {
    descriptor: Vec<&'a str>,
    samples: Vec<&'a str>,
}

/// OpenMetrics fragments (without `# EOF`) merged into one exposition: each family once, its
/// descriptor from the first fragment that has it, its samples from every fragment in order,
/// families in the order first seen, and the closing `# EOF`.
pub(crate) fn merge(fragments: &[&str]) -> String {
    let mut order: Vec<&str> = Vec::new();
    let mut families: HashMap<&str, Family<'_>> = HashMap::new();
    for fragment in fragments {
        // The family the lines being read belong to, and whether this fragment introduced it.
        let mut current: Option<(&str, bool)> = None;
        for line in fragment.lines().filter(|l| *l != "# EOF") {
            if let Some(rest) = line.strip_prefix("# ") {
                let Some(name) = rest.split(' ').nth(1) else { continue };
                if current.is_none_or(|(c, _)| c != name) {
                    let new = !families.contains_key(name);
                    if new {
                        order.push(name);
                    }
                    current = Some((name, new));
                }
                let family = families.entry(name).or_default();
                if current.is_some_and(|(_, new)| new) {
                    family.descriptor.push(line);
                }
            } else if let Some((name, _)) = current {
                families.entry(name).or_default().samples.push(line);
            }
        }
    }
    let size = fragments.iter().map(|f| f.len()).sum::<usize>() + 8;
    let mut out = String::with_capacity(size);
    for name in order {
        let family = &families[name];
        for line in family.descriptor.iter().chain(&family.samples) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_appears_once_with_every_fragments_samples() {
        let a = "# HELP up Up.\n# TYPE up gauge\nup{project_id=\"a\"} 1\n# HELP d D.\n# TYPE d gauge\nd{project_id=\"a\"} 3\n# EOF\n";
        let b = "# HELP up Up.\n# TYPE up gauge\nup{project_id=\"b\"} 0\n# HELP only_b B.\n# TYPE only_b counter\nonly_b_total{project_id=\"b\"} 2\n";
        assert_eq!(
            merge(&[a, b]),
            "# HELP up Up.\n# TYPE up gauge\nup{project_id=\"a\"} 1\nup{project_id=\"b\"} 0\n\
             # HELP d D.\n# TYPE d gauge\nd{project_id=\"a\"} 3\n\
             # HELP only_b B.\n# TYPE only_b counter\nonly_b_total{project_id=\"b\"} 2\n# EOF\n"
        );
    }

    #[test]
    fn a_fragment_alone_is_unchanged() {
        let a = "# HELP c C.\n# TYPE c counter\n# UNIT c seconds\nc_total 1\n";
        assert_eq!(merge(&[a]), format!("{a}# EOF\n"));
    }
}
