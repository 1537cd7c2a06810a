//! A wrong secret key costs the account one failed signature, whatever `wks` was asked to do:
#![cfg(feature = "emulator")]
//! five failures in a row lock the key for five minutes, for every program that uses it.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig};

/// An empty home, so that no real configuration is ever read.
fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wks-account-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wks args` against `emu` with the demo key id and a wrong secret key.
fn wks_with_a_wrong_key(emu: &Emulator, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
    c.env_clear().env("HOME", empty_home()).env("PATH", std::env::var("PATH").unwrap_or_default());
    c.env("HUAWEICLOUD_SDK_AK", DEMO_AK).env("HUAWEICLOUD_SDK_SK", "not-the-secret-key");
    c.args(["--endpoint", &emu.base_url(), "--project-id", emu.project_id()]).args(args);
    c.output().unwrap()
}

#[test]
fn a_wrong_key_costs_one_failed_signature_per_command() {
    let commands: [&[&str]; 5] = [
        &["connections", "summary", "-o", "json"],
        &["connections", "list", "--all", "-o", "ndjson"],
        &["connections", "list", "-o", "json"],
        &["doctor", "-o", "json"],
        &["connections", "watch", "--interval", "1", "--iterations", "3", "-o", "ndjson"],
    ];
    for args in commands {
        let emu = Emulator::start(EmulatorConfig::default().desktops(12_000)).unwrap();
        let o = wks_with_a_wrong_key(&emu, args);
        assert_ne!(o.status.code(), Some(0), "wks {}", args.join(" "));
        let failures = emu.stats().auth_failures;
        assert_eq!(failures, 1, "wks {}: {failures} failed signatures", args.join(" "));
    }
}
