//! What tracing shows of failing and succeeding calls: attempts and decisions, never a secret and
//! never a user name. Alone in its test binary: tracing caches per call site whether anyone
//! listens, so a test running beside it without a subscriber could hide its events.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use workspace_blocking::{Client, Query};

#[test]
fn tracing_shows_attempts_and_decisions_but_no_secret_and_no_user_name() {
    let (emu, user) = setup::tracing_emulator();
    let captured = setup::Captured::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    let good = Client::new(setup::temporary_options(&emu, setup::TMP_SK)).unwrap();
    assert!(good.send(&Query::new().user_name(user.clone())).is_ok());
    let bad = Client::new(setup::temporary_options(&emu, setup::WRONG_SK)).unwrap();
    assert!(bad.send(&Query::new().user_name(user.clone())).is_err());
    setup::check_trace(&captured.text(), &user);
}
