//! The chain: explicit values, then the environment, then the credentials file.

use std::fmt;
use std::sync::Arc;

use workspace_core::{ClientOptions, ClientOptionsBuilder, ConfigError, Credentials, Error};

use crate::credentials_file::{self, CREDENTIALS_FILE_VAR, FileProfile};
use crate::environment::{Environment, SystemEnvironment};
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

/// The result of loading: checked client options, and where each setting came from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    options: ClientOptions,
    sources: Vec<(&'static str, Source)>,
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
}

/// Completes a client's options from the environment and the files Huawei Cloud users already
/// have: what is set on the builder handed to [`load`](Self::load) wins; each setting it leaves
/// unset is looked up, in this order of precedence.
///
/// - Credentials: explicit; else `HUAWEICLOUD_SDK_AK` and
///   `HUAWEICLOUD_SDK_SK` (with `HUAWEICLOUD_SDK_SECURITY_TOKEN`), or
///   `HUAWEICLOUD_SDK_AUTH_TOKEN`; else the credentials file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE`,
///   else `~/.huaweicloud/credentials`, section `[basic]` or `[basiccredentials]`). A partial set
///   (an AK without its SK) is an error naming what is missing, never a fallthrough; finding
///   nothing is an error listing every place looked at.
/// - Project id: explicit; else `HUAWEICLOUD_SDK_PROJECT_ID`; else the credentials file; else,
///   with a region, discovered from IAM at the first call.
/// - Endpoint: explicit; else `HUAWEICLOUD_SDK_REGION_WORKSPACE_{REGION}` (comma-separated, the
///   rest are fallbacks); else `regions.yaml` (`HUAWEICLOUD_SDK_REGIONS_FILE`, else
///   `~/.huaweicloud/regions.yaml`); else the region's documented endpoint.
/// - IAM endpoint: explicit; else `HUAWEICLOUD_SDK_IAM_ENDPOINT`; else the credentials file;
///   else the region's where the official SDKs' table has one, else the global one.
/// - Everything else (retries, timeouts, concurrency) comes from the builder as it is.
///
/// It only reads: no file is ever written, and no network address is probed.
#[derive(Clone)]
pub struct ConfigLoader {
    env: Arc<dyn Environment>,
}

impl Default for ConfigLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ConfigLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigLoader").field("env", &self.env).finish_non_exhaustive()
    }
}

impl ConfigLoader {
    /// A loader over the process environment and the real home directory.
    pub fn new() -> Self {
        Self::with_environment(SystemEnvironment)
    }

    /// A loader over another environment (for tests).
    pub fn with_environment(env: impl Environment + 'static) -> Self {
        Self { env: Arc::new(env) }
    }

    /// Completes `explicit` and checks the result. The error says what is missing or wrong, and
    /// where it looked.
    pub fn load(&self, explicit: ClientOptionsBuilder) -> Result<LoadedConfig, Error> {
        let env = &*self.env;
        let file = credentials_file::read(env)?;
        let mut sources = Vec::new();
        let region = explicit.get_region().map(str::to_owned);
        let mut options = explicit.clone();

        if explicit.has_credentials() {
            sources.push(("credentials", Source::Explicit));
        } else {
            let (credentials, source) = self.credentials(file.as_ref())?;
            options = options.credentials(credentials);
            sources.push(("credentials", source));
        }

        let project = match explicit.get_project_id() {
            Some(p) => Some((p.to_owned(), Source::Explicit)),
            None => env.var(vars::PROJECT_ID)?.map(|p| (p, Source::Environment(vars::PROJECT_ID.into()))),
        };
        let project = project.or_else(|| {
            let f = file.as_ref()?;
            Some((f.project_id.clone()?, Source::File(f.path.display().to_string())))
        });
        match project {
            Some((id, source)) => {
                options = options.project_id(id);
                sources.push(("project_id", source));
            }
            None if region.is_some() => sources.push(("project_id", Source::Discovery)),
            None => {
                return Err(ConfigError::new(format!(
                    "no project id: give one explicitly, set {}, put project_id in the credentials file, or give a region to discover it",
                    vars::PROJECT_ID
                ))
                .into());
            }
        }

        match (explicit.get_endpoint(), &region) {
            (Some(_), _) => sources.push(("endpoint", Source::Explicit)),
            (None, Some(region)) => match regions::overridden(env, region)? {
                Some((list, from)) => {
                    options = options.endpoint(list[0].clone()).fallback_endpoints(list[1..].to_vec());
                    let source =
                        if from.starts_with("HUAWEICLOUD_") { Source::Environment(from) } else { Source::File(from) };
                    sources.push(("endpoint", source));
                }
                None => {
                    workspace_core::Endpoint::region(region)?;
                    sources.push(("endpoint", Source::Default));
                }
            },
            (None, None) => {
                return Err(
                    ConfigError::new("no endpoint: give a region (such as cn-north-4) or an endpoint URL").into()
                );
            }
        }

        let iam = match explicit.get_iam_endpoint() {
            Some(_) => Some((None, Source::Explicit)),
            None => env.var(vars::IAM_ENDPOINT)?.map(|u| (Some(u), Source::Environment(vars::IAM_ENDPOINT.into()))),
        };
        let iam = iam.or_else(|| {
            let f = file.as_ref()?;
            Some((Some(f.iam_endpoint.clone()?), Source::File(f.path.display().to_string())))
        });
        if let Some((url, source)) = iam {
            if let Some(url) = url {
                options = options.iam_endpoint(url);
            }
            sources.push(("iam_endpoint", source));
        }
        Ok(LoadedConfig { options: options.build()?, sources })
    }

    /// The credentials from the environment or the file: the first complete set in precedence
    /// order; a partial set is an error.
    fn credentials(&self, file: Option<&FileProfile>) -> Result<(Credentials, Source), ConfigError> {
        let env = &*self.env;
        let from_env = pair(
            "the environment",
            vars::AK,
            vars::SK,
            env.var(vars::AK)?,
            env.var(vars::SK)?,
            env.var(vars::SECURITY_TOKEN)?,
        )?;
        if let Some(creds) = from_env {
            return Ok((creds, Source::Environment(format!("{}, {}", vars::AK, vars::SK))));
        }
        if let Some(token) = env.var(vars::AUTH_TOKEN)? {
            return Ok((Credentials::token(token)?, Source::Environment(vars::AUTH_TOKEN.into())));
        }
        if let Some(f) = file {
            let place = format!("the credentials file {} [{}]", f.path.display(), f.section);
            if let Some(creds) = pair(&place, "ak", "sk", f.ak.clone(), f.sk.clone(), f.security_token.clone())? {
                return Ok((creds, Source::File(f.path.display().to_string())));
            }
        }
        let (path, named) = credentials_file::credentials_path(env);
        let file_place = match (path, named, file) {
            (Some(p), _, Some(_)) => format!("{} (no ak/sk in [basic] or [basiccredentials])", p.display()),
            (Some(p), true, None) => format!("{} (named by {CREDENTIALS_FILE_VAR}; no [basic] section)", p.display()),
            (Some(p), false, None) => format!("{} (not found)", p.display()),
            (None, _, _) => "~/.huaweicloud/credentials (no home directory)".to_owned(),
        };
        Err(ConfigError::new(format!(
            "no credentials found; looked at: explicit credentials (none given), {} and {} (unset), {} (unset), the credentials file {file_place}",
            vars::AK,
            vars::SK,
            vars::AUTH_TOKEN
        )))
    }
}

/// A complete AK/SK pair from one place, none, or an error naming the missing half.
fn pair(
    place: &str,
    ak_name: &str,
    sk_name: &str,
    ak: Option<String>,
    sk: Option<String>,
    token: Option<String>,
) -> Result<Option<Credentials>, ConfigError> {
    match (ak, sk) {
        (Some(ak), Some(sk)) => Ok(Some(match token {
            Some(t) => Credentials::temporary(ak, sk, t)?,
            None => Credentials::ak_sk(ak, sk)?,
        })),
        (Some(_), None) => Err(ConfigError::new(format!("{ak_name} is set in {place} but {sk_name} is missing"))),
        (None, Some(_)) => Err(ConfigError::new(format!("{sk_name} is set in {place} but {ak_name} is missing"))),
        (None, None) => Ok(None),
    }
}
