//! `--config.file`: three projects in three regions polled by one process, one of which does
//! not answer; the other two keep their own schedule.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::exposition::{samples, sum, value};
use support::process::{EXPORTER, ExporterProcess, PATIENCE, get};
use workspace_emulator::{DEMO_AK, DEMO_AUTH_TOKEN, DEMO_SK, Emulator, EmulatorConfig};

fn emulator(project: &str, region: &str, desktops: usize) -> Emulator {
    // The demo AK/SK and the demo IAM token are both accepted.
    Emulator::start(EmulatorConfig::default().project_id(project).region(region).desktops(desktops)).unwrap()
}

#[tokio::test]
async fn a_target_that_does_not_answer_never_delays_the_others() {
    let north = emulator("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01", "cn-north-4", 30);
    let east = emulator("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b02", "cn-east-3", 45);
    let south = emulator("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c03", "ap-southeast-1", 60);
    // Every answer of this one comes after a minute: its polls time out at the interval.
    south.set_latency(Duration::from_secs(60));

    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        format!("[basic]\nak = {DEMO_AK}\nsk = wrong\n[emulator]\nak = {DEMO_AK}\nsk = {DEMO_SK}\n"),
    )
    .unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, format!("{DEMO_AUTH_TOKEN}\n")).unwrap();
    let target = |emu: &Emulator, credentials: &str, extra: &str| {
        format!(
            "  - region: {}\n    project_id: {}\n    endpoint: {}\n    credentials:\n      {credentials}\n{extra}",
            emu.region(),
            emu.project_id(),
            emu.base_url()
        )
    };
    let config = dir.path().join("targets.yml");
    std::fs::write(
        &config,
        format!(
            "targets:\n{}{}{}",
            target(&north, "file: credentials\n      section: emulator", "    per_desktop: true\n"),
            target(&east, "token_file: token", ""),
            target(&south, "file: credentials\n      section: emulator", ""),
        ),
    )
    .unwrap();

    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(EXPORTER);
    command
        .args(["--config.file", config.to_str().unwrap(), "--interval", "10", "--listen", "127.0.0.1:0"])
        .env_clear()
        .env("HOME", home.path());
    let exporter = ExporterProcess::start_command(command);
    let url = format!("http://{}/metrics", exporter.addr);

    // Wait, bounded, for the silent target's first poll to fail (at its 10 s timeout); the
    // other two have succeeded long before.
    let start = Instant::now();
    let text = loop {
        let (status, text) = get(&url, None).await;
        assert_eq!(status, 200);
        let south_failed =
            sum(&text, "huaweicloud_workspace_poll_failures_total", &[("project_id", south.project_id())]) >= 1.0;
        if south_failed {
            break text;
        }
        assert!(start.elapsed() < PATIENCE, "the silent target never failed: {:?}", exporter.stderr_so_far());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for (emu, desktops) in [(&north, 30.0), (&east, 45.0)] {
        let labels = [("project_id", emu.project_id()), ("region", emu.region())];
        assert_eq!(value(&text, "huaweicloud_workspace_up", &labels), 1.0, "{labels:?}: {text}");
        assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &labels), desktops, "{labels:?}");
        assert_eq!(value(&text, "huaweicloud_workspace_poll_failures_total", &labels), 0.0, "{labels:?}");
    }
    let south_labels = [("project_id", south.project_id()), ("region", south.region())];
    assert_eq!(value(&text, "huaweicloud_workspace_up", &south_labels), 0.0);
    assert!(samples(&text, "huaweicloud_workspace_desktops", &south_labels).is_empty(), "no counts yet");
    // Per-target options: only the first exports each desktop.
    assert_eq!(samples(&text, "huaweicloud_workspace_desktop_status", &[]).len(), 30);
    assert_eq!(samples(&text, "huaweicloud_workspace_desktop_status", &[("project_id", north.project_id())]).len(), 30);
    // Each metric is described once, whatever the number of targets.
    assert_eq!(text.matches("# TYPE huaweicloud_workspace_up gauge").count(), 1, "{text}");

    let (status, stderr) = exporter.terminate();
    assert!(status.success(), "{stderr:?}");
    assert!(
        stderr.iter().any(|l| l.contains("level=warn msg=\"targets[2] (region ap-southeast-1, project 0c0c")
            && l.contains("poll failed")),
        "{stderr:?}"
    );
    assert!(!stderr.iter().any(|l| l.contains(DEMO_SK) || l.contains(DEMO_AUTH_TOKEN)), "{stderr:?}");
}

#[test]
fn a_bad_target_exits_3_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("targets.yml");
    std::fs::write(&config, "targets:\n  - region: cn-north-4\n    interval: 5\n").unwrap();
    let out = Command::new(EXPORTER).args(["--config.file", config.to_str().unwrap()]).env_clear().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("targets[0].interval \\\"5\\\" must be at least 10 s"), "{stderr}");
    let out = Command::new(EXPORTER)
        .args(["--config.file", config.to_str().unwrap(), "--region", "cn-north-4"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--config.file replaces the connection flags");
}
