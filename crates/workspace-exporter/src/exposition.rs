//! What `/metrics` serves: the metrics of every target and of the process merged into one
//! exposition, each format and content coding rendered when first asked for and then shared by
//! every scrape.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::format::{Format, counter_names, put_text_line};
use crate::snapshot::PerDesktop;

/// The name of the per-desktop status gauge.
pub(crate) const DESKTOP_STATUS: &str = "huaweicloud_workspace_desktop_status";

/// The name of the per-desktop info metric.
pub(crate) const DESKTOP_INFO: &str = "huaweicloud_workspace_desktop_info";

/// A content coding of `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The text as it is.
    Identity,
    /// Compressed with gzip (`Content-Encoding: gzip`).
    Gzip,
}

impl Encoding {
    /// The coding a client's `Accept-Encoding` header asks for: gzip when it lists `gzip` with a
    /// q-value above 0 (as Prometheus does), else the text as it is.
    pub fn negotiate(accept_encoding: Option<&str>) -> Self {
        let gzip = accept_encoding.into_iter().flat_map(|h| h.split(',')).any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case("gzip"));
            let refused = parts.any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f64>().is_ok_and(|q| q <= 0.0)
                })
            });
            named && !refused
        });
        if gzip { Encoding::Gzip } else { Encoding::Identity }
    }

    /// The `Content-Encoding` header value, when there is one.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
        }
    }
}

/// What one target, or the process, adds to an exposition: its metrics as OpenMetrics text
/// without `# EOF`, in which the per-desktop families have only their descriptor, and the
/// per-desktop series, written from their compact form when a body is rendered.
#[derive(Debug, Default)]
pub(crate) struct Fragment {
    text: String,
    per_desktop: Option<PerDesktopSeries>,
}

/// The per-desktop series of a target, and its constant labels as the encoder writes them
/// (`project_id="…",region="…"`).
#[derive(Debug)]
struct PerDesktopSeries {
    desktops: Arc<PerDesktop>,
    labels: String,
}

impl Fragment {
    /// A fragment of `text` (OpenMetrics; a closing `# EOF` is dropped) and, when given, the
    /// series of `per_desktop` with the `constant` labels (names and escaped values).
    pub(crate) fn new(text: String, per_desktop: Option<Arc<PerDesktop>>, constant: &[(&str, String)]) -> Self {
        let text = match text.strip_suffix("# EOF\n") {
            Some(kept) => kept.to_owned(),
            None => text,
        };
        let per_desktop = per_desktop.map(|desktops| {
            let labels = constant.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect::<Vec<_>>().join(",");
            PerDesktopSeries { desktops, labels }
        });
        Self { text, per_desktop }
    }
}

/// Every metric of the last rendering: the fragments of the process and of every target, and
/// each body (format and coding) rendered from them when first asked for.
///
/// The program makes one at the end of each poll of any target, which costs little: the
/// fragments are shared, not copied. A gzip body is rendered the first time a scrape asks for
/// that format, compressed as it is written (the text is never whole in memory), and every
/// later scrape until the next poll clones [`Bytes`] that point to the same memory, so that it
/// costs no allocation in proportion to the output, however many clients ask and however
/// slowly they read. `/metrics` writes a body that is not compressed as the client reads it,
/// in pieces of 64 KiB, rather than keeping the text, six times the size of its gzip, in
/// memory; [`body`](Self::body) also renders it whole, once, when asked for. A format and coding
/// nobody asks for is never rendered.
pub struct Exposition {
    fragments: Vec<Arc<Fragment>>,
    /// OpenMetrics, text, OpenMetrics gzip, text gzip; a gzip body is `None` only if the encoder
    /// failed, which writing to memory does not.
    bodies: [OnceLock<Option<Bytes>>; 4],
}

/// The size of the pieces a body is written in: under the size from which the allocator maps
/// memory of its own (128 KiB), so that the pieces reuse the same memory.
pub(crate) const CHUNK: usize = 64 * 1024;

impl Exposition {
    /// The exposition of these fragments, in this order; nothing is rendered yet.
    pub(crate) fn new(fragments: Vec<Arc<Fragment>>) -> Self {
        Self { fragments, bodies: Default::default() }
    }

    /// The body of `format` in the coding asked for, and the coding it is in: gzip when asked
    /// for (and compressed, which always succeeds in practice), else the text as it is. The
    /// first call for a format and coding renders it; later ones share the same bytes.
    pub fn body(&self, format: Format, encoding: Encoding) -> (Bytes, Encoding) {
        if encoding == Encoding::Gzip
            && let Some(bytes) = self.gzip(format)
        {
            return (bytes, Encoding::Gzip);
        }
        let plain =
            self.bodies[slot(format, Encoding::Identity)].get_or_init(|| Some(Bytes::from(self.render(format))));
        (plain.clone().unwrap_or_default(), Encoding::Identity)
    }

    /// The gzip body of `format`, rendered the first time it is asked for; `None` only if the
    /// encoder failed, which writing to memory does not.
    pub(crate) fn gzip(&self, format: Format) -> Option<Bytes> {
        let compress = || {
            let mut encoder = GzEncoder::new(Vec::with_capacity(CHUNK), Compression::fast());
            let mut failed = false;
            self.each_chunk(format, |chunk| failed |= encoder.write_all(chunk.as_bytes()).is_err());
            let mut out = encoder.finish().ok().filter(|_| !failed)?;
            out.shrink_to_fit();
            Some(Bytes::from(out))
        };
        self.bodies[slot(format, Encoding::Gzip)].get_or_init(compress).clone()
    }

    /// The text of `format`, rendered now and not kept.
    pub(crate) fn render(&self, format: Format) -> String {
        let mut size = 0;
        self.each_chunk(format, |chunk| size += chunk.len());
        let mut out = String::with_capacity(size);
        self.each_chunk(format, |chunk| out.push_str(chunk));
        out
    }

    /// The text of `format`, in pieces of about [`CHUNK`] bytes, written one at a time as
    /// they are taken; each holds the exposition, so that a poll that ends meanwhile changes
    /// nothing of it.
    pub(crate) fn chunks(self: &Arc<Self>, format: Format) -> Chunks {
        let plan = Plan::new(&self.fragments, format);
        Chunks { exposition: Arc::clone(self), plan, cursor: Cursor::default() }
    }

    /// Calls `f` with each piece of the text of `format`, in order, from one buffer.
    fn each_chunk(&self, format: Format, mut f: impl FnMut(&str)) {
        let plan = Plan::new(&self.fragments, format);
        let mut cursor = Cursor::default();
        let mut buffer = String::with_capacity(CHUNK + 1024);
        while !cursor.done {
            buffer.clear();
            plan.write(&self.fragments, &mut cursor, &mut buffer);
            f(&buffer);
        }
    }
}

/// Where a format and coding is kept in [`Exposition::bodies`].
fn slot(format: Format, encoding: Encoding) -> usize {
    let f = match format {
        Format::OpenMetrics => 0,
        Format::Text => 1,
    };
    match encoding {
        Encoding::Identity => f,
        Encoding::Gzip => f + 2,
    }
}

impl fmt::Debug for Exposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |i: usize| self.bodies[i].get().map(|b| b.as_ref().map(Bytes::len));
        f.debug_struct("Exposition")
            .field("fragments", &self.fragments.len())
            .field("openmetrics_bytes", &len(0))
            .field("text_bytes", &len(1))
            .field("openmetrics_gzip_bytes", &len(2))
            .field("text_gzip_bytes", &len(3))
            .finish()
    }
}

/// The text of an exposition in one format, written a piece at a time: an iterator, and a
/// stream for an HTTP body.
pub(crate) struct Chunks {
    exposition: Arc<Exposition>,
    plan: Plan,
    cursor: Cursor,
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        if self.cursor.done {
            return None;
        }
        let mut out = String::with_capacity(CHUNK + 1024);
        self.plan.write(&self.exposition.fragments, &mut self.cursor, &mut out);
        Some(Bytes::from(out))
    }
}

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.get_mut().next().map(Ok))
    }
}

impl fmt::Debug for Chunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunks").field("done", &self.cursor.done).finish_non_exhaustive()
    }
}

/// A line of a fragment: the fragment's index, and the line's bounds in its text.
#[derive(Clone, Copy)]
struct Span {
    fragment: usize,
    start: usize,
    end: usize,
}

impl Span {
    fn text(self, fragments: &[Arc<Fragment>]) -> &str {
        &fragments[self.fragment].text[self.start..self.end]
    }
}

/// One sample source of a family: a line of a fragment, or the per-desktop series of the
/// fragment of that index.
#[derive(Clone, Copy)]
enum Samples {
    Line(Span),
    Status(usize),
    Info(usize),
}

/// One metric family of the exposition: its descriptor lines and its samples.
#[derive(Default)]
struct Family {
    descriptor: Vec<Span>,
    samples: Vec<Samples>,
}

/// What to write, in order: the fragments merged into families (each family once, its
/// descriptor from the first fragment that has it, its samples from every fragment in order,
/// families in the order first seen), in a format.
struct Plan {
    families: Vec<Family>,
    format: Format,
    /// With the Prometheus text format, the names of the counters, whose `HELP` and `TYPE`
    /// lines name them with `_total`.
    counters: Vec<String>,
}

/// How far a [`Plan`] has been written.
#[derive(Default)]
struct Cursor {
    family: usize,
    /// The descriptor lines, then the samples of the family.
    step: usize,
    /// The next desktop, in per-desktop samples.
    desktop: usize,
    done: bool,
}

impl Plan {
    fn new(fragments: &[Arc<Fragment>], format: Format) -> Self {
        let mut order: Vec<&str> = Vec::new();
        let mut families: HashMap<&str, Family> = HashMap::new();
        for (index, fragment) in fragments.iter().enumerate() {
            // The family the lines being read belong to, and whether this fragment introduced it.
            let mut current: Option<(&str, bool)> = None;
            let mut start = 0;
            for line in fragment.text.split_inclusive('\n') {
                let span = Span { fragment: index, start, end: start + line.trim_end_matches('\n').len() };
                start += line.len();
                let line = span.text(fragments);
                if line == "# EOF" {
                    continue;
                }
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
                        family.descriptor.push(span);
                    }
                } else if let Some((name, _)) = current {
                    families.entry(name).or_default().samples.push(Samples::Line(span));
                }
            }
            if fragment.per_desktop.is_some() {
                if let Some(family) = families.get_mut(DESKTOP_STATUS) {
                    family.samples.push(Samples::Status(index));
                }
                if let Some(family) = families.get_mut(DESKTOP_INFO) {
                    family.samples.push(Samples::Info(index));
                }
            }
        }
        let families: Vec<Family> = order.into_iter().filter_map(|name| families.remove(name)).collect();
        let counters = match format {
            Format::OpenMetrics => Vec::new(),
            Format::Text => counter_names(families.iter().flat_map(|f| &f.descriptor).map(|span| span.text(fragments)))
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        Self { families, format, counters }
    }

    /// Writes what comes after `cursor` into `out` until it holds [`CHUNK`] bytes or more, or
    /// all is written (then `cursor.done`): OpenMetrics with its closing `# EOF`, or the
    /// Prometheus text format.
    fn write(&self, fragments: &[Arc<Fragment>], cursor: &mut Cursor, out: &mut String) {
        let counters: Vec<&str> = self.counters.iter().map(String::as_str).collect();
        while let Some(family) = self.families.get(cursor.family) {
            if out.len() >= CHUNK {
                return;
            }
            let described = family.descriptor.len();
            if let Some(span) = family.descriptor.get(cursor.step) {
                match self.format {
                    Format::OpenMetrics => out.push_str(span.text(fragments)),
                    Format::Text => put_text_line(span.text(fragments), &counters, &mut |s| out.push_str(s)),
                }
                out.push('\n');
                cursor.step += 1;
                continue;
            }
            let Some(samples) = family.samples.get(cursor.step - described) else {
                (cursor.family, cursor.step) = (cursor.family + 1, 0);
                continue;
            };
            let finished = match *samples {
                Samples::Line(span) => {
                    out.push_str(span.text(fragments));
                    out.push('\n');
                    true
                }
                Samples::Status(index) => write_status(&fragments[index], &mut cursor.desktop, out),
                Samples::Info(index) => write_info(&fragments[index], &mut cursor.desktop, out),
            };
            if finished {
                (cursor.step, cursor.desktop) = (cursor.step + 1, 0);
            }
        }
        if self.format == Format::OpenMetrics {
            out.push_str("# EOF\n");
        }
        cursor.done = true;
    }
}

/// `name{labels,` (or `name{` without constant labels): what every series of a target's
/// per-desktop family starts with.
fn series_prefix(name: &str, labels: &str) -> String {
    let comma = if labels.is_empty() { "" } else { "," };
    format!("{name}{{{labels}{comma}")
}

/// Writes the lines of `huaweicloud_workspace_desktop_status` from the desktop `next` on, as
/// the encoder writes a gauge of label set `desktop_id`, until `out` holds [`CHUNK`] bytes;
/// whether all are written.
fn write_status(fragment: &Fragment, next: &mut usize, out: &mut String) -> bool {
    let Some(series) = &fragment.per_desktop else { return true };
    let prefix = series_prefix(DESKTOP_STATUS, &series.labels);
    for desktop in series.desktops.series_from(*next) {
        if out.len() >= CHUNK {
            return false;
        }
        *next += 1;
        let Some(status) = desktop.status else { continue };
        out.push_str(&prefix);
        out.push_str("desktop_id=\"");
        out.push_str(desktop.id);
        out.push_str("\"} ");
        out.push_str(&code(status));
        out.push('\n');
    }
    true
}

/// Writes the lines of `huaweicloud_workspace_desktop_info` from the desktop `next` on, as the
/// encoder writes a gauge of label set `desktop_id`, `desktop_name` and value 1, until `out`
/// holds [`CHUNK`] bytes; whether all are written.
fn write_info(fragment: &Fragment, next: &mut usize, out: &mut String) -> bool {
    let Some(series) = &fragment.per_desktop else { return true };
    let prefix = series_prefix(DESKTOP_INFO, &series.labels);
    for desktop in series.desktops.series_from(*next) {
        if out.len() >= CHUNK {
            return false;
        }
        *next += 1;
        if !desktop.info {
            continue;
        }
        out.push_str(&prefix);
        out.push_str("desktop_id=\"");
        out.push_str(desktop.id);
        out.push_str("\",desktop_name=\"");
        out.push_str(desktop.name);
        out.push_str("\"} 1\n");
    }
    true
}

/// A status code as text.
fn code(status: i8) -> Cow<'static, str> {
    match status {
        -1 => Cow::Borrowed("-1"),
        0 => Cow::Borrowed("0"),
        1 => Cow::Borrowed("1"),
        2 => Cow::Borrowed("2"),
        3 => Cow::Borrowed("3"),
        n => Cow::Owned(n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::GzDecoder;
    use prometheus_client::encoding::text::encode;
    use prometheus_client::metrics::family::Family as Series;
    use prometheus_client::metrics::gauge::Gauge;
    use prometheus_client::registry::Registry;
    use workspace_core::types::{ConnectDesktopsInfo, ConnectStatus};

    use super::*;
    use crate::labels::{DesktopInfoLabels, DesktopLabels, escape};
    use crate::metrics::{DESKTOP_INFO_HELP, DESKTOP_STATUS_HELP, register_per_desktop};
    use crate::snapshot::{Snapshot, status_code};

    const OPENMETRICS: &str =
        "# HELP c Counter.\n# TYPE c counter\nc_total{k=\"v\"} 2\n# HELP g Gauge.\n# TYPE g gauge\ng 1\n# EOF\n";

    fn text(fragments: &[&str]) -> Exposition {
        Exposition::new(fragments.iter().map(|t| Arc::new(Fragment::new((*t).to_owned(), None, &[]))).collect())
    }

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        GzDecoder::new(bytes).read_to_string(&mut text).unwrap_or_else(|e| panic!("not gzip: {e}"));
        text
    }

    #[test]
    fn every_body_is_shared_not_copied() {
        let exposition = text(&[OPENMETRICS]);
        for format in [Format::OpenMetrics, Format::Text] {
            for encoding in [Encoding::Identity, Encoding::Gzip] {
                let (a, coded) = exposition.body(format, encoding);
                let (b, _) = exposition.body(format, encoding);
                assert_eq!(coded, encoding);
                assert_eq!(a.as_ptr(), b.as_ptr(), "{format:?} {encoding:?}: the same allocation");
            }
        }
    }

    #[test]
    fn a_body_is_rendered_only_when_asked_for() {
        let exposition = text(&[OPENMETRICS]);
        let _ = exposition.body(Format::OpenMetrics, Encoding::Gzip);
        let debug = format!("{exposition:?}");
        assert!(debug.contains("openmetrics_bytes: None, text_bytes: None"), "{debug}");
        assert!(debug.contains("openmetrics_gzip_bytes: Some(Some("), "{debug}");
        assert!(debug.contains("text_gzip_bytes: None"), "{debug}");
    }

    #[test]
    fn gzip_decodes_to_the_same_text() {
        let exposition = text(&[OPENMETRICS]);
        for format in [Format::OpenMetrics, Format::Text] {
            let (plain, _) = exposition.body(format, Encoding::Identity);
            let (gzip, _) = exposition.body(format, Encoding::Gzip);
            assert_eq!(gunzip(&gzip).as_bytes(), &plain[..]);
        }
        assert_eq!(&exposition.body(Format::OpenMetrics, Encoding::Identity).0[..], OPENMETRICS.as_bytes());
        assert!(!String::from_utf8_lossy(&exposition.body(Format::Text, Encoding::Identity).0).contains("# EOF"));
    }

    #[test]
    fn gzip_is_served_when_asked_for() {
        assert_eq!(Encoding::negotiate(Some("gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("deflate, GZIP;q=0.5, br")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("gzip;q=0")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("identity, br")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
    }

    #[test]
    fn each_family_appears_once_with_every_fragments_samples() {
        let a = "# HELP up Up.\n# TYPE up gauge\nup{project_id=\"a\"} 1\n# HELP d D.\n# TYPE d gauge\nd{project_id=\"a\"} 3\n# EOF\n";
        let b = "# HELP up Up.\n# TYPE up gauge\nup{project_id=\"b\"} 0\n# HELP only_b B.\n# TYPE only_b counter\nonly_b_total{project_id=\"b\"} 2\n";
        assert_eq!(
            text(&[a, b]).render(Format::OpenMetrics),
            "# HELP up Up.\n# TYPE up gauge\nup{project_id=\"a\"} 1\nup{project_id=\"b\"} 0\n\
             # HELP d D.\n# TYPE d gauge\nd{project_id=\"a\"} 3\n\
             # HELP only_b B.\n# TYPE only_b counter\nonly_b_total{project_id=\"b\"} 2\n# EOF\n"
        );
    }

    #[test]
    fn a_fragment_alone_is_unchanged() {
        let a = "# HELP c C.\n# TYPE c counter\n# UNIT c seconds\nc_total 1\n";
        assert_eq!(text(&[a]).render(Format::OpenMetrics), format!("{a}# EOF\n"));
    }

    /// Desktops with names that need escaping, and desktops without an id, which share one.
    fn odd_fleet() -> Vec<ConnectDesktopsInfo> {
        let mut list: Vec<ConnectDesktopsInfo> = (0..40)
            .map(|i| {
                let status = ["CONNECTED", "DISCONNECTED", "REGISTERED", "UNREGISTER", "NEW"][i % 5];
                ConnectDesktopsInfo::new(format!("id-{i}"), format!("wks \"{i}\"\\\n研发"), status.into(), Vec::new())
            })
            .collect();
        for (name, status) in [("a", "CONNECTED"), ("b", "DISCONNECTED"), ("a", "REGISTERED")] {
            let mut d = ConnectDesktopsInfo::new("", name, ConnectStatus::from(status), Vec::new());
            d.desktop_id = None;
            list.push(d);
        }
        list
    }

    /// The per-desktop families as the encoder writes them from maps of label sets.
    fn encoded(list: &[ConnectDesktopsInfo], constant: &[(&'static str, String)]) -> String {
        let labels = constant.iter().map(|(k, v)| (Cow::Borrowed(*k), Cow::Owned(v.clone())));
        let mut r = Registry::with_labels(labels);
        let status: Series<DesktopLabels, Gauge> = Series::default();
        let info: Series<DesktopInfoLabels, Gauge> = Series::default();
        for d in list {
            let desktop_id = escape(d.id());
            info.get_or_create(&DesktopInfoLabels { desktop_id: desktop_id.clone(), desktop_name: escape(d.name()) })
                .set(1);
            status.get_or_create(&DesktopLabels { desktop_id }).set(i64::from(status_code(d.status())));
        }
        r.register(DESKTOP_STATUS, DESKTOP_STATUS_HELP, status);
        r.register(DESKTOP_INFO, DESKTOP_INFO_HELP, info);
        let mut out = String::new();
        encode(&mut out, &r).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    /// The fragment of the per-desktop families alone, as a target renders it.
    fn fragment(desktops: &Arc<PerDesktop>, constant: &[(&'static str, String)]) -> Fragment {
        let labels = constant.iter().map(|(k, v)| (Cow::Borrowed(*k), Cow::Owned(v.clone())));
        let mut r = Registry::with_labels(labels);
        register_per_desktop(&mut r, desktops);
        let mut text = String::new();
        encode(&mut text, &r).unwrap_or_else(|e| panic!("{e}"));
        Fragment::new(text, Some(Arc::clone(desktops)), constant)
    }

    /// The lines sorted, and the lines other than samples in their order.
    fn shape(text: &str) -> (Vec<&str>, Vec<&str>) {
        let mut sorted: Vec<&str> = text.lines().collect();
        sorted.sort_unstable();
        (sorted, text.lines().filter(|l| l.starts_with('#')).collect())
    }

    #[test]
    fn per_desktop_series_are_written_as_the_encoder_writes_them() {
        let list = odd_fleet();
        let snapshot = Snapshot::from_desktops(&list, true);
        let desktops = snapshot.per_desktop.unwrap_or_else(|| panic!("per-desktop series"));
        for constant in [vec![("project_id", "p1".to_owned()), ("region", "cn-north-4".to_owned())], Vec::new()] {
            let reference = encoded(&list, &constant);
            let exposition = Exposition::new(vec![Arc::new(fragment(&desktops, &constant))]);
            let ours = exposition.render(Format::OpenMetrics);
            assert_eq!(shape(&ours), shape(&reference), "{ours}\n---\n{reference}");
            assert_eq!(ours.matches("desktop_id=\"\"").count(), 3, "one status series, two info series: {ours}");
            assert!(ours.contains("desktop_id=\"\"} 1\n"), "the last status of the shared id: {ours}");
            let gzip = exposition.body(Format::OpenMetrics, Encoding::Gzip).0;
            assert_eq!(gunzip(&gzip), ours);
        }
    }

    #[test]
    fn no_desktop_no_per_desktop_family() {
        let snapshot = Snapshot::from_desktops(&[], true);
        let desktops = snapshot.per_desktop.unwrap_or_else(|| panic!("per-desktop series"));
        let exposition = Exposition::new(vec![Arc::new(fragment(&desktops, &[]))]);
        assert_eq!(exposition.render(Format::OpenMetrics), encoded(&[], &[]));
        assert_eq!(exposition.render(Format::OpenMetrics), "# EOF\n");
    }

    #[test]
    fn the_pieces_of_a_body_make_the_whole_text() {
        let list: Vec<ConnectDesktopsInfo> = (0..3000)
            .map(|i| {
                ConnectDesktopsInfo::new(format!("id-{i}"), format!("wks-{i}"), ConnectStatus::Connected, Vec::new())
            })
            .collect();
        let desktops = Snapshot::from_desktops(&list, true).per_desktop.unwrap_or_else(|| panic!("per-desktop series"));
        let constant = [("project_id", "p1".to_owned()), ("region", "cn-north-4".to_owned())];
        let exposition = Arc::new(Exposition::new(vec![
            Arc::new(Fragment::new(OPENMETRICS.to_owned(), None, &[])),
            Arc::new(fragment(&desktops, &constant)),
            Arc::new(fragment(&desktops, &constant[..1])),
        ]));
        for format in [Format::OpenMetrics, Format::Text] {
            let whole = exposition.render(format);
            let pieces: Vec<Bytes> = exposition.chunks(format).collect();
            assert!(pieces.len() > 4, "{} pieces", pieces.len());
            assert!(pieces.iter().all(|p| p.len() < CHUNK + 1024), "no piece much past the size");
            assert_eq!(pieces.concat(), whole.as_bytes(), "{format:?}");
            assert_eq!(whole.matches("huaweicloud_workspace_desktop_info{").count(), 6000);
            assert_eq!(&exposition.body(format, Encoding::Identity).0[..], whole.as_bytes());
            assert_eq!(gunzip(&exposition.body(format, Encoding::Gzip).0), whole);
        }
    }

    #[test]
    fn per_desktop_series_keep_the_order_read() {
        let list = odd_fleet();
        let snapshot = Snapshot::from_desktops(&list, true);
        let desktops = snapshot.per_desktop.unwrap_or_else(|| panic!("per-desktop series"));
        let text = Exposition::new(vec![Arc::new(fragment(&desktops, &[]))]).render(Format::Text);
        let ids: Vec<&str> =
            text.lines().filter(|l| l.starts_with(DESKTOP_STATUS)).filter_map(|l| l.split('"').nth(1)).collect();
        let expected: Vec<String> = (0..40).map(|i| format!("id-{i}")).chain([String::new()]).collect();
        assert_eq!(ids, expected);
    }
}
