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

/// A whole read whose pages fail after the probe, with `concurrency` requests in flight: the
/// probe's desktops, then the error once, and the requests sent (the probe included).
fn failed_read<D: Driver>(concurrency: usize) -> usize {
    let driver = D::new();
    // The probe reads 100 of 500; the next pages all fail with a permanent error.
    let failures = std::iter::repeat_n(Scripted::error(403, "WKS.0001"), 4);
    let replay = Replay::new([Scripted::page(0, 100, 500)].into_iter().chain(failures));
    let options = replay_options().to_builder().concurrency(concurrency).build().expect("options");
    let client = driver.replay_client(options, &replay, None);
    let results = driver.read_fleet(&client, &Query::new().limit(100)).results;
    assert_eq!(results.len(), 101, "the probe's desktops, then the error, once");
    assert!(results[..100].iter().all(Result::is_ok));
    let Err(error) = &results[100] else { panic!("the error ends the read") };
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    replay.requests().len()
}

/// A failed whole read with a window of 4 requests: the error comes once, after the probe's
/// desktops. How many of the pages after the probe went out before the first failure came back
/// depends on the scheduler, but none after it.
pub fn a_failed_read_yields_its_error_once_and_sends_no_more<D: Driver>() {
    let sent = failed_read::<D>(4);
    assert!((2..=5).contains(&sent), "{sent} requests");
}

/// A failed whole read with one request in flight: the probe, then one page, and nothing after
/// its failure.
pub fn a_failed_read_one_request_at_a_time_sends_nothing_after_the_failure<D: Driver>() {
    assert_eq!(failed_read::<D>(1), 2, "the probe, then one page");
}

/// A listing tells where it stands as it goes (the offset to resume from, the last page's total),
/// and a watch how many reads it made.
pub fn listings_and_watches_tell_where_they_stand<D: Driver>() {
    let driver = D::new();
    let script = || [Scripted::page(0, 100, 237), Scripted::page(94, 100, 237), Scripted::page(188, 49, 237)];
    let replay = Replay::new(script());
    let client = driver.replay_client(replay_options(), &replay, None);
    let mut pages = driver.pages(&client, &Query::new().limit(100));
    assert_eq!((pages.offset(), pages.total_count()), (0, None), "nothing read yet");
    pages.next().expect("a page").expect("the first page");
    assert_eq!((pages.offset(), pages.total_count()), (100, Some(237)));
    assert_eq!(pages.by_ref().count(), 2);
    assert_eq!((pages.offset(), pages.total_count()), (237, Some(237)));

    let replay = Replay::new(script());
    let client = driver.replay_client(replay_options(), &replay, None);
    let mut items = driver.items(&client, &Query::new().limit(100));
    assert_eq!(items.by_ref().filter(Result::is_ok).count(), 237);
    assert_eq!((items.offset(), items.total_count()), (237, Some(237)));

    let replay = Replay::new([Scripted::page(0, 3, 3), Scripted::page(0, 3, 3)]);
    let client = driver.replay_client(replay_options(), &replay, None);
    let mut watch = driver.watch(&client, &Query::new(), std::time::Duration::from_secs(60), Some(2));
    assert_eq!(watch.polls(), 0);
    assert!(watch.next().is_none(), "nothing changed between the two reads");
    assert_eq!((watch.polls(), replay.requests().len()), (2, 2));
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

/// The behavioural suite for a driver: one `#[test]` per function of this module.
///
/// ```ignore
/// workspace_testkit::behaviour_suite!(workspace_testkit::Async);
/// ```
#[macro_export]
macro_rules! behaviour_suite {
    ($driver:ty) => {
        $crate::__suite_tests!($driver, behaviour:
            every_scenario,
            a_failed_read_yields_its_error_once_and_sends_no_more,
            a_failed_read_one_request_at_a_time_sends_nothing_after_the_failure,
            listings_and_watches_tell_where_they_stand,
            invalid_requests_name_field_value_and_rule,
            names_and_statuses_the_documentation_does_not_forbid_are_sent_as_given,
        );
    };
}
