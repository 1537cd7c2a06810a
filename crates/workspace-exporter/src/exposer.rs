//! What `/metrics` serves: the metrics of every target and of the process, merged into one
//! exposition.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::exporter::Exporter;
use crate::exposition::{Exposition, Fragment};
use crate::format::Format;
use crate::process;

/// The targets' exporters, and one exposition of all of them with the process's own metrics
/// (`huaweicloud_workspace_exporter_build_info`, `process_*`).
///
/// [`refresh`](Self::refresh) makes a new one from every target's last snapshot; the program
/// does so at the end of each poll of any target. Each target's series carry its own
/// `project_id` and `region` labels, so that every metric appears once with the series of
/// every target.
#[derive(Debug)]
pub struct Exposer {
    targets: Vec<Arc<Exporter>>,
    exposition: RwLock<Arc<Exposition>>,
    /// Held while rendering, so that a rendering never replaces a newer one.
    rendering: Mutex<()>,
}

impl Exposer {
    /// An exposer of these targets, with an exposition of them made now.
    pub fn new(targets: Vec<Arc<Exporter>>) -> Self {
        let exposer =
            Self { targets, exposition: RwLock::new(Arc::new(Exposition::new(Vec::new()))), rendering: Mutex::new(()) };
        exposer.refresh();
        exposer
    }

    /// The targets, in the order given.
    pub fn targets(&self) -> &[Arc<Exporter>] {
        &self.targets
    }

    /// Makes a new exposition of every target's last snapshot and the process's metrics now;
    /// its bodies are rendered when first asked for. The previous exposition is dropped at
    /// once, with its bodies, unless a scrape still holds them.
    pub fn refresh(&self) {
        let _rendering = self.rendering.lock().unwrap_or_else(PoisonError::into_inner);
        let mut fragments = vec![Arc::new(Fragment::new(process::render(), None, &[]))];
        fragments.extend(self.targets.iter().map(|t| t.fragment()));
        let exposition = Arc::new(Exposition::new(fragments));
        *self.exposition.write().unwrap_or_else(PoisonError::into_inner) = exposition;
    }

    /// The exposition of the last [`refresh`](Self::refresh): what `/metrics` serves.
    pub fn exposition(&self) -> Arc<Exposition> {
        Arc::clone(&self.exposition.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The [`exposition`](Self::exposition) in `format`, as text, rendered anew.
    pub fn render(&self, format: Format) -> String {
        self.exposition().render(format)
    }
}
