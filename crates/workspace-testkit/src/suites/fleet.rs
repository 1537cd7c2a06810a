//! Fleet-scale reads against the emulator: past the window, more than 100 users, counts,
//! watching. Run it with [`fleet_suite!`](crate::fleet_suite).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use workspace_core::{Change, Credentials, Error, PagingError, Query, RetryPolicy};
use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig, Fault, FaultRule};

use crate::driver::Driver;
use crate::setup;

/// 12,000 desktops read once each, with the requests the plan says, in the same order at any
/// concurrency, and counted.
pub fn a_12000_desktop_fleet_is_read_completely_and_exactly_once<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(12_000).seed(5)).expect("the emulator starts");
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let run = driver.read_fleet(&client, &Query::new().limit(500));
    let requests = run.requests;
    let ids = run.ids().expect("every desktop");
    assert_eq!(ids.len(), 12_000);
    let unique: HashSet<String> = ids.into_iter().collect();
    let fleet: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(unique, fleet);
    // A probe of the whole query, then 4 parts of 3,000, each a probe of 500, pages at 469, 938,
    // 1407 and 1876 (each overlapping the one before by 31), and one page of 2000 at offset 2000.
    assert_eq!(requests, 1 + 4 * 6);
    // Bulk pages of 2000 make it a probe, then two pages per part; the order does not depend on
    // how many requests are in flight.
    let read = |concurrency| -> (Vec<String>, u64) {
        let options = setup::options(&emu).concurrency(concurrency).build().expect("options");
        let run = driver.read_fleet(&driver.client(options).expect("a client"), &Query::new());
        let requests = run.requests;
        (run.ids().expect("every desktop"), requests)
    };
    let (sequential, requests) = read(1);
    assert_eq!(requests, 1 + 4 * 2);
    assert_eq!(read(8).0, sequential, "a stable order, whatever the concurrency");

    let counts = driver.count_by_status(&client, &Query::new()).expect("counts");
    assert_eq!(
        (counts.total, counts.unregister, counts.registered, counts.connected, counts.disconnected, counts.other()),
        (12_000, 3000, 3000, 3000, 3000, 0)
    );
}

/// A status with more desktops than one query reaches ends the read with an error saying so.
pub fn a_fleet_that_cannot_be_read_completely_says_so<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(5000).status_weights([0, 0, 1, 0]))
        .expect("the emulator starts");
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let err = driver.read_fleet(&client, &Query::new().limit(2000)).error().expect("an error");
    assert!(matches!(err, Error::Paging(PagingError::PartTooLarge { total: 5000, reachable: 4000, .. })), "{err}");
    assert!(err.to_string().contains("connect_status=CONNECTED) has 5000 matching desktops"), "{err}");
}

/// More than 100 user names: read in batches, merged without duplicates; a plain call refuses.
pub fn more_than_100_user_names_are_batched_and_merged_without_duplicates<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(600).seed(9)).expect("the emulator starts");
    let fleet = emu.desktops();
    let names: Vec<String> =
        fleet.iter().take(250).flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    assert!(names.len() > 200);
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let got = driver.read_fleet(&client, &Query::new().user_names(names.clone())).ids().expect("every desktop");
    let expected: HashSet<String> = fleet
        .iter()
        .filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n)))
        .map(|d| d.desktop_id.clone())
        .collect();
    assert_eq!(got.len(), expected.len(), "no duplicates");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), expected);
    // A plain send still refuses more than 100 names, before sending anything.
    let err = driver.send(&client, &Query::new().user_names(names)).expect_err("refused");
    assert!(err.to_string().contains("at most 100 user names per request"), "{err}");
}

/// Every user name of the emulator's fleet.
fn all_user_names(emu: &Emulator) -> Vec<String> {
    let mut names: Vec<String> =
        emu.desktops().iter().flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    names.sort();
    names.dedup();
    names
}

/// A status past the window of one query, read through a source of user names; without names,
/// or with too few, an error says what would help or how many were found.
pub fn a_status_past_the_window_is_read_through_a_source_of_user_names<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(9000).status_weights([1, 0, 0, 0]))
        .expect("the emulator starts");
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let names = all_user_names(&emu);
    let run = driver.read_fleet(&client, &Query::new().user_directory(names.iter().cloned()));
    assert_eq!(run.report.delivered, 9000);
    let ids = run.ids().expect("every desktop");
    let fleet: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(ids.len(), 9000, "each desktop once");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), fleet);
    // Without names the read says what would reach the part.
    let err = driver.read_fleet(&client, &Query::new()).error().expect("an error");
    assert!(matches!(err, Error::Paging(PagingError::PartTooLarge { names_would_help: true, .. })), "{err}");
    assert!(err.to_string().contains("--users-from"), "{err}");
    // Names that do not cover the part: how many could not be reached.
    let half = &names[..names.len() / 2];
    let err = driver.read_fleet(&client, &Query::new().user_directory(half.iter().cloned())).error();
    let Some(Error::Paging(PagingError::NamesIncomplete { total: 9000, found, .. })) = err else { panic!("{err:?}") };
    let reachable = emu.desktops().iter().filter(|d| d.user_names().any(|n| half.iter().any(|h| h == n))).count();
    assert_eq!(found, reachable as u64);
}

/// Counts for more than 100 user names are exact.
pub fn counts_for_more_than_100_user_names_are_exact<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500).seed(4)).expect("the emulator starts");
    let names: Vec<String> = all_user_names(&emu).into_iter().take(250).collect();
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let counts = driver.count_by_status(&client, &Query::new().user_names(names.clone())).expect("counts");
    let mine: Vec<_> =
        emu.desktops().into_iter().filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n))).collect();
    let of = |s: &str| mine.iter().filter(|d| d.connect_status == s).count() as u64;
    assert_eq!(
        (counts.total, counts.unregister, counts.registered, counts.connected, counts.disconnected),
        (mine.len() as u64, of("UNREGISTER"), of("REGISTERED"), of("CONNECTED"), of("DISCONNECTED"))
    );
}

/// The watcher reports each change once, in order, and a failed poll once without stopping.
/// The client's sleep between polls is where the fleet changes: deterministic, no timing.
pub fn the_watcher_reports_every_transition_once_and_survives_a_failed_poll<D: Driver>() {
    let driver = D::new();
    let emu = Arc::new(Emulator::start(EmulatorConfig::default().desktops(40)).expect("the emulator starts"));
    let ids: Vec<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let ticks = AtomicUsize::new(0);
    let changed = Arc::new(Mutex::new(Vec::new()));
    let (hook_emu, hook_changed, hook_ids) = (emu.clone(), changed.clone(), ids.clone());
    let sleep = Arc::new(move |_| match ticks.fetch_add(1, Ordering::SeqCst) {
        0 => {
            for id in &hook_ids[0..3] {
                hook_emu.set_status(id, "CONNECTED");
                hook_emu.set_status(id, "DISCONNECTED");
                hook_changed.lock().expect("not poisoned").push(id.clone());
            }
        }
        1 => hook_emu.push_faults([FaultRule::new(Fault::status(503), 1)]),
        2 => {
            let current = hook_emu.desktops()[10].connect_status.clone();
            let next = if current == "UNREGISTER" { "REGISTERED" } else { "UNREGISTER" };
            hook_emu.set_status(&hook_ids[10], next);
            hook_changed.lock().expect("not poisoned").push(hook_ids[10].clone());
        }
        _ => {}
    });
    let options = setup::options(&emu).retry_policy(RetryPolicy::disabled()).build().expect("options");
    let client = driver.client_with_sleep(options, sleep);
    let before: HashMap<String, String> =
        emu.desktops().into_iter().map(|d| (d.desktop_id, d.connect_status)).collect();
    let mut watch = driver.watch(&client, &Query::new(), Duration::from_millis(1), Some(5));
    let events: Vec<_> = std::iter::from_fn(|| watch.next()).collect();
    let errors = events.iter().filter(|e| e.is_err()).count();
    assert_eq!(errors, 1, "the failed poll is reported once");
    let transitions: Vec<_> = events.into_iter().filter_map(Result::ok).collect();
    // The first poll after the changes reports them by desktop id; one that was already
    // DISCONNECTED did not change. The later change comes after them.
    let mut expected: Vec<String> = ids[0..3].iter().filter(|id| before[*id] != "DISCONNECTED").cloned().collect();
    expected.sort();
    expected.push(ids[10].clone());
    assert_eq!(changed.lock().expect("not poisoned").len(), 4);
    let reported: Vec<String> = transitions.iter().map(|t| t.desktop_id.clone()).collect();
    assert_eq!(reported, expected, "every change once, in order");
    assert!(transitions.iter().all(|t| matches!(t.change, Change::StatusChanged { .. })));
}

/// A permanent error ends a watch: never polled again.
pub fn the_watcher_stops_at_a_permanent_error<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).expect("the emulator starts");
    emu.push_faults([FaultRule::new(Fault::status(401), 5)]);
    let client = driver.client_with_sleep(setup::options(&emu).build().expect("options"), Arc::new(|_| {}));
    let mut watch = driver.watch(&client, &Query::new(), Duration::from_millis(1), Some(3));
    let first = watch.next().expect("an event").expect_err("the 401");
    assert_eq!(first.status().map(|s| s.as_u16()), Some(401));
    assert!(watch.next().is_none(), "a 401 is never polled again");
    assert_eq!(emu.stats().requests, 1);
}

/// Polling by hand: a baseline, then changes; nothing is sent once the watch is over.
pub fn polling_by_hand_reports_changes_and_sends_nothing_once_the_watch_is_over<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).expect("the emulator starts");
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let mut watch = driver.watch(&client, &Query::new(), Duration::from_secs(3600), Some(2));
    let baseline = watch.poll().expect("a poll").expect("the baseline");
    assert!(baseline.is_empty(), "the first poll is the baseline");
    let first = emu.desktops().remove(0);
    let next = if first.connect_status == "UNREGISTER" { "REGISTERED" } else { "UNREGISTER" };
    emu.set_status(&first.desktop_id, next);
    let changes = watch.poll().expect("a poll").expect("the changes");
    assert_eq!(changes.iter().map(|t| t.desktop_id.as_str()).collect::<Vec<_>>(), [first.desktop_id.as_str()]);
    let sent = emu.stats().requests;
    assert!(watch.poll().is_none(), "max_polls reached");
    emu.push_faults([FaultRule::new(Fault::status(401), 5)]);
    let mut watch = driver.watch(&client, &Query::new(), Duration::from_secs(3600), None);
    let refused = watch.poll().expect("a poll").expect_err("the 401");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
    assert!(watch.poll().is_none(), "a 401 is never polled again");
    assert_eq!(emu.stats().requests, sent + 1, "nothing sent once the watch is over");
}

/// A wrong key costs one failed signature, whether counting or reading the whole fleet.
pub fn a_wrong_key_costs_one_failed_signature_whatever_is_asked<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(12_000)).expect("the emulator starts");
    let wrong = || {
        let credentials = Credentials::ak_sk(DEMO_AK, "not-the-secret-key").expect("credentials");
        driver.client(setup::options(&emu).credentials(credentials).build().expect("options")).expect("a client")
    };
    assert!(driver.count_by_status(&wrong(), &Query::new()).is_err());
    assert_eq!(emu.stats().auth_failures, 1, "the five counts: the first alone, nothing after its 401");
    assert!(driver.read_fleet(&wrong(), &Query::new()).error().is_some());
    assert_eq!(emu.stats().auth_failures, 2, "a whole read: one request until the credentials are proven");
    // Proven credentials send together.
    let good = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    assert!(!good.profile().credentials_accepted());
    driver.count_by_status(&good, &Query::new()).expect("counts");
    assert!(good.profile().credentials_accepted());
}

/// The fleet suite for a driver: one `#[test]` per function of this module.
///
/// ```ignore
/// workspace_testkit::fleet_suite!(workspace_testkit::Blocking);
/// ```
#[macro_export]
macro_rules! fleet_suite {
    ($driver:ty) => {
        $crate::__suite_tests!($driver, fleet:
            a_12000_desktop_fleet_is_read_completely_and_exactly_once,
            a_fleet_that_cannot_be_read_completely_says_so,
            more_than_100_user_names_are_batched_and_merged_without_duplicates,
            a_status_past_the_window_is_read_through_a_source_of_user_names,
            counts_for_more_than_100_user_names_are_exact,
            the_watcher_reports_every_transition_once_and_survives_a_failed_poll,
            the_watcher_stops_at_a_permanent_error,
            polling_by_hand_reports_changes_and_sends_nothing_once_the_watch_is_over,
            a_wrong_key_costs_one_failed_signature_whatever_is_asked,
        );
    };
}
