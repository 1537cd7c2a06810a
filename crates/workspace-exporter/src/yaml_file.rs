//! The exporter's YAML files read strictly: a field is a known key with a value of the right
//! kind, and an error names the file, the field, the value and the rule.

use std::fmt;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

/// The most bytes read of a configuration file.
const MAX_BYTES: u64 = 1 << 20;

/// A configuration file that cannot be used: which file, which field, what value, what rule.
#[derive(Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// The field, as a path of keys (`targets[2].region`); empty for the file as a whole.
    pub field: String,
    /// The value, quoted in the message; `None` for a secret or when it says nothing more.
    pub value: Option<String>,
    /// The rule broken, as the end of a sentence.
    pub rule: String,
}

impl FileError {
    pub(crate) fn new(path: &Path, field: &str, value: Option<&str>, rule: impl Into<String>) -> Self {
        Self { path: path.to_owned(), field: field.to_owned(), value: value.map(str::to_owned), rule: rule.into() }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        if let Some(value) = &self.value {
            write!(f, " {:?}", workspace_core::text::bounded(value, 200))?;
        }
        write!(f, " {}", self.rule)
    }
}

impl fmt::Debug for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for FileError {}

/// The one document of the YAML file at `path` (an empty file is an empty mapping).
pub(crate) fn load(path: &Path) -> Result<Yaml, FileError> {
    let fail = |rule: String| FileError::new(path, "", None, rule);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(fail(format!("must be a regular file of at most {MAX_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot be read as UTF-8 text: {e}")))?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| fail(format!("is not valid YAML: {e}")))?;
    match docs.len() {
        0 => Ok(Yaml::Hash(Default::default())),
        1 => Ok(docs.into_iter().next().unwrap_or(Yaml::Null)),
        _ => Err(fail("must hold one YAML document".to_owned())),
    }
}

/// A mapping of the file, at `field`.
pub(crate) struct Fields<'a> {
    path: &'a Path,
    field: String,
    map: &'a yaml_rust2::yaml::Hash,
}

/// The text of a scalar, for a message.
fn shown(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<'a> Fields<'a> {
    /// `value`, which must be a mapping (`null`, an empty value, counts as an empty one).
    pub(crate) fn new(path: &'a Path, field: &str, value: &'a Yaml) -> Result<Self, FileError> {
        static EMPTY: std::sync::LazyLock<yaml_rust2::yaml::Hash> = std::sync::LazyLock::new(Default::default);
        match value {
            Yaml::Hash(map) => Ok(Self { path, field: field.to_owned(), map }),
            Yaml::Null => Ok(Self { path, field: field.to_owned(), map: &EMPTY }),
            other => Err(FileError::new(path, field, shown(other).as_deref(), "must be a mapping of keys to values")),
        }
    }

    /// The name of the field `key` of this mapping, for a message.
    pub(crate) fn name(&self, key: &str) -> String {
        if self.field.is_empty() { key.to_owned() } else { format!("{}.{key}", self.field) }
    }

    /// An error about the field `key`.
    pub(crate) fn error(&self, key: &str, value: Option<&str>, rule: impl Into<String>) -> FileError {
        FileError::new(self.path, &self.name(key), value, rule)
    }

    /// Refuses a key that is not one of `known`.
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), FileError> {
        for key in self.map.keys() {
            let name = key.as_str().unwrap_or("");
            if !known.contains(&name) {
                let rule = format!("is not a known field (known: {})", known.join(", "));
                return Err(FileError::new(self.path, &self.name(&shown(key).unwrap_or_default()), None, rule));
            }
        }
        Ok(())
    }

    /// The pairs of the mapping, keys as text.
    pub(crate) fn entries(&self) -> Result<Vec<(String, &'a Yaml)>, FileError> {
        self.map
            .iter()
            .map(|(k, v)| match k.as_str() {
                Some(k) => Ok((k.to_owned(), v)),
                None => Err(FileError::new(self.path, &self.field, shown(k).as_deref(), "has a key that is not text")),
            })
            .collect()
    }

    fn get(&self, key: &str) -> Option<&'a Yaml> {
        self.map.get(&Yaml::String(key.to_owned())).filter(|v| !v.is_null())
    }

    /// The text at `key`, if there is one; it must be a non-empty string.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, FileError> {
        match self.get(key) {
            None => Ok(None),
            Some(Yaml::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            // YAML reads 0e0 or 1.5 as a number but keeps its text, which is what was written.
            Some(Yaml::Real(s)) => Ok(Some(s.clone())),
            Some(Yaml::Integer(i)) => {
                Err(self.error(key, Some(&i.to_string()), "must be text: quote it, since YAML reads it as a number"))
            }
            Some(other) => Err(self.error(key, shown(other).as_deref(), "must be non-empty text")),
        }
    }

    /// The boolean at `key`, if there is one.
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, FileError> {
        match self.get(key) {
            None => Ok(None),
            Some(Yaml::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(key, shown(other).as_deref(), "must be true or false")),
        }
    }

    /// The mapping at `key`, if there is one.
    pub(crate) fn mapping(&self, key: &str) -> Result<Option<Fields<'a>>, FileError> {
        self.get(key).map(|v| Fields::new(self.path, &self.name(key), v)).transpose()
    }

    /// The raw value at `key`, if there is one.
    pub(crate) fn value(&self, key: &str) -> Option<&'a Yaml> {
        self.get(key)
    }

    /// The list of mappings at `key`, if there is one.
    pub(crate) fn list(&self, key: &str) -> Result<Option<Vec<Fields<'a>>>, FileError> {
        match self.get(key) {
            None => Ok(None),
            Some(Yaml::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| Fields::new(self.path, &format!("{}[{i}]", self.name(key)), item))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.error(key, shown(other).as_deref(), "must be a list")),
        }
    }

    /// A path at `key`: relative ones are taken from the file's directory, as exporter-toolkit
    /// does.
    pub(crate) fn file_path(&self, key: &str) -> Result<Option<PathBuf>, FileError> {
        Ok(self.string(key)?.map(|p| {
            let p = PathBuf::from(p);
            if p.is_relative() { self.path.parent().map_or(p.clone(), |dir| dir.join(&p)) } else { p }
        }))
    }
}
