//! `wks top` as a person sees it: run in a real terminal (tmux), its screen read with
//! `capture-pane` and compared with the emulator's fleet, driven with keys, and the terminal
//! checked to be restored after `q` and after Ctrl-C. Nothing waits for a time: each step polls
//! the screen until what it expects is there, within a generous bound. tmux is installed by
//! `.ci/run`; without it these tests fail, saying so.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig, fleet};

/// How many times a step reads the screen before it fails: about a minute.
const TRIES: usize = 3000;

/// A tmux server of this test's own, killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// A server with one window of `width` x `height` running a plain bash.
    fn start(name: &str, width: u16, height: u16) -> Self {
        let found = Command::new("sh").args(["-c", "command -v tmux"]).output().unwrap();
        assert!(found.status.success(), "tmux is needed by this test: install Debian's tmux (.ci/run does)");
        let dir = std::env::temp_dir().join(format!("wks-top-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tmux = Self { socket: dir.join("socket") };
        let (w, h) = (width.to_string(), height.to_string());
        let shell = "env -i TERM=xterm-256color PS1='$ ' bash --norc --noprofile";
        tmux.run(&["new-session", "-d", "-x", &w, "-y", &h, shell]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let o = Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().unwrap();
        assert!(o.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o
    }

    /// Types `keys` (tmux key names, such as `Enter` or `C-c`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types a line of text and Enter.
    fn line(&self, text: &str) {
        self.run(&["send-keys", "-l", text]);
        self.keys(&["Enter"]);
    }

    /// The screen as text.
    fn screen(&self) -> String {
        String::from_utf8(self.run(&["capture-pane", "-p"]).stdout).unwrap()
    }

    /// A tmux format of the pane, such as `#{alternate_on}`.
    fn pane(&self, format: &str) -> String {
        String::from_utf8(self.run(&["display-message", "-p", format]).stdout).unwrap().trim().to_owned()
    }

    /// Reads the screen until `check` finds what it wants in it, and returns that.
    fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&str) -> Option<T>) -> T {
        let mut screen = String::new();
        for _ in 0..TRIES {
            screen = self.screen();
            if let Some(found) = check(&screen) {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{what} never showed; the screen:\n{screen}");
    }

    /// Checks that the terminal is back to normal: out of the alternate screen, the cursor shown,
    /// and the line discipline cooked and echoing, as the shell's `stty` says.
    fn assert_restored(&self, mark: &str) {
        self.wait_for("the shell's prompt", |_| (self.pane("#{alternate_on}") == "0").then_some(()));
        assert_eq!(self.pane("#{cursor_flag}"), "1", "the cursor is shown");
        self.line(&format!(
            "stty -a | tr ' ' '\\n' | grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' '; echo {mark}"
        ));
        // The output's line, not the typed one (which may wrap): the modes, then the mark.
        let modes = self.wait_for(mark, |s| {
            s.lines().find_map(|l| {
                let modes: Vec<&str> = l.trim().strip_suffix(mark)?.split_whitespace().collect();
                let known = ["icanon", "-icanon", "echo", "-echo"];
                (!modes.is_empty() && modes.iter().all(|m| known.contains(m))).then(|| modes.join(" "))
            })
        });
        assert_eq!(modes, "icanon echo", "the terminal's modes after top");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.socket).arg("kill-server").output();
        if let Some(dir) = self.socket.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// An emulator whose fleet moves only when the test moves it.
fn emulator() -> Emulator {
    let desktops = fleet::generate(&fleet::FleetSpec { desktops: 90, seed: 7, status_weights: [1, 2, 3, 4] });
    Emulator::start(EmulatorConfig::default().fleet(desktops)).unwrap()
}

/// The command line that runs `wks top` against `emu`, in a clean environment.
fn top_command(emu: &Emulator) -> String {
    format!(
        "env -i TERM=xterm-256color HOME=/nonexistent HUAWEICLOUD_SDK_AK={DEMO_AK} HUAWEICLOUD_SDK_SK={DEMO_SK} {} --endpoint {} --project-id {} top --interval 0.2",
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
