//! The behavioural suite over scripted responses, and bad input refused before anything is
//! sent: no network. Run it with [`behaviour_suite!`](crate::behaviour_suite).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use workspace_core::test_util::{Replay, Scripted, VirtualClock};
use workspace_core::{Query, TransportError};

use crate::bad_input::{
    check_odd_query_sent, check_refused, empty_page, invalid_items_query, invalid_queries, odd_query, options,
};
use crate::driver::Driver;
use crate::scenarios::{JITTER_SEED, Observed, Operation, replay_options, scenarios, start_time};

/// Every scenario of [`scenarios`], on a virtual clock.
pub fn every_scenario<D: Driver>() {
    let driver = D::new();
    for s in scenarios() {
        let replay = Replay::new(s.script.clone());
        let clock = VirtualClock::new(start_time());
        let now = clock.clone();
        let options = s.options().to_builder().clock(move || now.now()).jitter_seed(JITTER_SEED);
        let client = driver.replay_client(options.build().expect("options"), &replay, Some(&clock));
        let results = match s.operation {
            Operation::Send { .. } => vec![driver.send(&client, &s.query())],
            Operation::Pages { .. } => driver.pages(&client, &s.query()).collect(),
        };
        let observed = Observed::new(replay.requests(), clock.sleeps(), results);
        s.check(&observed).unwrap_or_else(|e| panic!("{}: {e}", D::NAME));
    }
}

/// A whole read whose pages fail after the probe: the probe's desktops, the error once, and no
/// request after the first failure came back. With a sliding window of `concurrency` requests,
/// the first page after the probe fails before any other goes out.
pub fn a_failed_read_yields_its_error_once_and_sends_no_more<D: Driver>() {
    let driver = D::new();
    // The probe reads 100 of 500; the next pages all fail with a permanent error.
    let failures = std::iter::repeat_n(Scripted::error(403, "WKS.0001"), 4);
    let replay = Replay::new([Scripted::page(0, 100, 500)].into_iter().chain(failures));
    let client = driver.replay_client(replay_options(), &replay, None);
    let results = driver.read_fleet(&client, &Query::new().limit(100)).results;
    assert_eq!(results.len(), 101, "the probe's desktops, then the error, once");
    assert!(results[..100].iter().all(Result::is_ok));
    let Err(error) = &results[100] else { panic!("the error ends the read") };
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(replay.requests().len(), 2, "the probe, then one page: nothing after its failure");
}

/// Every invalid query is refused with its field, value and rule, and nothing is sent.
pub fn invalid_requests_name_field_value_and_rule<D: Driver>() {
    let driver = D::new();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let transport = Arc::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Err(TransportError::other("must not be called"))
    });
    let client = driver.client_with_transport(options().build().expect("options"), transport);
    for (query, field, value) in invalid_queries() {
        check_refused(&driver.send(&client, &query).expect_err("refused"), field, value);
    }
    let (query, field, value) = invalid_items_query();
    let first = driver.items(&client, &query).next().expect("an error first");
    check_refused(&first.expect_err("refused"), field, value);
    assert_eq!(sent.load(Ordering::SeqCst), 0, "nothing was sent");
}

/// Only the documented rules of this operation are enforced: any other name or status is sent
/// as given, encoded as the official SDK encodes it, and the service decides.
pub fn names_and_statuses_the_documentation_does_not_forbid_are_sent_as_given<D: Driver>() {
    let driver = D::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let transport = Arc::new(move |r: http::Request<Vec<u8>>| {
        log.lock().expect("not poisoned").push(r.uri().query().unwrap_or("").to_owned());
        Ok(empty_page())
    });
    let client = driver.client_with_transport(options().build().expect("options"), transport);
    driver.send(&client, &odd_query()).expect("sent as given");
    check_odd_query_sent(&seen);
}

/// The behavioural suite for a driver: one `#[test]` per function of this module. Attributes
/// after `sliding_window:` go on the test of a failed whole read, which expects a sliding window
/// of requests in flight.
///
/// ```ignore
/// workspace_testkit::behaviour_suite!(workspace_testkit::Async);
/// ```
#[macro_export]
macro_rules! behaviour_suite {
    ($driver:ty) => {
        $crate::behaviour_suite!($driver, sliding_window:);
    };
    ($driver:ty, sliding_window: $(#[$attr:meta])*) => {
        $crate::__suite_tests!($driver, behaviour:
            every_scenario,
            invalid_requests_name_field_value_and_rule,
            names_and_statuses_the_documentation_does_not_forbid_are_sent_as_given,
        );

        #[test]
        $(#[$attr])*
        fn a_failed_read_yields_its_error_once_and_sends_no_more() {
            $crate::suites::behaviour::a_failed_read_yields_its_error_once_and_sends_no_more::<$driver>();
        }
    };
}
