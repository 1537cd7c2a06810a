//! Label sets, and label values made safe for the text format.

use prometheus_client::encoding::EncodeLabelSet;
use workspace_core::types::ConnectStatus;

/// `connect_status` of the per-status gauge: one of the documented four, or `other`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct StatusLabels {
    pub(crate) connect_status: String,
}

/// One desktop of the per-desktop gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct DesktopLabels {
    pub(crate) desktop_id: String,
    pub(crate) desktop_name: String,
    pub(crate) connect_status: String,
}

/// A change of status; `absent` stands for a desktop that appeared or disappeared.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct TransitionLabels {
    pub(crate) from: String,
    pub(crate) to: String,
}

/// The outcome of one HTTP exchange: the status code, or `transport_error`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub(crate) status: String,
}

/// The service's error code of a failed exchange.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ErrorLabels {
    pub(crate) error_code: String,
}

/// The status label of the per-status gauge and of transitions: a documented status as the API
/// spells it, else `other` (so that the number of series stays bounded).
pub(crate) fn status_class(status: Option<&ConnectStatus>) -> &str {
    match status {
        Some(s) if s.is_known() => s.as_str(),
        _ => "other",
    }
}

/// `text` escaped as the text format requires inside a label value (the encoder writes label
/// values as they are): backslash, double quote and line feed.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// An error code as a label value: at most 64 characters of letters, digits, `.`, `_` and `-`,
/// else `invalid`, so that a strange body cannot create unbounded or unreadable series.
pub(crate) fn error_code(code: Option<&str>) -> String {
    match code {
        None => "none".to_owned(),
        Some(c)
            if !c.is_empty()
                && c.len() <= 64
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')) =>
        {
            c.to_owned()
        }
        Some(_) => "invalid".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\\b\"c\nd 研发"), "a\\\\b\\\"c\\nd 研发");
    }

    #[test]
    fn error_codes_are_bounded() {
        assert_eq!(error_code(Some("APIGW.0301")), "APIGW.0301");
        assert_eq!(error_code(Some("x\"}")), "invalid");
        assert_eq!(error_code(Some(&"A".repeat(65))), "invalid");
        assert_eq!(error_code(None), "none");
    }

    #[test]
    fn unknown_statuses_are_other() {
        assert_eq!(status_class(Some(&ConnectStatus::Connected)), "CONNECTED");
        assert_eq!(status_class(Some(&ConnectStatus::from("NEW"))), "other");
        assert_eq!(status_class(None), "other");
    }
}
