//! The credentials file: INI, sections `[basic]` or `[basiccredentials]`, keys `ak`, `sk`,
//! `security_token`, `project_id`, `iam_endpoint`.

use std::path::{Path, PathBuf};

use ini::Ini;
use workspace_core::ConfigError;

use crate::environment::Environment;

/// The variable that names the credentials file.
pub const CREDENTIALS_FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// The sections read, in order.
const SECTIONS: [&str; 2] = ["basic", "basiccredentials"];

/// What a credentials file holds.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct FileProfile {
    pub(crate) path: PathBuf,
    pub(crate) section: &'static str,
    pub(crate) ak: Option<String>,
    pub(crate) sk: Option<String>,
    pub(crate) security_token: Option<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) iam_endpoint: Option<String>,
}

impl std::fmt::Debug for FileProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("FileProfile")
            .field("path", &self.path)
            .field("section", &self.section)
            .field("ak", &self.ak)
            .field("sk", &secret(&self.sk))
            .field("security_token", &secret(&self.security_token))
            .field("project_id", &self.project_id)
            .field("iam_endpoint", &self.iam_endpoint)
            .finish()
    }
}

/// Where the credentials file is: the variable's path, else `~/.huaweicloud/credentials`.
pub(crate) fn credentials_path(env: &dyn Environment) -> (Option<PathBuf>, bool) {
    crate::environment::file_path(env, CREDENTIALS_FILE_VAR, "credentials")
}

/// Reads the profile of the credentials file, if there is one. A file named by the variable must
/// exist; the default one may be absent.
pub(crate) fn read(env: &dyn Environment) -> Result<Option<FileProfile>, ConfigError> {
    let (Some(path), named) = credentials_path(env) else { return Ok(None) };
    let text = match env.read_file(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(None),
        Err(e) => {
            return Err(ConfigError::new(format!(
                "cannot read the credentials file {} ({CREDENTIALS_FILE_VAR}): {e}",
                path.display()
            )));
        }
    };
    parse(&path, &text)
}

fn parse(path: &Path, text: &str) -> Result<Option<FileProfile>, ConfigError> {
    let ini = Ini::load_from_str(text)
        .map_err(|e| ConfigError::new(format!("the credentials file {} is not valid INI: {e}", path.display())))?;
    for section in SECTIONS {
        if let Some(props) = ini.section(Some(section)) {
            let get = |k: &str| props.get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
            return Ok(Some(FileProfile {
                path: path.to_owned(),
                section,
                ak: get("ak"),
                sk: get("sk"),
                security_token: get("security_token"),
                project_id: get("project_id"),
                iam_endpoint: get("iam_endpoint"),
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_basic_then_basiccredentials() {
        let p = Path::new("/c");
        let f = parse(p, "[basic]\nak = AK1\nsk = SK1\nproject_id = p1\n").unwrap().unwrap();
        assert_eq!(
            (f.ak.as_deref(), f.sk.as_deref(), f.project_id.as_deref(), f.section),
            (Some("AK1"), Some("SK1"), Some("p1"), "basic")
        );
        let f =
            parse(p, "[basiccredentials]\nak=AK2\nsk=SK2\nsecurity_token=T\niam_endpoint=https://iam.example.com\n")
                .unwrap()
                .unwrap();
        assert_eq!(
            (f.ak.as_deref(), f.security_token.as_deref(), f.section),
            (Some("AK2"), Some("T"), "basiccredentials")
        );
        assert_eq!(parse(p, "[other]\nak=x\n").unwrap(), None);
        assert!(parse(p, "[basic\nak").is_err());
    }
}
