//! The `workspace-emulator` program's contract: its flags, its first line, and a clean stop.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use common::*;
use workspace_core::{Config, Credentials, Endpoint, build_request};
use workspace_types::{ListDesktopsConnectStatusResponse, ProjectId};

#[test]
fn serves_a_fleet_file_with_given_keys_and_stops_on_ctrl_c() {
    let dir = std::env::temp_dir().join(format!("wks-emu-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fleet = dir.join("fleet.json");
    std::fs::write(
        &fleet,
        r#"{"desktops":[
            {"desktop_id":"d-1","desktop_name":"one","connect_status":"CONNECTED","attach_users":[{"id":"u1","name":"alice","user_group":"users","type":"USER"}]},
            {"desktop_id":"d-2","desktop_name":"two","connect_status":"REGISTERED","attach_users":[]}
        ],"total_count":2}"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_workspace-emulator"))
        .args(["--listen", "127.0.0.1:0", "--fleet", fleet.to_str().unwrap(), "--project-id", "proj1"])
        .args(["--ak", "MYAK", "--sk", "my-sk"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {first}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    let rest: Vec<String> = lines.by_ref().take(2).map(Result::unwrap).collect();
    assert_eq!(rest[0], "project id: proj1");
    assert!(!rest.join("\n").contains("my-sk"), "a secret given on the command line is not printed");

    let config = Config::new(
        Endpoint::parse(&url).unwrap(),
        ProjectId::new("proj1").unwrap(),
        Credentials::ak_sk("MYAK", "my-sk").unwrap(),
    );
    let resp = send(build_request(&config, &query().build().unwrap(), SystemTime::now()).unwrap()).unwrap();
    let got: ListDesktopsConnectStatusResponse = page(&resp);
    let want: ListDesktopsConnectStatusResponse = serde_json::from_slice(&std::fs::read(&fleet).unwrap()).unwrap();
    assert_eq!(got, want);

    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "stops cleanly on Ctrl-C: {exit}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_flags_are_refused_with_a_clear_message() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_workspace-emulator")).args(["--status-weights", "1,2"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("give four weights"));
    let out = Command::new(env!("CARGO_BIN_EXE_workspace-emulator"))
        .args(["--fleet", "/no/such/file.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/file.json"));
}
