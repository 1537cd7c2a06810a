//! The error returned when input breaks a documented rule.

use std::borrow::Cow;
use std::fmt;

/// How many characters of an offending value an error message repeats.
const VALUE_ECHO_CHARS: usize = 80;

/// What kind of rule a value broke, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValidationErrorKind {
    /// A required value was empty.
    Empty,
    /// A value was longer than allowed.
    TooLong,
    /// A value held a character that the rule does not allow.
    InvalidCharacter,
    /// A number was outside its documented range.
    OutOfRange,
    /// A list held more entries than allowed.
    TooMany,
    /// A value could not be read at all (for example a non-numeric offset).
    Malformed,
}

/// Input that breaks a documented rule. Nothing is sent when this is returned.
///
/// Its message names the field, the offending value and the rule:
///
/// ```
/// use workspace_types::ListDesktopsConnectStatusRequest;
///
/// let err = ListDesktopsConnectStatusRequest::builder().limit(5000).build().unwrap_err();
/// assert_eq!(err.field(), "limit");
/// assert_eq!(err.to_string(), "invalid limit 5000: must be between 0 and 2000");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} {value}: {rule}")]
pub struct ValidationError {
    field: Cow<'static, str>,
    value: String,
    rule: Cow<'static, str>,
    kind: ValidationErrorKind,
}

impl ValidationError {
    /// A new error for `field`, quoting `value` (bounded and escaped) and stating `rule`.
    pub fn new(
        kind: ValidationErrorKind,
        field: impl Into<Cow<'static, str>>,
        value: impl fmt::Display,
        rule: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self { field: field.into(), value: value.to_string(), rule: rule.into(), kind }
    }

    /// A new error about a text value: the value is quoted, escaped and cut to a readable length.
    pub fn text(
        kind: ValidationErrorKind,
        field: impl Into<Cow<'static, str>>,
        value: &str,
        rule: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(kind, field, quote(value), rule)
    }

    /// The field that failed, such as `limit` or `user_names[3]`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The offending value as shown in the message (text is quoted and escaped).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The rule the value broke.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The kind of rule that was broken.
    pub fn kind(&self) -> ValidationErrorKind {
        self.kind
    }
}

/// Quotes `value` the way Rust's `Debug` does (control characters escaped), cut at
/// [`VALUE_ECHO_CHARS`] characters so a huge input cannot flood a log line.
fn quote(value: &str) -> String {
    match value.char_indices().nth(VALUE_ECHO_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => {
            let rest = value[cut..].chars().count();
            format!("{:?}… ({rest} more characters)", &value[..cut])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_are_quoted_escaped_and_bounded() {
        let e = ValidationError::text(ValidationErrorKind::InvalidCharacter, "f", "a\r\nb", "rule");
        assert_eq!(e.to_string(), r#"invalid f "a\r\nb": rule"#);
        let long = "x".repeat(200);
        let e = ValidationError::text(ValidationErrorKind::TooLong, "f", &long, "rule");
        assert!(e.value().ends_with("… (120 more characters)"), "{}", e.value());
        assert!(e.value().len() < 120);
    }
}
