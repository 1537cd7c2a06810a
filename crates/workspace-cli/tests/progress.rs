//! The progress of a whole read as a person sees it on a terminal (tmux): with the service's
//! count of the desktops once the first page gave it. The read is held after its first page (the
//! next request stalls), so the line stays on the screen until the test has read it.
#![allow(clippy::unwrap_used)]

mod tmux;

use std::time::Duration;

use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, Fault, FaultRule, fleet};

use tmux::Tmux;

#[test]
fn a_whole_read_on_a_terminal_shows_how_many_of_the_services_count_it_read() {
    let desktops = fleet::generate(&fleet::FleetSpec { desktops: 1200, seed: 3, status_weights: [1, 2, 3, 4] });
    // The first page is answered; the requests after it stall.
    let faults = vec![
        FaultRule::new(Fault::delay(Duration::ZERO), 1),
        FaultRule::new(Fault::stall(Duration::from_secs(3600)), 100),
    ];
    let emu = Emulator::start(EmulatorConfig::default().fleet(desktops).faults(faults)).unwrap();
    let tmux = Tmux::start("progress", 100, 20);
    // stdout to a file, stderr to the terminal, where the progress goes.
    let out = std::env::temp_dir().join(format!("wks-progress-{}.json", std::process::id()));
    tmux.line(&format!(
        "env -i TERM=xterm-256color HOME=/nonexistent HUAWEICLOUD_SDK_AK={DEMO_AK} HUAWEICLOUD_SDK_SK={DEMO_SK} {} --endpoint {} --project-id {} connections list --all --limit 500 --concurrency 1 > {}",
        env!("CARGO_BIN_EXE_wks"),
        emu.base_url(),
        emu.project_id(),
        out.display()
    ));
    tmux.wait_for("the progress with the service's count", |s| {
        s.lines().any(|l| l.trim_end() == "read 500 of 1,200 desktops…").then_some(())
    });
    tmux.keys(&["C-c"]);
    let _ = std::fs::remove_file(out);
}
