//! `wks` and its configuration: files it refuses to read, values named by where they came from,
//! warnings on stderr, the exit code of a project id IAM names but that cannot be used, and the
//! log of each HTTP exchange with `-v`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A directory of its own for one test, emptied first: the home of a `wks` run, and its files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-configuration-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".huaweicloud")).unwrap();
    dir
}

/// `wks` with a clean environment: no HUAWEICLOUD_* variable, `home` as the home directory.
fn wks(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", home).env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `wks ... connections list` with `args` before the command against an address where
/// nothing listens: every case here fails before anything is sent.
fn refused(c: &mut Command, args: &[&str]) -> Output {
    c.args(["--endpoint", "http://127.0.0.1:9", "--retries", "0"]).args(args).args(["connections", "list"]);
    c.output().unwrap()
}

#[test]
fn a_bad_flag_value_is_named_by_its_flag() {
    let home = scratch("flags");
    let keys = |c: &mut Command| {
        c.env("HUAWEICLOUD_SDK_AK", "AK").env("HUAWEICLOUD_SDK_SK", "secret-key");
    };
    let mut c = wks(&home);
    keys(&mut c);
    let o = refused(&mut c, &["--project-id", "a/b"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("wks: invalid configuration: --project-id: project_id \"a/b\" is invalid"));
    let mut c = wks(&home);
    keys(&mut c);
    let o = c.args(["--region", "moon-1", "--project-id", "p", "connections", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--region: region \"moon-1\" is unknown"), "{}", stderr(&o));
    let mut c = wks(&home);
    keys(&mut c);
    let o = c.args(["--endpoint", "https://127.0.0.1:0", "--project-id", "p", "connections", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--endpoint: endpoint \"https://127.0.0.1:0\""), "{}", stderr(&o));
    let o = refused(&mut wks(&home), &["--project-id", "p", "--auth-token", "two words"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--auth-token: auth_token must be printable ASCII"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("two words"), "{}", stderr(&o));
    std::fs::remove_dir_all(home).unwrap();
}

#[test]
fn a_bad_value_from_the_environment_or_a_file_is_named_by_its_place() {
    let home = scratch("places");
    let o = refused(
        wks(&home).env("HUAWEICLOUD_SDK_AK", "AK").env("HUAWEICLOUD_SDK_SK", "").env("HUAWEICLOUD_SDK_PROJECT_ID", "p"),
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "wks: invalid configuration: HUAWEICLOUD_SDK_AK is set in the environment but HUAWEICLOUD_SDK_SK is empty"
    );
    let o = refused(
        wks(&home)
            .env("HUAWEICLOUD_SDK_AK", "AK")
            .env("HUAWEICLOUD_SDK_SK", "s")
            .env("HUAWEICLOUD_SDK_PROJECT_ID", "a b"),
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("wks: invalid configuration: HUAWEICLOUD_SDK_PROJECT_ID: project_id \"a b\" is invalid")
    );
    // A credentials file without the section read says so, rather than "not found".
    let creds = home.join(".huaweicloud").join("credentials");
    std::fs::write(&creds, "[default]\nak = AK\nsk = secret-key\n").unwrap();
    let o = refused(&mut wks(&home), &["--project-id", "p"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let expected = format!("{} (no [basic] or [basiccredentials] section; it has [default])", creds.display());
    assert!(stderr(&o).contains(&expected), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not found"), "{}", stderr(&o));
    std::fs::remove_dir_all(home).unwrap();
}

#[test]
fn a_repeated_key_in_the_credentials_file_is_refused_without_its_values() {
    let home = scratch("repeated");
    let creds = home.join(".huaweicloud").join("credentials");
    std::fs::write(&creds, "[basic]\nak = AK\nsk = first-secret\nsk = second-secret\n").unwrap();
    let o = refused(&mut wks(&home), &["--project-id", "p"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "wks: invalid configuration: the file {} [basic]: sk is set 2 times; which one is meant is ambiguous, so keep only one",
            creds.display()
        )
    );
    assert!(!err.contains("secret"), "{err}");
    std::fs::remove_dir_all(home).unwrap();
}

#[cfg(unix)]
#[test]
fn a_device_or_a_fifo_as_the_credentials_file_is_refused_at_once() {
    use std::io::{Read, Write};

    let home = scratch("special");
    let o = refused(wks(&home).env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/dev/zero"), &["--project-id", "p"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "cannot read the credentials file /dev/zero (named by HUAWEICLOUD_SDK_CREDENTIALS_FILE): it is a character device, not a regular file"
        ),
        "{}",
        stderr(&o)
    );
    let fifo = home.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).output().unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    // A writer that hands credentials to whoever opens the FIFO: a wks that opened it would read
    // them and go on.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            w.write_all(b"[basic]\nak = AK\nsk = secret-key\n").unwrap();
        })
    };
    let o = refused(wks(&home).env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &fifo), &["--project-id", "p"]);
    if o.status.code() == Some(3) {
        let mut drained = Vec::new();
        std::fs::File::open(&fifo).unwrap().read_to_end(&mut drained).unwrap();
    }
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("it is a FIFO (named pipe), not a regular file"), "{}", stderr(&o));
    std::fs::remove_dir_all(home).unwrap();
}

#[cfg(feature = "emulator")]
mod against_the_emulator {
    use super::*;
    use workspace_emulator::{Behaviour, DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, Fault, FaultRule};

    /// `wks` at `emu`, with the demo keys in the environment; the project id is discovered from
    /// the emulator's IAM unless given.
    fn wks_at(home: &Path, emu: &Emulator) -> Command {
        let mut c = wks(home);
        c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", DEMO_SK);
        c.env("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.base_url());
        c.args(["--endpoint", &emu.base_url(), "--region", emu.region()]);
        c
    }

    #[test]
    fn a_project_id_iam_names_that_cannot_be_used_breaks_the_contract() {
        let home = scratch("iam-project");
        let emu = Emulator::start(EmulatorConfig::default().desktops(3).project_id("../admin")).unwrap();
        let o = wks_at(&home, &emu).args(["--retries", "0", "connections", "list", "-o", "json"]).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(6), "{err}");
        assert!(err.starts_with("wks: IAM named a project whose id cannot be used (invalid project_id \"../admin\""));
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(o.stdout.is_empty());
        // Only IAM was asked: nothing went to the project.
        assert_eq!(emu.stats().pages_served, 0);
        std::fs::remove_dir_all(home).unwrap();
    }

    #[test]
    fn verbose_logs_each_http_exchange_without_user_names() {
        let home = scratch("verbose");
        let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
        let o = wks_at(&home, &emu)
            .args(["-v", "connections", "list", "--limit", "1", "--user", "alice-the-user", "-o", "json"])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(o.status.success(), "{err}");
        let calls: Vec<&str> = err.lines().filter(|l| l.contains(" -> ")).collect();
        assert_eq!(calls.len(), 2, "project discovery, then the page: {err}");
        let shape = |line: &str, start: &str| {
            let rest = line.strip_prefix(start).unwrap_or_else(|| panic!("{line:?} should start with {start:?}"));
            let (ms, id) = rest.split_once(" ms (request id ").unwrap_or_else(|| panic!("{line}"));
            assert!(ms.parse::<u64>().is_ok(), "{line}");
            let id = id.strip_suffix(", attempt 1)").unwrap_or_else(|| panic!("{line}"));
            assert!(!id.is_empty(), "{line}");
        };
        shape(calls[0], &format!("wks: GET /v3/projects?name={} -> 200 in ", emu.region()));
        let page =
            format!("wks: GET /v2/{}/connect-desktops?limit=1 (1 user name not shown) -> 200 in ", emu.project_id());
        shape(calls[1], &page);
        assert!(!err.contains("alice"), "{err}");
        assert!(!err.contains(DEMO_SK), "{err}");
        // Without -v, nothing of the kind.
        let o = wks_at(&home, &emu).args(["-q", "connections", "list", "--limit", "1", "-o", "json"]).output().unwrap();
        assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
        std::fs::remove_dir_all(home).unwrap();
    }

    #[test]
    fn very_verbose_adds_retries_and_paging_decisions() {
        let home = scratch("very-verbose");
        // More desktops than one query reaches, in pages capped at 500, and one 503 to retry.
        let config = EmulatorConfig::default().desktops(5000).behaviour(Behaviour::default().page_cap(500));
        let emu = Emulator::start(config).unwrap();
        let args = ["connections", "list", "--project-id", emu.project_id(), "-o", "ndjson"];
        let run = |verbose: &str| {
            emu.push_faults([FaultRule::new(Fault::Status { status: 503, retry_after: None }, 1)]);
            let o = wks_at(&home, &emu).arg(verbose).args(args).args(["--concurrency", "1"]).output().unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            assert_eq!(o.stdout.iter().filter(|&&b| b == b'\n').count(), 5000);
            stderr(&o)
        };
        let decisions = ["retrying", "splitting a part that one query cannot reach", "the service caps its pages"];
        let v = run("-v");
        let calls: Vec<&str> = v.lines().filter(|l| l.starts_with("wks: GET ")).collect();
        assert!(calls[0].contains("-> 503 in ") && calls[0].ends_with(", attempt 1)"), "{v}");
        assert!(calls[1].contains("-> 200 in ") && calls[1].ends_with(", attempt 2)"), "{v}");
        assert_eq!(v.lines().count(), calls.len() + 1, "one line per call, then the read's report: {v}");
        for d in decisions {
            assert!(!v.contains(d), "{d} only with -vv: {v}");
        }
        let vv = run("-vv");
        for d in decisions {
            assert!(vv.contains(d), "{d}: {vv}");
        }
        assert!(vv.lines().filter(|l| l.starts_with("wks: GET ")).count() >= calls.len(), "{vv}");
        std::fs::remove_dir_all(home).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_credentials_file_others_may_read_is_a_warning_on_stderr() {
        use std::os::unix::fs::PermissionsExt;

        let home = scratch("warning");
        let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
        let creds = home.join(".huaweicloud").join("credentials");
        std::fs::write(&creds, format!("[basic]\nak = {DEMO_AK}\nsk = {DEMO_SK}\n")).unwrap();
        let run = |mode: u32| {
            std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(mode)).unwrap();
            let mut c = wks(&home);
            c.args(["--endpoint", &emu.base_url(), "--project-id", emu.project_id()]);
            // A warning is shown even with --quiet.
            let o = c.args(["connections", "list", "--limit", "1", "-o", "json", "--quiet"]).output().unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            stderr(&o)
        };
        let err = run(0o644);
        assert_eq!(
            err,
            format!(
                "wks: warning: the credentials file {} can be accessed by its group or others (mode 0644); restrict it to its owner with chmod 600\n",
                creds.display()
            )
        );
        assert_eq!(run(0o600), "");
        std::fs::remove_dir_all(home).unwrap();
    }
}
