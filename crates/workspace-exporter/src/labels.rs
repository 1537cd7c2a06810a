//! Label sets, and label values made safe for the text format.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use prometheus_client::encoding::EncodeLabelSet;
use workspace_core::types::ConnectStatus;

/// `connect_status` of the per-status gauge: one of the documented four, or `other`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct StatusLabels {
    pub(crate) connect_status: String,
}

/// One desktop of the per-desktop status gauge, as a map of label sets holds it (the
/// exposition writes these series from their compact form; tests compare it with this).
#[cfg(test)]
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct DesktopLabels {
    pub(crate) desktop_id: String,
}

/// One desktop of the per-desktop info metric, as a map of label sets holds it.
#[cfg(test)]
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct DesktopInfoLabels {
    pub(crate) desktop_id: String,
    pub(crate) desktop_name: String,
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
    escape_into(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`escape`] does.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['\\', '"', '\n']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            _ => "\\n",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// The most distinct error codes of the service kept as label values; codes seen after that are
/// counted as `other`, so that a hostile or broken service cannot create unbounded series.
pub(crate) const MAX_ERROR_CODES: usize = 50;

/// The longest error code kept as a label value.
const MAX_ERROR_CODE_LEN: usize = 32;

/// Whether `code` has the documented shape of an error code: letters, a dot, digits
/// (`APIGW.0301`, `WKS.0001`), at most 32 characters.
fn is_error_code(code: &str) -> bool {
    let Some((letters, digits)) = code.split_once('.') else { return false };
    code.len() <= MAX_ERROR_CODE_LEN
        && !letters.is_empty()
        && !digits.is_empty()
        && letters.bytes().all(|b| b.is_ascii_alphabetic())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The `error_code` label values: `none` for a body without a code, the code itself when it has
/// the documented shape and is one of the first [`MAX_ERROR_CODES`] distinct codes seen, else
/// `other`.
#[derive(Debug, Default)]
pub(crate) struct ErrorCodes {
    kept: Mutex<HashSet<String>>,
}

impl ErrorCodes {
    /// The label value of `code`, which may admit it among the kept codes.
    pub(crate) fn label(&self, code: Option<&str>) -> String {
        let Some(code) = code else { return "none".to_owned() };
        if !is_error_code(code) {
            return "other".to_owned();
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.contains(code) {
            return code.to_owned();
        }
        if kept.len() < MAX_ERROR_CODES {
            kept.insert(code.to_owned());
            return code.to_owned();
        }
        "other".to_owned()
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
    fn error_codes_of_the_documented_shape_are_kept_and_others_are_other() {
        let codes = ErrorCodes::default();
        assert_eq!(codes.label(Some("APIGW.0301")), "APIGW.0301");
        assert_eq!(codes.label(Some("WKS.00000003")), "WKS.00000003");
        assert_eq!(codes.label(None), "none");
        for odd in ["x\"}", "APIGW-0301", "APIGW.03a1", ".0301", "APIGW.", "APIGW.0301.1", "", "研发.1"] {
            assert_eq!(codes.label(Some(odd)), "other", "{odd:?}");
        }
        assert_eq!(codes.label(Some(&format!("A.{}", "1".repeat(31)))), "other", "too long");
    }

    #[test]
    fn at_most_fifty_distinct_codes_are_kept() {
        let codes = ErrorCodes::default();
        let kept: Vec<String> = (0..MAX_ERROR_CODES).map(|i| codes.label(Some(&format!("WKS.{i:04}")))).collect();
        assert_eq!(kept[49], "WKS.0049");
        assert_eq!(codes.label(Some("WKS.9999")), "other", "the 51st distinct code");
        assert_eq!(codes.label(Some("WKS.0007")), "WKS.0007", "a kept code stays kept");
    }

    #[test]
    fn unknown_statuses_are_other() {
        assert_eq!(status_class(Some(&ConnectStatus::Connected)), "CONNECTED");
        assert_eq!(status_class(Some(&ConnectStatus::from("NEW"))), "other");
        assert_eq!(status_class(None), "other");
    }
}
