//! Where configuration is read from: the process environment and files, or a stand-in for tests.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The variables and files configuration is read from. Reading is all it does: nothing is ever
/// written, and no network address is probed.
pub trait Environment: fmt::Debug + Send + Sync {
    /// A variable's value; `None` when unset or empty.
    fn var(&self, name: &str) -> Option<String>;
    /// A file's text.
    fn read_file(&self, path: &Path) -> io::Result<String>;
    /// The user's home directory.
    fn home_dir(&self) -> Option<PathBuf>;
}

/// The real environment: `std::env` and the file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEnvironment;

impl Environment for SystemEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
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
    vars: HashMap<String, String>,
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
        self.vars.insert(name.to_owned(), value.to_owned());
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
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    fn read_file(&self, path: &Path) -> io::Result<String> {
        self.files.get(path).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}
