//! What tracing shows of failing and succeeding calls: attempts and decisions, never a secret
//! and never a user name. Run it with [`tracing_suite!`](crate::tracing_suite), alone in its test
//! binary: tracing caches per call site whether anyone listens, so a test running beside it
//! without a subscriber could hide its events.

use workspace_core::Query;

use crate::driver::Driver;
use crate::setup;

/// A call retried after a 503, and one refused with a 401, as traced.
pub fn tracing_shows_attempts_and_decisions_but_no_secret_and_no_user_name<D: Driver>() {
    let driver = D::new();
    let (emu, user) = setup::tracing_emulator();
    let captured = setup::Captured::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    let good = driver.client(setup::temporary_options(&emu, setup::TMP_SK)).expect("a client");
    assert!(driver.send(&good, &Query::new().user_name(user.clone())).is_ok());
    let bad = driver.client(setup::temporary_options(&emu, setup::WRONG_SK)).expect("a client");
    assert!(driver.send(&bad, &Query::new().user_name(user.clone())).is_err());
    setup::check_trace(&captured.text(), &user);
}

/// The tracing suite for a driver, for a test binary of its own with the client's `tracing`
/// feature.
///
/// ```ignore
/// workspace_testkit::tracing_suite!(workspace_testkit::Blocking);
/// ```
#[macro_export]
macro_rules! tracing_suite {
    ($driver:ty) => {
        $crate::__suite_tests!($driver, tracing:
            tracing_shows_attempts_and_decisions_but_no_secret_and_no_user_name,
        );
    };
}
