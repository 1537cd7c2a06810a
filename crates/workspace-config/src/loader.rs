//! The chain: explicit values, then the environment, then the credentials file.

use std::fmt;
use std::sync::Arc;

use workspace_core::types::ProjectId;
use workspace_core::{ClientOptions, ClientOptionsBuilder, ConfigError, ConfigOrigin, Credentials, Endpoint, Error};

use crate::credentials_file::{self, CREDENTIALS_FILE_VAR, CredentialsFile};
use crate::environment::{Environment, Found, SystemEnvironment};
use crate::regions;

/// The variables read, by the names the official SDKs use.
pub mod vars {
    /// The access key id.
    pub const AK: &str = "HUAWEICLOUD_SDK_AK";
    /// The secret key.
    pub const SK: &str = "HUAWEICLOUD_SDK_SK";
    /// The security token of temporary credentials.
    pub const SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
    /// The project id.
    pub const PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
    /// An IAM token, used instead of AK/SK.
    pub const AUTH_TOKEN: &str = "HUAWEICLOUD_SDK_AUTH_TOKEN";
    /// The IAM endpoint used for project discovery.
    pub const IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
}

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Given in code or on the command line.
    Explicit,
    /// From these environment variables.
    Environment(String),
    /// From this file.
    File(String),
    /// The SDK's default for the region.
    Default,
    /// To be discovered from IAM at the first call.
    Discovery,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Explicit => f.write_str("given explicitly"),
            Source::Environment(v) => write!(f, "environment ({v})"),
            Source::File(p) => write!(f, "file {p}"),
            Source::Default => f.write_str("the region's default"),
            Source::Discovery => f.write_str("discovered from IAM at the first call"),
        }
    }
}

/// The result of loading: checked client options, where each setting came from, and warnings.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    options: ClientOptions,
    sources: Vec<(&'static str, Source)>,
    warnings: Vec<String>,
}

impl LoadedConfig {
    /// The client options, ready for `Client::new(..)`.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The client options, by value.
    pub fn into_options(self) -> ClientOptions {
        self.options
    }

    /// Where each setting came from: `credentials`, `project_id`, `endpoint`, `iam_endpoint`.
    pub fn sources(&self) -> &[(&'static str, Source)] {
        &self.sources
    }

    /// Where `setting` came from.
    pub fn source(&self, setting: &str) -> Option<&Source> {
        self.sources.iter().find(|(k, _)| *k == setting).map(|(_, s)| s)
    }

    /// What is wrong without stopping the load, one sentence each, for the caller to show (the
    /// library prints nothing): a credentials file that its group or others may read.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Completes a client's options from the environment and the files Huawei Cloud users already
/// have: what is set on the builder handed to [`load`](Self::load) wins; each setting it leaves
/// unset is looked up, in this order of precedence.
///
/// - Credentials: explicit; else `HUAWEICLOUD_SDK_AK` and
///   `HUAWEICLOUD_SDK_SK` (with `HUAWEICLOUD_SDK_SECURITY_TOKEN`), or
///   `HUAWEICLOUD_SDK_AUTH_TOKEN`; else the credentials file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE`,
///   else `~/.huaweicloud/credentials`, section `[basic]` or `[basiccredentials]`). A partial set
///   (an AK without its SK) is an error naming what is missing or empty, never a fallthrough;
///   finding nothing is an error listing every place looked at.
/// - Project id: explicit; else `HUAWEICLOUD_SDK_PROJECT_ID`; else the credentials file; else,
///   with a region, discovered from IAM at the first call.
/// - Endpoint: explicit; else `HUAWEICLOUD_SDK_REGION_WORKSPACE_{REGION}` (comma-separated, the
///   rest are fallbacks); else `regions.yaml` (`HUAWEICLOUD_SDK_REGIONS_FILE`, else
///   `~/.huaweicloud/regions.yaml`); else the region's documented endpoint.
/// - IAM endpoint: explicit; else `HUAWEICLOUD_SDK_IAM_ENDPOINT`; else the credentials file;
///   else the region's where the official SDKs' table has one, else the global one.
/// - Everything else (retries, timeouts, concurrency) comes from the builder as it is.
///
/// A variable set to the empty string counts as unset. Each value is checked where it is taken,
/// and an error names where it came from: the variable, the file and section, or for an
/// explicit value the name given with [`explicit_name`](Self::explicit_name). Files are read
/// only when they are regular files of at most [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES) of
/// UTF-8 (a byte order mark is allowed); a key repeated in the credentials file's section is an
/// error, never a guess.
///
/// It only reads: no file is ever written, and no network address is probed.
#[derive(Clone)]
pub struct ConfigLoader {
    env: Arc<dyn Environment>,
    explicit_names: Vec<(String, String)>,
    section: Option<String>,
}

impl Default for ConfigLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ConfigLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigLoader")
            .field("env", &self.env)
            .field("explicit_names", &self.explicit_names)
            .field("section", &self.section)
            .finish_non_exhaustive()
    }
}

impl ConfigLoader {
    /// A loader over the process environment and the real home directory.
    pub fn new() -> Self {
        Self::with_environment(SystemEnvironment)
    }

    /// A loader over another environment (for tests).
    pub fn with_environment(env: impl Environment + 'static) -> Self {
        Self { env: Arc::new(env), explicit_names: Vec::new(), section: None }
    }

    /// Reads this section of the credentials file instead of `[basic]` or `[basiccredentials]`.
    pub fn credentials_section(mut self, section: impl Into<String>) -> Self {
        self.section = Some(section.into());
        self
    }

    /// Names an explicit setting in error messages the way the caller's user gave it, such as
    /// the command-line flag `--project-id`. `setting` is one of `project_id`, `region`,
    /// `endpoint` and `iam_endpoint` (explicit credentials are checked when they are made);
    /// without a name, the error's origin is `ConfigOrigin::Code` and its message names only the
    /// setting.
    pub fn explicit_name(mut self, setting: &str, name: impl Into<String>) -> Self {
        self.explicit_names.retain(|(s, _)| s != setting);
        self.explicit_names.push((setting.to_owned(), name.into()));
        self
    }

    /// Where the explicit `setting` came from: the name given, else code.
    fn explicit(&self, setting: &str) -> ConfigOrigin {
        match self.explicit_names.iter().find(|(s, _)| s == setting) {
            Some((_, name)) => ConfigOrigin::Flag(name.clone()),
            None => ConfigOrigin::Code,
        }
    }

    /// Completes `explicit` and checks the result. The error says what is missing or wrong, and
    /// where it looked or where the value came from.
    pub fn load(&self, explicit: ClientOptionsBuilder) -> Result<LoadedConfig, Error> {
        let env = &*self.env;
        let file = credentials_file::read(env, self.section.as_deref())?;
        let mut warnings = Vec::new();
        if let Some(path) = file.path() {
            if let Some(mode) = env.file_mode(path).filter(|m| m & 0o077 != 0) {
                warnings.push(format!(
                    "the credentials file {} can be accessed by its group or others (mode {:04o}); restrict it to its owner with chmod 600",
                    path.display(),
                    mode & 0o7777
                ));
            }
        }
        let profile = file.profile();
        let mut sources = Vec::new();
        let region = explicit.get_region().map(str::to_owned);
        let mut options = explicit.clone();

        if explicit.has_credentials() {
            sources.push(("credentials", Source::Explicit));
        } else {
            let (credentials, source) = self.credentials(&file)?;
            options = options.credentials(credentials);
            sources.push(("credentials", source));
        }

        let project = match explicit.get_project_id() {
            Some(p) => Some((p.to_owned(), Source::Explicit, self.explicit("project_id"))),
            None => env.var(vars::PROJECT_ID)?.map(|p| {
                (p, Source::Environment(vars::PROJECT_ID.into()), ConfigOrigin::Variable(vars::PROJECT_ID.into()))
            }),
        };
        let project = project.or_else(|| {
            let f = profile?;
            Some((f.project_id.clone()?, Source::File(f.path.display().to_string()), f.origin()))
        });
        match project {
            Some((id, source, origin)) => {
                ProjectId::new(id.as_str()).map_err(|e| {
                    ConfigError::invalid(e.field(), id.as_str(), format!("is invalid: {}", e.rule()))
                        .with_origin(origin)
                })?;
                options = options.project_id(id);
                sources.push(("project_id", source));
            }
            None if region.is_some() => sources.push(("project_id", Source::Discovery)),
            None => {
                let hint = format!(
                    "give one explicitly, set {}, put project_id in the credentials file, or give a region to discover it",
                    vars::PROJECT_ID
                );
                return Err(ConfigError::missing("project id", hint).into());
            }
        }

        match (explicit.get_endpoint(), &region) {
            (Some(url), _) => {
                endpoint(url, self.explicit("endpoint"))?;
                sources.push(("endpoint", Source::Explicit));
            }
            (None, Some(region)) => match regions::overridden(env, region)? {
                Some((list, from)) => {
                    options = options.endpoint(list[0].clone()).fallback_endpoints(list[1..].to_vec());
                    let source =
                        if from.starts_with("HUAWEICLOUD_") { Source::Environment(from) } else { Source::File(from) };
                    sources.push(("endpoint", source));
                }
                None => {
                    Endpoint::region(region).map_err(|e| e.with_origin(self.explicit("region")))?;
                    sources.push(("endpoint", Source::Default));
                }
            },
            (None, None) => {
                let hint = "give a region (such as cn-north-4) or an endpoint URL";
                return Err(ConfigError::missing("endpoint", hint).into());
            }
        }

        let iam = match explicit.get_iam_endpoint() {
            Some(url) => {
                endpoint(url, self.explicit("iam_endpoint"))?;
                Some((None, Source::Explicit))
            }
            None => match env.var(vars::IAM_ENDPOINT)? {
                Some(url) => {
                    endpoint(&url, ConfigOrigin::Variable(vars::IAM_ENDPOINT.into()))?;
                    Some((Some(url), Source::Environment(vars::IAM_ENDPOINT.into())))
                }
                None => match profile.and_then(|f| Some((f, f.iam_endpoint.clone()?))) {
                    Some((f, url)) => {
                        endpoint(&url, f.origin())?;
                        Some((Some(url), Source::File(f.path.display().to_string())))
                    }
                    None => None,
                },
            },
        };
        if let Some((url, source)) = iam {
            if let Some(url) = url {
                options = options.iam_endpoint(url);
            }
            sources.push(("iam_endpoint", source));
        }
        Ok(LoadedConfig { options: options.build()?, sources, warnings })
    }

    /// The credentials from the environment or the file: the first complete set in precedence
    /// order; a partial set is an error.
    fn credentials(&self, file: &CredentialsFile) -> Result<(Credentials, Source), ConfigError> {
        let env = &*self.env;
        let ak = Found::var(env, vars::AK)?;
        let sk = Found::var(env, vars::SK)?;
        let token = Found::var(env, vars::SECURITY_TOKEN)?;
        let from_env =
            pair("the environment", (vars::AK, &ak), (vars::SK, &sk), (vars::SECURITY_TOKEN, &token), |name| {
                ConfigOrigin::Variable(name.to_owned())
            })?;
        if let Some(creds) = from_env {
            return Ok((creds, Source::Environment(format!("{}, {}", vars::AK, vars::SK))));
        }
        let auth = Found::var(env, vars::AUTH_TOKEN)?;
        if let Some(t) = auth.text() {
            let creds =
                Credentials::token(t).map_err(|e| e.with_origin(ConfigOrigin::Variable(vars::AUTH_TOKEN.into())))?;
            return Ok((creds, Source::Environment(vars::AUTH_TOKEN.into())));
        }
        if let Some(f) = file.profile() {
            let place = f.place();
            let creds =
                pair(&place, ("ak", &f.ak), ("sk", &f.sk), ("security_token", &f.security_token), |_| f.origin())?;
            if let Some(creds) = creds {
                return Ok((creds, Source::File(f.path.display().to_string())));
            }
        }
        let env_state = if ak == sk {
            format!("{} and {} ({})", vars::AK, vars::SK, ak.absence())
        } else {
            format!("{} and {} ({} {}, {} {})", vars::AK, vars::SK, vars::AK, ak.absence(), vars::SK, sk.absence())
        };
        let (path, named) = credentials_file::credentials_path(env);
        let by = if named { format!(" (named by {CREDENTIALS_FILE_VAR})") } else { String::new() };
        let file_place = match (file, path) {
            (CredentialsFile::Profile(f), _) => {
                let state = if f.ak == f.sk {
                    format!("ak and sk {}", f.ak.absence())
                } else {
                    format!("ak {}, sk {}", f.ak.absence(), f.sk.absence())
                };
                format!("{}{by} [{}] ({state})", f.path.display(), f.section)
            }
            (CredentialsFile::NoSection { path, wanted, sections }, _) => {
                let has = match sections.as_slice() {
                    [] => "it has no section".to_owned(),
                    list => format!("it has {}", list.iter().map(|s| format!("[{s}]")).collect::<Vec<_>>().join(", ")),
                };
                let looked =
                    wanted.as_ref().map_or_else(|| "[basic] or [basiccredentials]".to_owned(), |w| format!("[{w}]"));
                format!("{}{by} (no {looked} section; {has})", path.display())
            }
            (CredentialsFile::Absent, Some(p)) => format!("{} (not found)", p.display()),
            (CredentialsFile::Absent, None) => "~/.huaweicloud/credentials (no home directory)".to_owned(),
        };
        let hint = format!(
            "none found; looked at: explicit credentials (none given), {env_state}, {} ({}), the credentials file {file_place}",
            vars::AUTH_TOKEN,
            auth.absence()
        );
        Err(ConfigError::missing("credentials", hint))
    }
}

/// Checks an endpoint URL; the error names where it came from.
fn endpoint(url: &str, origin: ConfigOrigin) -> Result<(), ConfigError> {
    Endpoint::parse(url).map(drop).map_err(|e| e.with_origin(origin))
}

/// A complete AK/SK pair from one place (`place`; each value is a name and what was found), none,
/// or an error naming the missing or empty half. A value that cannot be used is an error naming
/// it as `origin` does, never showing a secret.
fn pair(
    place: &str,
    (ak_name, ak): (&str, &Found),
    (sk_name, sk): (&str, &Found),
    (token_name, token): (&str, &Found),
    origin: impl Fn(&str) -> ConfigOrigin,
) -> Result<Option<Credentials>, ConfigError> {
    match (ak.text(), sk.text()) {
        (Some(a), Some(s)) => {
            let built = match token.text() {
                Some(t) => Credentials::temporary(a, s, t),
                None => Credentials::ak_sk(a, s),
            };
            built.map(Some).map_err(|e| {
                // The core checks each value alone: find the one refused, to name it.
                let culprit = if Credentials::ak_sk(a, "x").is_err() {
                    ak_name
                } else if Credentials::ak_sk("x", s).is_err() {
                    sk_name
                } else {
                    token_name
                };
                e.with_origin(origin(culprit))
            })
        }
        (Some(_), None) => Err(incomplete(ak_name, sk_name, place, sk)),
        (None, Some(_)) => Err(incomplete(sk_name, ak_name, place, ak)),
        (None, None) => Ok(None),
    }
}

/// `set` is set in `place` but `unset` is not (`found` says whether it is empty or missing).
fn incomplete(set: &str, unset: &str, place: &str, found: &Found) -> ConfigError {
    ConfigError::Incomplete {
        set: set.to_owned(),
        unset: unset.to_owned(),
        place: place.to_owned(),
        empty: *found == Found::Empty,
    }
}
