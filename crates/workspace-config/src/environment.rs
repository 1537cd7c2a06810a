//! Where configuration is read from: the process environment and files, or a stand-in for tests.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use workspace_core::ConfigError;

/// The variables and files configuration is read from. Reading is all it does: nothing is ever
/// written, and no network address is probed.
pub trait Environment: fmt::Debug + Send + Sync {
    /// A variable's value as it is, Unicode or not; `None` when unset.
    fn var_os(&self, name: &str) -> Option<OsString>;
    /// A file's text.
    fn read_file(&self, path: &Path) -> io::Result<String>;
    /// The user's home directory.
    fn home_dir(&self) -> Option<PathBuf>;

    /// A variable's text: `None` when unset or empty; an error naming the variable when it is set
    /// but not valid UTF-8 (never a silent "missing").
    fn var(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.var_os(name) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => {
                v.into_string().map(Some).map_err(|_| ConfigError::new(format!("{name} is set but is not valid UTF-8")))
            }
        }
    }

    /// A variable that names a file: any bytes the platform allows; `None` when unset or empty.
    fn path_var(&self, name: &str) -> Option<PathBuf> {
        self.var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    }
}

/// Where a configuration file is: the path `var` names (then it must exist), else `file` in
/// `~/.huaweicloud` (which may be absent). The flag says whether the variable named it.
pub(crate) fn file_path(env: &dyn Environment, var: &str, file: &str) -> (Option<PathBuf>, bool) {
    match env.path_var(var) {
        Some(p) => (Some(p), true),
        None => (env.home_dir().map(|h| h.join(".huaweicloud").join(file)), false),
    }
}

/// The real environment: `std::env` and the file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEnvironment;

impl Environment for SystemEnvironment {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn read_file(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty())
    }
}

/// A stand-in environment: variables and files given in code, so that tests never touch the real
/// ones (or the real home directory). `Debug` shows names and paths, never values or contents.
#[derive(Clone, Default)]
pub struct MapEnvironment {
    vars: HashMap<String, OsString>,
    files: HashMap<PathBuf, String>,
    home: Option<PathBuf>,
}

impl MapEnvironment {
    /// An empty environment, without a home directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Sets a variable to any value the platform allows, such as one that is not valid UTF-8.
    pub fn var_os(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Adds a file.
    pub fn file(mut self, path: impl Into<PathBuf>, text: &str) -> Self {
        self.files.insert(path.into(), text.to_owned());
        self
    }

    /// Sets the home directory.
    pub fn home(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home = Some(dir.into());
        self
    }
}

impl fmt::Debug for MapEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut vars: Vec<&String> = self.vars.keys().collect();
        vars.sort();
        let mut files: Vec<&PathBuf> = self.files.keys().collect();
        files.sort();
        f.debug_struct("MapEnvironment").field("vars", &vars).field("files", &files).field("home", &self.home).finish()
    }
}

impl Environment for MapEnvironment {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path) -> io::Result<String> {
        self.files.get(path).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}
