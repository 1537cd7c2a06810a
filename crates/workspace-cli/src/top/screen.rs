//! The terminal in the view's modes (raw input, the alternate screen, the cursor hidden), and
//! their restoration exactly once, by whichever comes first: the guard's drop (`q`, Ctrl-C, an
//! error, a panic of the drawing thread unwinding) or the panic hook (a panic in any thread).

use std::io::{self, Write};
use std::panic;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::{DefaultTerminal, Terminal};

/// Whether the terminal is in the view's modes and not restored yet.
static ON_SCREEN: AtomicBool = AtomicBool::new(false);

/// The exit code of a panic, as Rust's own.
const PANIC_EXIT: i32 = 101;

/// The terminal in the view's modes; restored when dropped.
pub(super) struct Screen(());

impl Screen {
    /// Puts the terminal in the view's modes and returns the guard and the terminal to draw on.
    /// From now until the restoration, a panic in any thread restores the terminal, prints its
    /// message and ends the process with 101: the view cannot go on without its screen.
    pub(super) fn enter() -> io::Result<(Self, DefaultTerminal)> {
        hook_panics();
        ON_SCREEN.store(true, Ordering::SeqCst);
        // Made first, so that a failure below restores what was done.
        let screen = Screen(());
        enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen)?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((screen, terminal))
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the view's modes, once: line mode and echo back, the normal screen, the cursor shown.
fn restore() {
    if !ON_SCREEN.swap(false, Ordering::SeqCst) {
        return;
    }
    let raw = disable_raw_mode();
    let mut out = io::stdout().lock();
    let screen = execute!(out, LeaveAlternateScreen, Show).and_then(|()| out.flush());
    if let Err(e) = raw.and(screen) {
        eprintln!("wks: cannot restore the terminal: {e}");
    }
}

/// Installs, once, a panic hook that restores the terminal before the panic's message is printed
/// (so that it is readable, on the normal screen) and, when the view was on, ends the process.
/// It holds stdout meanwhile, so that the drawing thread cannot draw over the restored screen.
fn hook_panics() {
    static HOOKED: Once = Once::new();
    HOOKED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let _stdout = io::stdout().lock();
            let on_screen = ON_SCREEN.load(Ordering::SeqCst);
            restore();
            previous(info);
            if on_screen {
                std::process::exit(PANIC_EXIT);
            }
        }));
    });
}
