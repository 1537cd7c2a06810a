//! Configuration for the Huawei Cloud Workspace SDK, read the way Huawei Cloud users already
//! have it: `HUAWEICLOUD_SDK_*` variables, `~/.huaweicloud/credentials` and `regions.yaml`.
//!
//! Pick it to build a client from the environment: [`ConfigLoader::load`] takes the options
//! you set explicitly (a `ClientOptionsBuilder`) and fills in every setting you left unset, so
//! that what you set always wins; both clients take the [`LoadedConfig::into_options`]. Every
//! precedence rule is on [`ConfigLoader`]. It only reads: unlike the official SDKs, it writes no
//! file to the home directory and never probes the cloud metadata address.
//!
//! ```
//! use workspace_config::{ConfigLoader, MapEnvironment, Source};
//! use workspace_core::ClientOptions;
//!
//! let env = MapEnvironment::new()
//!     .var("HUAWEICLOUD_SDK_AK", "MYAK")
//!     .var("HUAWEICLOUD_SDK_SK", "my-secret");
//! let loaded = ConfigLoader::with_environment(env).load(ClientOptions::builder().region("cn-north-4"))?;
//! assert_eq!(loaded.source("project_id"), Some(&Source::Discovery)); // discovered at the first call
//! assert_eq!(loaded.options().endpoint().host_header(), "workspace.cn-north-4.myhuaweicloud.com");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "clap")]
mod connection_args;
mod credentials_file;
mod environment;
mod loader;
mod regions;
mod seconds;

#[cfg(feature = "clap")]
#[cfg_attr(docsrs, doc(cfg(feature = "clap")))]
pub use connection_args::ConnectionArgs;
pub use credentials_file::CREDENTIALS_FILE_VAR;
pub use environment::{Environment, MAX_FILE_BYTES, MapEnvironment, SystemEnvironment};
pub use loader::{ConfigLoader, LoadedConfig, Source, vars};
pub use regions::{REGIONS_FILE_VAR, region_var};
pub use seconds::{MAX_SECONDS, SecondsError, parse_seconds};
