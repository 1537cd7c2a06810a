//! Every metric rendered once, in each format and content coding, and shared by every scrape.

use std::fmt;
use std::io::Write;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::format::{Format, to_text};

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

/// Every metric, rendered once in both formats, as they are and compressed with gzip.
///
/// The exporter renders one after each poll and serves it to every scrape until the next: a
/// scrape clones [`Bytes`] that point to the same memory, so that it costs no allocation in
/// proportion to the output, however many clients ask and however slowly they read.
#[derive(Clone)]
pub struct Exposition {
    openmetrics: Bytes,
    text: Bytes,
    openmetrics_gzip: Option<Bytes>,
    text_gzip: Option<Bytes>,
}

impl Exposition {
    /// The exposition of `openmetrics`, the OpenMetrics text of every metric.
    pub(crate) fn new(openmetrics: String) -> Self {
        let text = Bytes::from(to_text(&openmetrics));
        let openmetrics = Bytes::from(openmetrics);
        Self { openmetrics_gzip: gzip(&openmetrics), text_gzip: gzip(&text), openmetrics, text }
    }

    /// The body of `format` in the coding asked for, and the coding it is in: gzip when asked
    /// for (and compressed, which always succeeds in practice), else the text as it is. The
    /// bytes are shared, not copied.
    pub fn body(&self, format: Format, encoding: Encoding) -> (Bytes, Encoding) {
        let (plain, gzip) = match format {
            Format::OpenMetrics => (&self.openmetrics, &self.openmetrics_gzip),
            Format::Text => (&self.text, &self.text_gzip),
        };
        match (encoding, gzip) {
            (Encoding::Gzip, Some(gzip)) => (gzip.clone(), Encoding::Gzip),
            _ => (plain.clone(), Encoding::Identity),
        }
    }
}

impl fmt::Debug for Exposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |b: &Option<Bytes>| b.as_ref().map(Bytes::len);
        f.debug_struct("Exposition")
            .field("openmetrics_bytes", &self.openmetrics.len())
            .field("text_bytes", &self.text.len())
            .field("openmetrics_gzip_bytes", &len(&self.openmetrics_gzip))
            .field("text_gzip_bytes", &len(&self.text_gzip))
            .finish()
    }
}

/// `data` compressed with gzip; `None` only if the encoder fails, which writing to memory does not.
fn gzip(data: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 8 + 64), Compression::default());
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::GzDecoder;

    use super::*;

    const OPENMETRICS: &str =
        "# HELP c Counter.\n# TYPE c counter\nc_total{k=\"v\"} 2\n# HELP g Gauge.\n# TYPE g gauge\ng 1\n# EOF\n";

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        GzDecoder::new(bytes).read_to_string(&mut text).unwrap_or_else(|e| panic!("not gzip: {e}"));
        text
    }

    #[test]
    fn every_body_is_shared_not_copied() {
        let exposition = Exposition::new(OPENMETRICS.to_owned());
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
    fn gzip_decodes_to_the_same_text() {
        let exposition = Exposition::new(OPENMETRICS.to_owned());
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
}
