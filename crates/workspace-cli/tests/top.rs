//! `wks top` as a person sees it: run in a real terminal (tmux), its screen read with
//! `capture-pane` and compared with the emulator's fleet, driven with keys, and the terminal
//! checked to be restored after `q`, after Ctrl-C and after a panic in any of its threads. Nothing waits for a time: each step polls
//! the screen until what it expects is there, within a generous bound. tmux is installed by
//! `.ci/run`; without it these tests fail, saying so.
#![allow(clippy::unwrap_used)]

mod tmux;

use std::collections::BTreeMap;

use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, fleet};

use tmux::Tmux;

/// An emulator whose fleet moves only when the test moves it.
fn emulator() -> Emulator {
    let desktops = fleet::generate(&fleet::FleetSpec { desktops: 90, seed: 7, status_weights: [1, 2, 3, 4] });
    Emulator::start(EmulatorConfig::default().fleet(desktops)).unwrap()
}

/// The command line that runs `wks top` against `emu`, in a clean environment.
fn top_command(emu: &Emulator) -> String {
    top_command_with(emu, "")
}

/// `top_command` with more of the environment, such as `WKS_TEST_PANIC=draw`.
fn top_command_with(emu: &Emulator, env: &str) -> String {
    format!(
        "env -i TERM=xterm-256color HOME=/nonexistent HUAWEICLOUD_SDK_AK={DEMO_AK} HUAWEICLOUD_SDK_SK={DEMO_SK} {env} {} --endpoint {} --project-id {} top --interval 0.2",
        env!("CARGO_BIN_EXE_wks"),
        emu.base_url(),
        emu.project_id()
    )
}

/// The emulator's counts per status, and the total, as the screen shows them.
fn fleet_counts(emu: &Emulator) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> =
        ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED", "OTHER"].iter().map(|s| (s.to_string(), 0)).collect();
    for d in emu.desktops() {
        *counts.entry(d.connect_status.clone()).or_default() += 1;
    }
    counts.insert("TOTAL".into(), emu.desktops().len() as u64);
    counts
}

/// The counts the screen shows: rows of a status (or TOTAL) and a number.
fn screen_counts(screen: &str) -> BTreeMap<String, u64> {
    screen
        .lines()
        .filter_map(|l| {
            let mut words = l.trim_matches(|c: char| c == '│' || c.is_whitespace()).split_whitespace();
            let (status, count) = (words.next()?, words.next()?.parse().ok()?);
            ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED", "OTHER", "TOTAL"]
                .contains(&status)
                .then(|| (status.to_owned(), count))
        })
        .collect()
}

#[test]
fn top_shows_the_fleet_follows_its_changes_and_restores_the_terminal() {
    let emu = emulator();
    let tmux = Tmux::start("q", 100, 40);
    tmux.line(&top_command(&emu));
    let want = fleet_counts(&emu);
    tmux.wait_for("the emulator's counts", |s| (screen_counts(s) == want).then_some(()));
    let screen = tmux.screen();
    let connected = want["CONNECTED"];
    assert!(screen.contains(&format!("{connected} of 90 connected")), "{screen}");
    assert_eq!(tmux.pane("#{alternate_on}"), "1", "a full-screen view");

    // A desktop changes: its transition shows, and the counts follow.
    let d = emu.desktops().into_iter().find(|d| d.connect_status == "REGISTERED").unwrap();
    assert!(emu.set_status(&d.desktop_id, "CONNECTED"));
    let want = fleet_counts(&emu);
    let change = format!("{}  REGISTERED -> CONNECTED", d.desktop_name);
    tmux.wait_for("the transition and the new counts", |s| {
        (s.contains(&change) && screen_counts(s) == want).then_some(())
    });
    assert!(tmux.screen().contains(&format!("{} of 90 connected", connected + 1)));

    // Keys: s sorts the transitions otherwise, p pauses.
    tmux.keys(&["s"]);
    tmux.wait_for("the sort by name", |s| s.contains("(sorted by name)").then_some(()));
    tmux.keys(&["p"]);
    tmux.wait_for("the pause", |s| s.contains("PAUSED").then_some(()));

    // A smaller terminal: drawn again to its size, the counts still there.
    tmux.run(&["resize-window", "-x", "72", "-y", "30"]);
    tmux.wait_for("the view at the new size", |s| {
        let fits = s.lines().all(|l| l.chars().count() <= 72) && s.lines().any(|l| l.chars().count() == 72);
        (fits && screen_counts(s) == want && s.contains("(sorted by name)")).then_some(())
    });

    tmux.keys(&["q"]);
    tmux.assert_restored("RESTORED-AFTER-Q");
}

#[test]
fn ctrl_c_ends_top_and_restores_the_terminal() {
    let emu = emulator();
    let tmux = Tmux::start("ctrl-c", 90, 36);
    tmux.line(&top_command(&emu));
    let want = fleet_counts(&emu);
    tmux.wait_for("the emulator's counts", |s| (screen_counts(s) == want).then_some(()));
    tmux.keys(&["C-c"]);
    tmux.assert_restored("RESTORED-AFTER-CTRL-C");
}

/// Makes `top` panic in one of its threads (`draw` or `poll`, through the debug builds' test-only
/// `WKS_TEST_PANIC` and the key `!`) once the view shows the fleet, and checks what a person sees
/// then: the normal screen with the panic's message on lines of their own, the exit code of a
/// panic, and a terminal back in line mode with echo and the cursor shown.
fn a_panic_restores_the_terminal(thread: &str, name: &str) {
    if !cfg!(debug_assertions) {
        // A release build has no test panic.
        return;
    }
    let emu = emulator();
    let tmux = Tmux::start(&format!("panic-{thread}"), 100, 40);
    tmux.line(&format!("{}; echo EXIT=$?", top_command_with(&emu, &format!("WKS_TEST_PANIC={thread}"))));
    let want = fleet_counts(&emu);
    tmux.wait_for("the emulator's counts", |s| (screen_counts(s) == want).then_some(()));
    assert_eq!(tmux.pane("#{alternate_on}"), "1", "a full-screen view");
    tmux.keys(&["!"]);
    let code: u8 =
        tmux.wait_for("the exit code", |s| s.lines().find_map(|l| l.strip_prefix("EXIT=")?.trim().parse().ok()));
    assert_eq!(code, 101, "a panic's exit code");
    let screen = tmux.screen();
    let message = format!("a panic of top's {name} thread, for tests (WKS_TEST_PANIC={thread})");
    // Each line starts at the left edge: the message was written in line mode, not raw.
    assert!(
        screen.lines().any(|l| l.starts_with("thread '") && l.contains("panicked at")),
        "the panic's location; the screen:\n{screen}"
    );
    assert!(screen.lines().any(|l| l == message), "the panic's message; the screen:\n{screen}");
    tmux.assert_restored(&format!("RESTORED-AFTER-{}-PANIC", thread.to_uppercase()));
}

#[test]
fn a_panic_of_the_drawing_thread_restores_the_terminal() {
    a_panic_restores_the_terminal("draw", "drawing");
}

#[test]
fn a_panic_of_the_polling_thread_restores_the_terminal() {
    a_panic_restores_the_terminal("poll", "polling");
}
