//! The credentials file: INI, sections `[basic]` or `[basiccredentials]`, keys `ak`, `sk`,
//! `security_token`, `project_id`, `iam_endpoint`.

use std::path::{Path, PathBuf};

use ini::Ini;
use workspace_core::{ConfigError, ConfigOrigin};

use crate::environment::{Environment, Found, read_text};

/// The variable that names the credentials file.
pub const CREDENTIALS_FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// The sections read, in order.
const SECTIONS: [&str; 2] = ["basic", "basiccredentials"];

/// The keys read. Each may appear once in the section read: a repeated one is ambiguous.
const KEYS: [&str; 5] = ["ak", "sk", "security_token", "project_id", "iam_endpoint"];

/// What a credentials file holds.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct FileProfile {
    pub(crate) path: PathBuf,
    pub(crate) section: String,
    pub(crate) ak: Found,
    pub(crate) sk: Found,
    pub(crate) security_token: Found,
    pub(crate) project_id: Option<String>,
    pub(crate) iam_endpoint: Option<String>,
}

impl FileProfile {
    /// Where a value of this profile came from, for a message: the file and the section.
    pub(crate) fn place(&self) -> String {
        format!("the credentials file {} [{}]", self.path.display(), self.section)
    }

    /// Where a value of this profile came from, for an error: the file and the section.
    pub(crate) fn origin(&self) -> ConfigOrigin {
        ConfigOrigin::File { path: self.path.clone(), section: Some(self.section.clone()) }
    }
}

impl std::fmt::Debug for FileProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileProfile")
            .field("path", &self.path)
            .field("section", &self.section)
            .field("ak", &self.ak)
            .field("sk", &self.sk.redacted())
            .field("security_token", &self.security_token.redacted())
            .field("project_id", &self.project_id)
            .field("iam_endpoint", &self.iam_endpoint)
            .finish()
    }
}

/// The credentials file as found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CredentialsFile {
    /// There is none: the default file is absent, or there is no home directory.
    Absent,
    /// The file exists but has no section read (the one asked for, else neither default); the
    /// sections it has instead.
    NoSection { path: PathBuf, wanted: Option<String>, sections: Vec<String> },
    /// The section read.
    Profile(FileProfile),
}

impl CredentialsFile {
    /// The profile read, if any.
    pub(crate) fn profile(&self) -> Option<&FileProfile> {
        match self {
            CredentialsFile::Profile(p) => Some(p),
            _ => None,
        }
    }

    /// The file's path, when it exists.
    pub(crate) fn path(&self) -> Option<&Path> {
        match self {
            CredentialsFile::Absent => None,
            CredentialsFile::NoSection { path, .. } => Some(path),
            CredentialsFile::Profile(p) => Some(&p.path),
        }
    }
}

/// Where the credentials file is: the variable's path, else `~/.huaweicloud/credentials`.
pub(crate) fn credentials_path(env: &dyn Environment) -> (Option<PathBuf>, bool) {
    crate::environment::file_path(env, CREDENTIALS_FILE_VAR, "credentials")
}

/// Reads the credentials file, if there is one: its section `wanted`, else `[basic]` or
/// `[basiccredentials]`. A file named by the variable must exist; the default one may be absent.
pub(crate) fn read(env: &dyn Environment, wanted: Option<&str>) -> Result<CredentialsFile, ConfigError> {
    let (Some(path), named) = credentials_path(env) else { return Ok(CredentialsFile::Absent) };
    let by = named.then_some(CREDENTIALS_FILE_VAR);
    match read_text(env, &path, "credentials file", by)? {
        Some(text) => parse(&path, &text, wanted),
        None => Ok(CredentialsFile::Absent),
    }
}

fn parse(path: &Path, text: &str, wanted: Option<&str>) -> Result<CredentialsFile, ConfigError> {
    let ini = Ini::load_from_str(text).map_err(|e| ConfigError::Parse {
        file: "credentials file".into(),
        path: path.to_owned(),
        what: "INI".into(),
        source: e.into(),
    })?;
    let mut candidates = wanted.map_or_else(|| SECTIONS.to_vec(), |w| vec![w]).into_iter();
    let Some(section) = candidates.find(|s| ini.section(Some(*s)).is_some()) else {
        let sections = ini.sections().flatten().map(str::to_owned).collect();
        return Ok(CredentialsFile::NoSection { path: path.to_owned(), wanted: wanted.map(str::to_owned), sections });
    };
    let parts: Vec<_> = ini.section_all(Some(section)).collect();
    for key in KEYS {
        let times: usize = parts.iter().map(|p| p.get_all(key).count()).sum();
        if times > 1 {
            let rule = format!("is set {times} times; which one is meant is ambiguous, so keep only one");
            let origin = ConfigOrigin::File { path: path.to_owned(), section: Some(section.to_owned()) };
            return Err(ConfigError::invalid_secret(key, rule).with_origin(origin));
        }
    }
    let get = |k: &str| parts.iter().find_map(|p| p.get(k)).map(str::trim);
    let found = |k: &str| Found::from(get(k));
    let text = |k: &str| get(k).filter(|v| !v.is_empty()).map(str::to_owned);
    Ok(CredentialsFile::Profile(FileProfile {
        path: path.to_owned(),
        section: section.to_owned(),
        ak: found("ak"),
        sk: found("sk"),
        security_token: found("security_token"),
        project_id: text("project_id"),
        iam_endpoint: text("iam_endpoint"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(text: &str) -> FileProfile {
        match parse(Path::new("/c"), text, None).unwrap() {
            CredentialsFile::Profile(p) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_basic_then_basiccredentials() {
        let f = profile("[basic]\nak = AK1\nsk = SK1\nproject_id = p1\n");
        assert_eq!(
            (f.ak.text(), f.sk.text(), f.project_id.as_deref(), f.section.as_str()),
            (Some("AK1"), Some("SK1"), Some("p1"), "basic")
        );
        let f = profile("[basiccredentials]\nak=AK2\nsk=SK2\nsecurity_token=T\niam_endpoint=https://iam.example.com\n");
        assert_eq!(
            (f.ak.text(), f.security_token.text(), f.section.as_str()),
            (Some("AK2"), Some("T"), "basiccredentials")
        );
        assert!(parse(Path::new("/c"), "[basic\nak", None).is_err());
    }

    #[test]
    fn a_file_without_the_sections_read_says_which_it_has() {
        let found = parse(Path::new("/c"), "[default]\nak=x\n[other]\n", None).unwrap();
        let sections = vec!["default".to_owned(), "other".to_owned()];
        assert_eq!(found, CredentialsFile::NoSection { path: "/c".into(), wanted: None, sections });
    }

    #[test]
    fn a_section_asked_for_is_the_one_read() {
        let text = "[basic]\nak = A\nsk = a\n[prod]\nak = P\nsk = p\n";
        let Ok(CredentialsFile::Profile(f)) = parse(Path::new("/c"), text, Some("prod")) else { panic!("a profile") };
        assert_eq!((f.ak.text(), f.section.as_str()), (Some("P"), "prod"));
        let found = parse(Path::new("/c"), text, Some("test")).unwrap();
        let sections = vec!["basic".to_owned(), "prod".to_owned()];
        assert_eq!(found, CredentialsFile::NoSection { path: "/c".into(), wanted: Some("test".to_owned()), sections });
    }

    #[test]
    fn an_empty_value_is_told_from_an_absent_one() {
        let f = profile("[basic]\nak =\n");
        assert_eq!((f.ak, f.sk), (Found::Empty, Found::Unset));
    }

    #[test]
    fn a_repeated_key_is_ambiguous_and_its_values_are_not_shown() {
        for (text, key, times) in [
            ("[basic]\nak = FIRSTAK\nsk = first-secret\nak = SECONDAK\n", "ak", 2),
            ("[basic]\nak = A\nsk = first-secret\nsk = second-secret\nsk = third-secret\n", "sk", 3),
            ("[basic]\nak = A\nsk = s\nsecurity_token = t1\nsecurity_token = t2\n", "security_token", 2),
            // The same section twice is one section.
            ("[basic]\nak = A\nsk = first-secret\n[other]\n[basic]\nsk = second-secret\n", "sk", 2),
            ("[basic]\nproject_id = p1\nproject_id = p2\n", "project_id", 2),
        ] {
            let err = parse(Path::new("/c"), text, None).unwrap_err();
            let ConfigError::Invalid { what, value: None, origin: ConfigOrigin::File { section, .. }, .. } = &err
            else {
                panic!("{err:?}")
            };
            assert_eq!((what.as_str(), section.as_deref()), (key, Some("basic")));
            let err = err.to_string();
            assert!(err.contains(&format!("the file /c [basic]: {key} is set {times} times")), "{err}");
            assert!(err.contains("ambiguous"), "{err}");
            for value in ["FIRSTAK", "SECONDAK", "secret", "t1", "t2", "p1", "p2"] {
                assert!(!err.contains(value), "{value} in {err}");
            }
        }
        // A key repeated in a section that is not read does not matter.
        let f = profile("[basic]\nak = A\nsk = s\n[other]\nak = x\nak = y\n");
        assert_eq!(f.ak.text(), Some("A"));
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let f = profile("[basic]\nak = A\n");
        let with_bom =
            crate::MapEnvironment::new().var(CREDENTIALS_FILE_VAR, "/c").file("/c", "\u{feff}[basic]\nak = A\n");
        assert_eq!(read(&with_bom, None).unwrap(), CredentialsFile::Profile(f));
    }
}
