//! What `/metrics` serves: the metrics of every target and of the process merged into one
//! exposition, each format and content coding rendered when first asked for and then shared by
//! every scrape.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, OnceLock};

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
/// fragments are shared, not copied. A body is rendered the first time a scrape asks for that
/// format and coding, and every later scrape until the next poll clones [`Bytes`] that point to
/// the same memory, so that it costs no allocation in proportion to the output, however many
/// clients ask and however slowly they read. A format and coding nobody asks for is never
/// rendered, and a gzip body is compressed as it is written, without the text in memory.
pub struct Exposition {
    fragments: Vec<Arc<Fragment>>,
    /// OpenMetrics, text, OpenMetrics gzip, text gzip; a gzip body is `None` only if the encoder
    /// failed, which writing to memory does not.
    bodies: [OnceLock<Option<Bytes>>; 4],
}

impl Exposition {
    /// The exposition of these fragments, in this order; nothing is rendered yet.
    pub(crate) fn new(fragments: Vec<Arc<Fragment>>) -> Self {
        Self { fragments, bodies: Default::default() }
    }

    /// The body of `format` in the coding asked for, and the coding it is in: gzip when asked
    /// for (and compressed, which always succeeds in practice), else the text as it is. The
    /// first call for a format and coding renders it; later ones share the same bytes.
    pub fn body(&self, format: Format, encoding: Encoding) -> (Bytes, Encoding) {
        let slot = |n: usize| match format {
            Format::OpenMetrics => n,
            Format::Text => n + 1,
        };
        if encoding == Encoding::Gzip {
            let gzip = self.bodies[slot(2)].get_or_init(|| self.gzip(format));
            if let Some(bytes) = gzip {
                return (bytes.clone(), Encoding::Gzip);
            }
        }
        let plain = self.bodies[slot(0)].get_or_init(|| Some(Bytes::from(self.render(format))));
        (plain.clone().unwrap_or_default(), Encoding::Identity)
    }

    /// The text of `format`, rendered now and not kept.
    pub(crate) fn render(&self, format: Format) -> String {
        let families = merge(&self.fragments);
        let mut size = 0usize;
        write(&families, format, &mut |s: &str| size += s.len());
        let mut out = String::with_capacity(size);
        write(&families, format, &mut |s: &str| out.push_str(s));
        out
    }

    /// The text of `format` compressed with gzip as it is written; `None` only if the encoder
    /// fails, which writing to memory does not.
    fn gzip(&self, format: Format) -> Option<Bytes> {
        let families = merge(&self.fragments);
        let mut size = 0usize;
        write(&families, format, &mut |s: &str| size += s.len());
        let mut sink = GzipSink::new(size / 6 + 64);
        write(&families, format, &mut |s: &str| sink.put(s));
        sink.finish().map(Bytes::from)
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

/// A gzip encoder fed through a buffer, so that it compresses large pieces rather than each
/// label value alone.
struct GzipSink {
    buffer: String,
    encoder: GzEncoder<Vec<u8>>,
    failed: bool,
}

impl GzipSink {
    /// How much text is gathered before it is compressed.
    const BUFFER: usize = 64 * 1024;

    fn new(capacity: usize) -> Self {
        Self {
            buffer: String::with_capacity(Self::BUFFER),
            encoder: GzEncoder::new(Vec::with_capacity(capacity), Compression::fast()),
            failed: false,
        }
    }

    fn put(&mut self, s: &str) {
        self.buffer.push_str(s);
        if self.buffer.len() >= Self::BUFFER - 1024 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.failed |= self.encoder.write_all(self.buffer.as_bytes()).is_err();
        self.buffer.clear();
    }

    fn finish(mut self) -> Option<Vec<u8>> {
        self.flush();
        let mut out = self.encoder.finish().ok().filter(|_| !self.failed)?;
        out.shrink_to_fit();
        Some(out)
    }
}

/// One sample source of a family: a line of a fragment, or a target's per-desktop series.
enum Samples<'a> {
    Line(&'a str),
    Status(&'a PerDesktopSeries),
    Info(&'a PerDesktopSeries),
}

/// One metric family of the exposition: its descriptor lines and its samples.
#[derive(Default)]
struct Family<'a> {
    descriptor: Vec<&'a str>,
    samples: Vec<Samples<'a>>,
}

/// Fragments merged into families: each family once, its descriptor from the first fragment
/// that has it, its samples from every fragment in order, families in the order first seen.
fn merge(fragments: &[Arc<Fragment>]) -> Vec<Family<'_>> {
    let mut order: Vec<&str> = Vec::new();
    let mut families: HashMap<&str, Family<'_>> = HashMap::new();
    for fragment in fragments {
        // The family the lines being read belong to, and whether this fragment introduced it.
        let mut current: Option<(&str, bool)> = None;
        for line in fragment.text.lines().filter(|l| *l != "# EOF") {
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
                families.entry(name).or_default().samples.push(Samples::Line(line));
            }
        }
        if let Some(series) = &fragment.per_desktop {
            if let Some(family) = families.get_mut(DESKTOP_STATUS) {
                family.samples.push(Samples::Status(series));
            }
            if let Some(family) = families.get_mut(DESKTOP_INFO) {
                family.samples.push(Samples::Info(series));
            }
        }
    }
    order.into_iter().filter_map(|name| families.remove(name)).collect()
}

/// Writes the families in `format` through `put`: OpenMetrics with its closing `# EOF`, or the
/// Prometheus text format.
fn write(families: &[Family<'_>], format: Format, put: &mut dyn FnMut(&str)) {
    let counters = match format {
        Format::OpenMetrics => Vec::new(),
        Format::Text => counter_names(families.iter().flat_map(|f| f.descriptor.iter().copied())),
    };
    for family in families {
        for line in &family.descriptor {
            match format {
                Format::OpenMetrics => put(line),
                Format::Text => put_text_line(line, &counters, put),
            }
            put("\n");
        }
        for samples in &family.samples {
            match samples {
                Samples::Line(line) => {
                    put(line);
                    put("\n");
                }
                Samples::Status(series) => write_status(series, put),
                Samples::Info(series) => write_info(series, put),
            }
        }
    }
    if format == Format::OpenMetrics {
        put("# EOF\n");
    }
}

/// `name{labels,` (or `name{` without constant labels): what every series of a target's
/// per-desktop family starts with.
fn series_prefix(name: &str, labels: &str) -> String {
    let comma = if labels.is_empty() { "" } else { "," };
    format!("{name}{{{labels}{comma}")
}

/// The lines of `huaweicloud_workspace_desktop_status`, as the encoder writes a gauge of
/// label set `desktop_id`.
fn write_status(series: &PerDesktopSeries, put: &mut dyn FnMut(&str)) {
    let prefix = series_prefix(DESKTOP_STATUS, &series.labels);
    for desktop in series.desktops.series() {
        let Some(status) = desktop.status else { continue };
        put(&prefix);
        put("desktop_id=\"");
        put(desktop.id);
        put("\"} ");
        put(&code(status));
        put("\n");
    }
}

/// The lines of `huaweicloud_workspace_desktop_info`, as the encoder writes a gauge of label
/// set `desktop_id`, `desktop_name` and value 1.
fn write_info(series: &PerDesktopSeries, put: &mut dyn FnMut(&str)) {
    let prefix = series_prefix(DESKTOP_INFO, &series.labels);
    for desktop in series.desktops.series().filter(|d| d.info) {
        put(&prefix);
        put("desktop_id=\"");
        put(desktop.id);
        put("\",desktop_name=\"");
        put(desktop.name);
        put("\"} 1\n");
    }
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
