//! A real terminal for `wks` to run in: a tmux server of a test's own, its screen read with
//! `capture-pane`, driven with keys. Nothing waits for a time: each step polls the screen until
//! what it expects is there, within a generous bound. tmux is installed by `.ci/run`; without it
//! these tests fail, saying so.
// Each test file uses a part of it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

/// How many times a step reads the screen before it fails: about a minute.
pub(crate) const TRIES: usize = 3000;

/// A tmux server of this test's own, killed when dropped.
pub(crate) struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// A server with one window of `width` x `height` running a plain bash.
    pub(crate) fn start(name: &str, width: u16, height: u16) -> Self {
        let found = Command::new("sh").args(["-c", "command -v tmux"]).output().unwrap();
        assert!(found.status.success(), "tmux is needed by this test: install Debian's tmux (.ci/run does)");
        let dir = std::env::temp_dir().join(format!("wks-tmux-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tmux = Self { socket: dir.join("socket") };
        let (w, h) = (width.to_string(), height.to_string());
        let shell = "env -i TERM=xterm-256color PS1='$ ' bash --norc --noprofile";
        tmux.run(&["new-session", "-d", "-x", &w, "-y", &h, shell]);
        tmux
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        let o = Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().unwrap();
        assert!(o.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o
    }

    /// Types `keys` (tmux key names, such as `Enter` or `C-c`).
    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types a line of text and Enter.
    pub(crate) fn line(&self, text: &str) {
        self.run(&["send-keys", "-l", text]);
        self.keys(&["Enter"]);
    }

    /// The screen as text.
    pub(crate) fn screen(&self) -> String {
        String::from_utf8(self.run(&["capture-pane", "-p"]).stdout).unwrap()
    }

    /// A tmux format of the pane, such as `#{alternate_on}`.
    pub(crate) fn pane(&self, format: &str) -> String {
        String::from_utf8(self.run(&["display-message", "-p", format]).stdout).unwrap().trim().to_owned()
    }

    /// Reads the screen until `check` finds what it wants in it, and returns that.
    pub(crate) fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&str) -> Option<T>) -> T {
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
    pub(crate) fn assert_restored(&self, mark: &str) {
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
