//! `--config.file`: the targets one process polls, each a project in a region with its own
//! credentials, schedule and options.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use workspace_config::{
    CREDENTIALS_FILE_VAR, ConfigLoader, Environment, LoadedConfig, SystemEnvironment, parse_seconds, vars,
};
use workspace_core::{ClientOptionsBuilder, ConfigError, ConfigOrigin, Credentials, Error};
use yaml_rust2::Yaml;

use crate::yaml_file::{self, Fields, FileError};

/// Where a target's credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsSource {
    /// The chain of `wks`: the `HUAWEICLOUD_SDK_*` variables, then the credentials file they
    /// name or `~/.huaweicloud/credentials`.
    Environment,
    /// This credentials file (INI, as the official SDKs read it), its section when one is
    /// named, else `[basic]` or `[basiccredentials]`; nothing from the environment.
    File {
        /// The file.
        path: PathBuf,
        /// The section read.
        section: Option<String>,
    },
    /// An IAM token, the whole content of this file (surrounding blanks trimmed).
    TokenFile(PathBuf),
}

/// One target of the configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    /// Where it is in the file, such as `targets[2]`, for messages.
    pub field: String,
    /// The region: the `region` label, the endpoint's and the project's discovery.
    pub region: String,
    /// The project id; discovered from the region when absent (unless the credentials file
    /// gives one).
    pub project_id: Option<String>,
    /// The service endpoint, instead of the region's.
    pub endpoint: Option<String>,
    /// Where its credentials come from.
    pub credentials: CredentialsSource,
    /// Export each desktop's status; the command line's `--per-desktop` when absent.
    pub per_desktop: Option<bool>,
    /// Count transitions; the command line's `--transitions` when absent.
    pub transitions: Option<bool>,
    /// Time between polls; the command line's `--interval` when absent.
    pub interval: Option<Duration>,
}

/// The fields of a target.
const TARGET_FIELDS: [&str; 7] =
    ["region", "project_id", "endpoint", "credentials", "per_desktop", "transitions", "interval"];

/// Reads the targets of the file at `path`: a mapping with `targets`, a non-empty list.
pub fn load_targets(path: &Path) -> Result<Vec<Target>, FileError> {
    let yaml = yaml_file::load(path)?;
    let root = Fields::new(path, "", &yaml)?;
    root.only(&["targets"])?;
    let list = root.list("targets")?.unwrap_or_default();
    if list.is_empty() {
        return Err(root.error("targets", None, "must list at least one target"));
    }
    let mut targets: Vec<Target> = Vec::new();
    for (i, fields) in list.iter().enumerate() {
        let target = target(fields, &format!("targets[{i}]"))?;
        if let Some(same) = targets
            .iter()
            .find(|t| t.region == target.region && t.project_id.is_some() && t.project_id == target.project_id)
        {
            let rule = format!("is the same region and project as {}: each is polled once", same.field);
            return Err(fields.error("project_id", target.project_id.as_deref(), rule));
        }
        targets.push(target);
    }
    Ok(targets)
}

fn target(t: &Fields<'_>, field: &str) -> Result<Target, FileError> {
    t.only(&TARGET_FIELDS)?;
    let region = t.string("region")?.ok_or_else(|| t.error("region", None, "is required"))?;
    let interval = match t.value("interval") {
        None => None,
        Some(Yaml::Integer(i)) => Some(seconds(t, &i.to_string())?),
        Some(Yaml::Real(r) | Yaml::String(r)) => Some(seconds(t, r)?),
        Some(_) => return Err(t.error("interval", None, "must be a number of seconds")),
    };
    Ok(Target {
        field: field.to_owned(),
        region,
        project_id: t.string("project_id")?,
        endpoint: t.string("endpoint")?,
        credentials: credentials(t)?,
        per_desktop: t.boolean("per_desktop")?,
        transitions: t.boolean("transitions")?,
        interval,
    })
}

fn seconds(t: &Fields<'_>, text: &str) -> Result<Duration, FileError> {
    parse_seconds(text)
        .map_err(|_| t.error("interval", Some(text), "must be a number of seconds, more than 0 and at most 86400"))
}

/// `credentials`: absent or `environment: true`, `file: PATH` or `token_file: PATH`.
fn credentials(t: &Fields<'_>) -> Result<CredentialsSource, FileError> {
    let Some(c) = t.mapping("credentials")? else { return Ok(CredentialsSource::Environment) };
    c.only(&["environment", "file", "section", "token_file"])?;
    let given = [c.value("environment").is_some(), c.value("file").is_some(), c.value("token_file").is_some()];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(t.error("credentials", None, "must have exactly one of environment, file, token_file"));
    }
    let section = c.string("section")?;
    if let Some(path) = c.file_path("file")? {
        return Ok(CredentialsSource::File { path, section });
    }
    if section.is_some() {
        return Err(c.error("section", None, "is only for a credentials file (file)"));
    }
    if let Some(file) = c.file_path("token_file")? {
        return Ok(CredentialsSource::TokenFile(file));
    }
    match c.boolean("environment")? {
        Some(true) => Ok(CredentialsSource::Environment),
        _ => Err(c.error("environment", Some("false"), "must be true (or give file or token_file)")),
    }
}

impl Target {
    /// The client's options of this target: its region, endpoint and project id set on
    /// `explicit`, its credentials from their source, the rest filled in by `workspace-config`
    /// as for a single target. Nothing is sent.
    pub fn load(&self, explicit: ClientOptionsBuilder) -> Result<LoadedConfig, Error> {
        let mut explicit = explicit.region(&self.region);
        if let Some(endpoint) = &self.endpoint {
            explicit = explicit.endpoint(endpoint);
        }
        if let Some(project) = &self.project_id {
            explicit = explicit.project_id(project);
        }
        let origin = |key: &str| ConfigOrigin::Flag(format!("--config.file {}.{key}", self.field));
        let loader = match &self.credentials {
            CredentialsSource::Environment => ConfigLoader::new(),
            CredentialsSource::File { path, section } => {
                let loader = ConfigLoader::with_environment(OnlyFile(path.clone()));
                match section {
                    Some(section) => loader.credentials_section(section),
                    None => loader,
                }
            }
            CredentialsSource::TokenFile(path) => {
                let token = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
                    file: "token file".into(),
                    path: path.clone(),
                    named_by: None,
                    source: e,
                })?;
                let credentials =
                    Credentials::token(token.trim()).map_err(|e| e.with_origin(origin("credentials.token_file")))?;
                explicit = explicit.credentials(credentials);
                ConfigLoader::new()
            }
        };
        loader
            .explicit_name("region", format!("--config.file {}.region", self.field))
            .explicit_name("endpoint", format!("--config.file {}.endpoint", self.field))
            .explicit_name("project_id", format!("--config.file {}.project_id", self.field))
            .load(explicit)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (region {}", self.field, self.region)?;
        if let Some(project) = &self.project_id {
            write!(f, ", project {project}")?;
        }
        f.write_str(")")
    }
}

/// The process environment, except that credentials come only from one file: the variables of
/// credentials and the project id are hidden, and the variable of the credentials file names it.
#[derive(Debug)]
struct OnlyFile(PathBuf);

impl Environment for OnlyFile {
    fn var_os(&self, name: &str) -> Option<OsString> {
        match name {
            CREDENTIALS_FILE_VAR => Some(self.0.clone().into_os_string()),
            vars::AK | vars::SK | vars::SECURITY_TOKEN | vars::AUTH_TOKEN | vars::PROJECT_ID => None,
            _ => SystemEnvironment.var_os(name),
        }
    }

    fn read_file(&self, path: &Path) -> std::io::Result<String> {
        SystemEnvironment.read_file(path)
    }

    fn file_mode(&self, path: &Path) -> Option<u32> {
        SystemEnvironment.file_mode(path)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        SystemEnvironment.home_dir()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Target>, FileError> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("targets.yml");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        load_targets(&path).map_err(|mut e| {
            e.path = PathBuf::from("targets.yml");
            e
        })
    }

    #[test]
    fn targets_are_read_with_their_options() {
        let targets = load(
            "targets:\n  - region: cn-north-4\n    project_id: p1\n    per_desktop: true\n    interval: 30\n  \
             - region: ap-southeast-1\n    credentials:\n      token_file: /run/token\n  \
             - region: cn-east-3\n    credentials:\n      file: creds.ini\n      section: prod\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(targets.len(), 3);
        let numeric =
            load("targets:\n  - region: r\n    project_id: 000000000000000000000000000000e0\n").unwrap_or_default();
        assert_eq!(numeric[0].project_id.as_deref(), Some("000000000000000000000000000000e0"), "kept as written");
        assert_eq!((targets[0].project_id.as_deref(), targets[0].per_desktop), (Some("p1"), Some(true)));
        assert_eq!(targets[0].interval, Some(Duration::from_secs(30)));
        assert_eq!(targets[1].credentials, CredentialsSource::TokenFile("/run/token".into()));
        assert!(matches!(&targets[2].credentials, CredentialsSource::File { path, section }
                if path.ends_with("creds.ini") && path.is_absolute() && section.as_deref() == Some("prod")));
        assert_eq!(targets[1].credentials, CredentialsSource::TokenFile("/run/token".into()));
    }

    #[test]
    fn bad_fields_are_named_with_their_value_and_rule() {
        let cases = [
            ("targets: []\n", "targets.yml: targets must list at least one target"),
            ("targets:\n  - project_id: p\n", "targets.yml: targets[0].region is required"),
            (
                "targets:\n  - region: r\n    interval: 0\n",
                "targets.yml: targets[0].interval \"0\" must be a number of seconds, more than 0 and at most 86400",
            ),
            (
                "targets:\n  - region: r\n    per_desktop: yes please\n",
                "targets.yml: targets[0].per_desktop \"yes please\" must be true or false",
            ),
            (
                "targets:\n  - region: r\n    regoin: x\n",
                "targets.yml: targets[0].regoin is not a known field (known: region, project_id, endpoint, credentials, per_desktop, transitions, interval)",
            ),
            (
                "targets:\n  - region: r\n    credentials: {}\n",
                "targets.yml: targets[0].credentials must have exactly one of environment, file, token_file",
            ),
            (
                "targets:\n  - region: r\n    project_id: p\n  - region: r\n    project_id: p\n",
                "targets.yml: targets[1].project_id \"p\" is the same region and project as targets[0]: each is polled once",
            ),
            (
                "targets:\n  - region: r\n    project_id: 0123\n",
                "targets.yml: targets[0].project_id \"123\" must be text: quote it, since YAML reads it as a number",
            ),
            ("target: []\n", "targets.yml: target is not a known field (known: targets)"),
        ];
        for (text, message) in cases {
            assert_eq!(load(text).map(|_| ()).unwrap_err().to_string(), message, "{text}");
        }
    }
}
