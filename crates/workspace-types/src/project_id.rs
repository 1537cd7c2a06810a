//! The project id, which becomes a path segment and a header value.

use std::fmt;

use crate::limits::MAX_PROJECT_ID_LEN;
use crate::validation::{ValidationError, ValidationErrorKind as Kind};

const RULE: &str = "a project id is 1 to 64 characters of ASCII letters, digits, '-' and '_'";

/// A validated project id: safe as a URL path segment and as a header value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(String);

impl ProjectId {
    /// Validates `id`: 1 to 64 characters of ASCII letters, digits, `-` and `_`.
    ///
    /// ```
    /// use workspace_types::ProjectId;
    ///
    /// assert!(ProjectId::new("0a1b2c3d4e5f60718293a4b5c6d7e8f9").is_ok());
    /// let err = ProjectId::new("../admin").unwrap_err();
    /// assert_eq!(err.field(), "project_id");
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, ValidationError> {
        let id = id.into();
        let fail =
            |kind, detail: String| Err(ValidationError::text(kind, "project_id", &id, format!("{RULE} ({detail})")));
        if id.is_empty() {
            return fail(Kind::Empty, "it is empty".into());
        }
        if id.len() > MAX_PROJECT_ID_LEN {
            return fail(Kind::TooLong, format!("it has {} bytes", id.len()));
        }
        if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
            return fail(Kind::InvalidCharacter, format!("{c:?} is not allowed"));
        }
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for ProjectId {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, ValidationError> {
        Self::new(s)
    }
}

impl TryFrom<String> for ProjectId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, ValidationError> {
        Self::new(s)
    }
}

impl std::str::FromStr for ProjectId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_would_escape_the_path_or_header() {
        for bad in ["", "a/b", "a?b", "a%2F", "a\r\nX-Evil: 1", "проект", "a b", "..", &"x".repeat(65)] {
            let err = ProjectId::new(bad).unwrap_err();
            assert_eq!(err.field(), "project_id");
            assert!(err.to_string().contains("a project id is 1 to 64 characters"), "{err}");
        }
        assert_eq!(
            ProjectId::new("a\nb").unwrap_err().to_string(),
            r#"invalid project_id "a\nb": a project id is 1 to 64 characters of ASCII letters, digits, '-' and '_' ('\n' is not allowed)"#
        );
    }

    #[test]
    fn accepts_real_ids() {
        assert_eq!(
            ProjectId::new("0a1b2c3d4e5f60718293a4b5c6d7e8f9").unwrap().as_str(),
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        );
        assert!(ProjectId::new("demo-project_1").is_ok());
    }
}
