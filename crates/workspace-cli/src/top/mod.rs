//! `wks top`: a full-screen view of one fleet, polled every interval: the counts per status
//! with their history, the connected ratio and the latest transitions. Three threads: this one
//! draws, one polls (with the blocking client), one reads keys; they meet on one channel. The
//! terminal is restored whatever ends it: `q`, Ctrl-C (a key in raw mode), an error, or a panic
//! in any of the three (see [`screen`]).

mod screen;
mod state;
mod view;

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, SystemTime};

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use workspace_blocking::types::ConnectDesktopsInfo;
use workspace_blocking::{Client, Error, Query};

use crate::args::Top;
use crate::commands::{Failure, with_directory};
use crate::deadline::seconds;
use crate::exit;
use crate::watch;

use self::state::State;

/// What the drawing thread waits for.
enum Message {
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal changed size.
    Resized,
    /// A poll ended.
    Polled(Result<Vec<ConnectDesktopsInfo>, Error>, SystemTime),
}

/// Refuses to start unless stdout is a terminal, pointing to `watch`, which writes lines.
pub(crate) fn check_terminal() -> Result<(), Failure> {
    if io::stdout().is_terminal() {
        return Ok(());
    }
    Err(Failure::Usage(
        "top draws on a terminal and stdout is not one; for changes as lines, use `wks connections watch`".into(),
    ))
}

/// What the view tells the polling thread.
#[derive(Debug, Default)]
struct Control {
    /// Polling is paused.
    paused: AtomicBool,
    /// The next poll panics (`WKS_TEST_PANIC=poll`, debug builds only).
    panic: AtomicBool,
}

/// Which thread the key `!` makes panic, so that tests can see the terminal restored after a
/// panic: `draw` or `poll`, from `WKS_TEST_PANIC`. Read in debug builds only; for tests.
fn test_panic() -> Option<String> {
    if cfg!(debug_assertions) { std::env::var("WKS_TEST_PANIC").ok() } else { None }
}

/// Runs the view until `q` or Ctrl-C; each poll reads with the user names of `--users-from` and
/// ends by `deadline`.
pub(crate) fn top(client: &Client, args: &Top, users: Option<Vec<String>>, deadline: Duration) -> Result<(), Failure> {
    let (tx, rx) = mpsc::channel();
    let control = Arc::new(Control::default());
    let wake =
        start_polling(client.clone(), with_directory(Query::new(), users), args.interval, deadline, &control, &tx);
    start_reading_keys(tx);
    // Dropped in reverse order: the terminal (which shows the cursor), then the screen's modes.
    let (_screen, mut terminal) = screen::Screen::enter().map_err(Failure::Output)?;
    let interval = seconds(args.interval);
    let mut state = State::new();
    loop {
        terminal.draw(|frame| view::draw(frame, &state, &interval)).map_err(Failure::Output)?;
        let Ok(message) = rx.recv() else { return Ok(()) };
        match message {
            Message::Polled(Ok(desktops), at) => state.polled(desktops, at),
            Message::Polled(Err(e), _) => state.failed(exit::describe(&e)),
            Message::Resized => terminal.autoresize().map_err(Failure::Output)?,
            Message::Key(key) if key.kind != KeyEventKind::Press => {}
            Message::Key(key) => match key.code {
                KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Ok(()),
                KeyCode::Char('p') => {
                    state.paused = !state.paused;
                    control.paused.store(state.paused, Ordering::Relaxed);
                    if !state.paused {
                        // Resuming polls at once.
                        let _ = wake.send(());
                    }
                }
                KeyCode::Char('s') => state.cycle_sort(),
                KeyCode::Down | KeyCode::Char('j') => state.scroll_by(1),
                KeyCode::Up | KeyCode::Char('k') => state.scroll_by(-1),
                KeyCode::PageDown => state.scroll_by(10),
                KeyCode::PageUp => state.scroll_by(-10),
                KeyCode::Char('!') => match test_panic().as_deref() {
                    Some("draw") => panic!("a panic of top's drawing thread, for tests (WKS_TEST_PANIC=draw)"),
                    Some("poll") => {
                        control.panic.store(true, Ordering::Relaxed);
                        let _ = wake.send(());
                    }
                    _ => {}
                },
                _ => {}
            },
        }
    }
}

/// The polling thread: a whole read now and then every `interval` unless paused; a message on
/// the returned sender polls at once. It ends when the view has gone.
fn start_polling(
    client: Client,
    query: Query,
    interval: Duration,
    deadline: Duration,
    control: &Arc<Control>,
    tx: &Sender<Message>,
) -> Sender<()> {
    let (wake, woken): (Sender<()>, Receiver<()>) = mpsc::channel();
    let (control, tx) = (Arc::clone(control), tx.clone());
    std::thread::spawn(move || {
        loop {
            if control.panic.load(Ordering::Relaxed) {
                panic!("a panic of top's polling thread, for tests (WKS_TEST_PANIC=poll)");
            }
            if !control.paused.load(Ordering::Relaxed) {
                let polled = watch::poll(&client, &query, deadline).map(|(desktops, _)| desktops);
                if tx.send(Message::Polled(polled, SystemTime::now())).is_err() {
                    return;
                }
            }
            match woken.recv_timeout(interval) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    });
    wake
}

/// The thread that reads keys and resizes; it ends when the view has gone.
fn start_reading_keys(tx: Sender<Message>) {
    std::thread::spawn(move || {
        while let Ok(e) = event::read() {
            let message = match e {
                Event::Key(key) => Message::Key(key),
                Event::Resize(..) => Message::Resized,
                _ => continue,
            };
            if tx.send(message).is_err() {
                return;
            }
        }
    });
}
