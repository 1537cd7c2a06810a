//! The two exposition formats: OpenMetrics, as the encoder writes it, and the Prometheus text
//! format 0.0.4 that older parsers (`promtool check metrics`) and plain clients read.

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0 text, which Prometheus asks for.
    OpenMetrics,
    /// The Prometheus text format 0.0.4.
    Text,
}

impl Format {
    /// The format a client's `Accept` header asks for: OpenMetrics when it names it, else the
    /// Prometheus text format.
    pub fn negotiate(accept: Option<&str>) -> Self {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Text,
        }
    }

    /// The `Content-Type` of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// OpenMetrics text as the Prometheus text format: the two differ, for what this exporter
/// writes, only in that a counter's `HELP` and `TYPE` lines name it with its `_total` suffix,
/// and that there is no `# EOF`.
#[cfg(test)]
pub(crate) fn to_text(openmetrics: &str) -> String {
    let counters = counter_names(openmetrics.lines());
    let mut out = String::with_capacity(openmetrics.len() + 32 * counters.len());
    for line in openmetrics.lines().filter(|l| *l != "# EOF") {
        put_text_line(line, &counters, &mut |s| out.push_str(s));
        out.push('\n');
    }
    out
}

/// The names of the counters among OpenMetrics `lines`: those of their `# TYPE … counter` lines.
pub(crate) fn counter_names<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    lines.into_iter().filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter")).collect()
}

/// Writes one OpenMetrics line, without its line feed, as the Prometheus text format has it:
/// the `HELP` and `TYPE` lines of the `counters` name them with their `_total` suffix.
pub(crate) fn put_text_line(line: &str, counters: &[&str], put: &mut dyn FnMut(&str)) {
    let descriptor = ["# HELP ", "# TYPE "].into_iter().find_map(|p| {
        let rest = line.strip_prefix(p)?;
        let (name, tail) = rest.split_once(' ')?;
        counters.contains(&name).then_some((p, name, tail))
    });
    match descriptor {
        Some((p, name, tail)) => {
            put(p);
            put(name);
            put("_total ");
            put(tail);
        }
        None => put(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_named_with_their_suffix_and_eof_goes() {
        let om = "# HELP a_total_x Gauge.\n# TYPE a_total_x gauge\na_total_x 1\n# HELP c Counter.\n# TYPE c counter\nc_total{k=\"v\"} 2\n# EOF\n";
        assert_eq!(
            to_text(om),
            "# HELP a_total_x Gauge.\n# TYPE a_total_x gauge\na_total_x 1\n# HELP c_total Counter.\n# TYPE c_total counter\nc_total{k=\"v\"} 2\n"
        );
    }

    #[test]
    fn prometheus_gets_openmetrics_and_others_text() {
        let prometheus = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Text);
        assert_eq!(Format::negotiate(None), Format::Text);
    }
}
