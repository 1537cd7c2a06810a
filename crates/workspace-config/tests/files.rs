//! Files as the real file system has them: only regular files of bounded size are read, and a
//! credentials file others may read is reported.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use workspace_config::{ConfigLoader, Environment, LoadedConfig, MAX_FILE_BYTES, SystemEnvironment};
use workspace_core::{ClientOptions, Error, ProjectSource};

/// Variables given in code, files from the real file system, through `SystemEnvironment`.
#[derive(Debug, Default)]
struct RealFiles {
    vars: HashMap<String, OsString>,
}

impl RealFiles {
    fn var(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }
}

impl Environment for RealFiles {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path) -> io::Result<String> {
        SystemEnvironment.read_file(path)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        None
    }

    fn file_mode(&self, path: &Path) -> Option<u32> {
        SystemEnvironment.file_mode(path)
    }
}

const CREDS: &str = "[basic]\nak = FILEAK\nsk = file-secret\nproject_id = p\n";

fn load_credentials_file(path: &Path) -> Result<LoadedConfig, Error> {
    let env = RealFiles::default().var("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path);
    ConfigLoader::with_environment(env).load(ClientOptions::builder().region("cn-north-4"))
}

#[test]
fn a_regular_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, CREDS).unwrap();
    let loaded = load_credentials_file(&path).unwrap();
    assert!(matches!(loaded.options().project(), ProjectSource::Id(id) if id.as_str() == "p"));
}

#[test]
fn a_file_larger_than_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    let mut text = CREDS.to_owned();
    text.push('#');
    text.push_str(&"x".repeat(MAX_FILE_BYTES as usize - text.len()));
    std::fs::write(&path, &text).unwrap();
    assert_eq!(text.len() as u64, MAX_FILE_BYTES);
    assert!(load_credentials_file(&path).is_ok(), "exactly the limit is read");
    text.push('x');
    std::fs::write(&path, &text).unwrap();
    let err = load_credentials_file(&path).unwrap_err().to_string();
    assert!(err.contains(&format!("cannot read the credentials file {}", path.display())), "{err}");
    assert!(err.contains("it is larger than 1024 KiB"), "{err}");
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_credentials_file(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&format!("cannot read the credentials file {}", dir.path().display())), "{err}");
    assert!(err.contains("it is a directory, not a regular file"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, b"[basic]\nak = A\xff\n").unwrap();
    let err = load_credentials_file(&path).unwrap_err().to_string();
    assert!(err.contains("it is not UTF-8 text (an invalid byte at offset 14)"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_device_is_refused_without_being_read() {
    for device in ["/dev/null", "/dev/zero"] {
        let err = load_credentials_file(Path::new(device)).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "cannot read the credentials file {device} (named by HUAWEICLOUD_SDK_CREDENTIALS_FILE): it is a character device, not a regular file"
            )),
            "{err}"
        );
    }
    // The regions file too.
    let env = RealFiles::default()
        .var("HUAWEICLOUD_SDK_AK", "A")
        .var("HUAWEICLOUD_SDK_SK", "s")
        .var("HUAWEICLOUD_SDK_REGIONS_FILE", "/dev/null");
    let err = ConfigLoader::with_environment(env).load(ClientOptions::builder().region("cn-north-4")).unwrap_err();
    assert!(err.to_string().contains("cannot read the regions file /dev/null"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_being_opened() {
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("credentials");
    let made = std::process::Command::new("mkfifo").arg(&fifo).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    // A writer that hands over valid credentials to whoever opens the FIFO for reading: a loader
    // that opened it would read them and succeed.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            w.write_all(CREDS.as_bytes()).unwrap();
        })
    };
    let result = load_credentials_file(&fifo);
    // Let the writer finish whatever happened, so that the test ends either way.
    if result.is_err() {
        let mut drained = String::new();
        std::fs::File::open(&fifo).unwrap().read_to_string(&mut drained).unwrap();
    }
    writer.join().unwrap();
    let err = result.unwrap_err().to_string();
    assert!(err.contains("it is a FIFO (named pipe), not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_credentials_file_others_may_read_is_reported() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, CREDS).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(load_credentials_file(&path).unwrap().warnings(), [] as [String; 0]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loaded = load_credentials_file(&path).unwrap();
    assert_eq!(
        loaded.warnings(),
        [format!(
            "the credentials file {} can be accessed by its group or others (mode 0644); restrict it to its owner with chmod 600",
            path.display()
        )]
    );
}
