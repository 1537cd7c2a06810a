//! Where configuration is read from: the process environment and files, or a stand-in for tests.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::{File, FileType};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use workspace_core::{ConfigError, ConfigOrigin};

/// The largest configuration file read: 1 MiB. A larger file is refused, whatever the
/// [`Environment`], and the built-in one never reads more than one byte past it.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The UTF-8 byte order mark, which some editors write at the start of a file.
const BOM: char = '\u{feff}';

/// The variables and files configuration is read from. Reading is all it does: nothing is ever
/// written, and no network address is probed.
pub trait Environment: fmt::Debug + Send + Sync {
    /// A variable's value as it is, Unicode or not; `None` when unset.
    fn var_os(&self, name: &str) -> Option<OsString>;
    /// A file's text. An error of kind `NotFound` means that there is no such file; any other
    /// error's message says why the file cannot be used.
    fn read_file(&self, path: &Path) -> io::Result<String>;
    /// The user's home directory.
    fn home_dir(&self) -> Option<PathBuf>;

    /// A file's permission bits (`mode & 0o777` on Unix), to warn about a credentials file that
    /// others may read; `None` where the platform has none or they cannot be read (the default).
    fn file_mode(&self, _path: &Path) -> Option<u32> {
        None
    }

    /// A variable's text: `None` when unset or empty; an error naming the variable when it is set
    /// but not valid UTF-8 (never a silent "missing").
    fn var(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.var_os(name) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => v.into_string().map(Some).map_err(|_| {
                let origin = ConfigOrigin::Variable(name.to_owned());
                ConfigError::invalid_secret(name, "is set but is not valid UTF-8").with_origin(origin)
            }),
        }
    }

    /// A variable that names a file: any bytes the platform allows; `None` when unset or empty.
    fn path_var(&self, name: &str) -> Option<PathBuf> {
        self.var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    }
}

/// A value as it was found: unset, set but empty, or set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Found {
    #[default]
    Unset,
    Empty,
    Set(String),
}

impl Found {
    /// The text, when there is some.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Found::Set(v) => Some(v),
            _ => None,
        }
    }

    /// `unset` or `empty`, for a message about a value that is not there.
    pub(crate) fn absence(&self) -> &'static str {
        match self {
            Found::Empty => "empty",
            _ => "unset",
        }
    }

    /// For `Debug`: whether there is a value, never the value.
    pub(crate) fn redacted(&self) -> Found {
        match self {
            Found::Set(_) => Found::Set("[redacted]".into()),
            other => other.clone(),
        }
    }

    /// A variable of `env`, told unset from empty; not valid UTF-8 is an error naming it.
    pub(crate) fn var(env: &dyn Environment, name: &str) -> Result<Found, ConfigError> {
        match env.var_os(name) {
            None => Ok(Found::Unset),
            Some(v) if v.is_empty() => Ok(Found::Empty),
            Some(_) => Ok(env.var(name)?.map_or(Found::Empty, Found::Set)),
        }
    }
}

impl From<Option<&str>> for Found {
    fn from(v: Option<&str>) -> Self {
        match v {
            None => Found::Unset,
            Some("") => Found::Empty,
            Some(v) => Found::Set(v.to_owned()),
        }
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

/// A configuration file's text, through `env`: `None` when the file does not exist and was not
/// named by a variable (`named`). A leading byte order mark is dropped. The error names the file
/// (`what` and its path, and the variable that named it) and says why it cannot be used.
pub(crate) fn read_text(
    env: &dyn Environment,
    path: &Path,
    what: &str,
    named: Option<&str>,
) -> Result<Option<String>, ConfigError> {
    let failed = |source| ConfigError::Io {
        file: what.to_owned(),
        path: path.to_owned(),
        named_by: named.map(str::to_owned),
        source,
    };
    let text = match env.read_file(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound && named.is_none() => return Ok(None),
        Err(e) => return Err(failed(e)),
    };
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(failed(io::Error::new(io::ErrorKind::InvalidData, too_large())));
    }
    Ok(Some(match text.strip_prefix(BOM) {
        Some(rest) => rest.to_owned(),
        None => text,
    }))
}

fn too_large() -> String {
    format!("it is larger than {} KiB, the most a configuration file may hold", MAX_FILE_BYTES / 1024)
}

/// What a file that is not a regular file is, for a message.
fn file_kind(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() { "a directory" } else { "not a regular file" }
}

fn not_regular(kind: FileType) -> io::Error {
    let what = file_kind(kind);
    let why = if what == "not a regular file" { what.to_owned() } else { format!("it is {what}, not a regular file") };
    io::Error::new(io::ErrorKind::InvalidInput, why)
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`]: its type is checked before it is opened
/// (opening a FIFO would wait for a writer) and again once open, and the read stops one byte
/// past the limit, so that a device or a growing file cannot exhaust memory.
fn read_regular_file(path: &Path) -> io::Result<String> {
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(not_regular(kind));
    }
    let file = File::open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(not_regular(kind));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidData, too_large()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        io::Error::new(io::ErrorKind::InvalidData, format!("it is not UTF-8 text (an invalid byte at offset {at})"))
    })
}

/// The real environment: `std::env` and the file system. It reads only regular files of at most
/// [`MAX_FILE_BYTES`]: a FIFO, a device or a directory is refused without being read.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEnvironment;

impl Environment for SystemEnvironment {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn read_file(&self, path: &Path) -> io::Result<String> {
        read_regular_file(path)
    }

    #[cfg(unix)]
    fn file_mode(&self, path: &Path) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
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
    modes: HashMap<PathBuf, u32>,
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

    /// Sets a file's permission bits, as [`Environment::file_mode`] reports them (such as
    /// `0o644`).
    pub fn mode(mut self, path: impl Into<PathBuf>, bits: u32) -> Self {
        self.modes.insert(path.into(), bits);
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

    fn file_mode(&self, path: &Path) -> Option<u32> {
        self.modes.get(path).copied()
    }
}
