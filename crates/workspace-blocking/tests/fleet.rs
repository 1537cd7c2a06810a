//! Fleet-scale reads against the emulator: past the window, more than 100 users, counts, watching.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use workspace_blocking::Query;

use workspace_blocking::{Change, Client, Error, RetryPolicy};
use workspace_core::PagingError;
use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};

#[test]
fn a_12000_desktop_fleet_is_read_completely_and_exactly_once() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(12_000).seed(5)).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let mut items = client.read_fleet(&Query::new().limit(500));
    let ids: Vec<String> = items.by_ref().map(|d| d.unwrap().desktop_id.unwrap()).collect();
    assert_eq!(ids.len(), 12_000);
    let unique: HashSet<String> = ids.into_iter().collect();
    let fleet: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(unique, fleet);
    // A probe of the whole query, then 4 parts of 3,000, each a probe of 500, pages at 469, 938,
    // 1407 and 1876 (each overlapping the one before by 31), and one page of 2000 at offset 2000.
    assert_eq!(items.requests(), 1 + 4 * 6);
    // Bulk pages of 2000 make it a probe, then two pages per part; the order does not depend on
    // how many requests are in flight.
    let read = |concurrency| -> (Vec<String>, u64) {
        let client = Client::new(setup::options(&emu).concurrency(concurrency).build().unwrap()).unwrap();
        let mut items = client.read_fleet(&Query::new());
        let ids = items.by_ref().map(|d| d.unwrap().desktop_id.unwrap()).collect();
        (ids, items.requests())
    };
    let (sequential, requests) = read(1);
    assert_eq!(requests, 1 + 4 * 2);
    assert_eq!(read(8).0, sequential, "a stable order, whatever the concurrency");

    let counts = client.count_by_status(&Query::new()).unwrap();
    assert_eq!(
        (counts.total, counts.unregister, counts.registered, counts.connected, counts.disconnected),
        (12_000, 3000, 3000, 3000, 3000)
    );
}

#[test]
fn a_fleet_that_cannot_be_read_completely_says_so() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5000).status_weights([0, 0, 1, 0])).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let results: Vec<_> = client.read_fleet(&Query::new().limit(2000)).collect();
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, Error::Paging(PagingError::PartTooLarge { total: 5000, reachable: 4000, .. })), "{err}");
    assert!(err.to_string().contains("connect_status=CONNECTED) has 5000 matching desktops"), "{err}");
}

#[test]
fn more_than_100_user_names_are_batched_and_merged_without_duplicates() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(600).seed(9)).unwrap();
    let fleet = emu.desktops();
    let names: Vec<String> =
        fleet.iter().take(250).flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    assert!(names.len() > 200);
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let got: Vec<String> =
        client.read_fleet(&Query::new().user_names(names.clone())).map(|d| d.unwrap().desktop_id.unwrap()).collect();
    let expected: HashSet<String> = fleet
        .iter()
        .filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n)))
        .map(|d| d.desktop_id.clone())
        .collect();
    assert_eq!(got.len(), expected.len(), "no duplicates");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), expected);
    // A plain send still refuses more than 100 names, before sending anything.
    let err = client.send(&Query::new().user_names(names)).unwrap_err();
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

#[test]
fn a_status_past_the_window_is_read_through_a_source_of_user_names() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(9000).status_weights([1, 0, 0, 0])).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let names = all_user_names(&emu);
    let mut items = client.read_fleet(&Query::new().user_directory(names.iter().cloned()));
    let ids: Vec<String> = items.by_ref().map(|d| d.unwrap().desktop_id.unwrap()).collect();
    let fleet: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(ids.len(), 9000, "each desktop once");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), fleet);
    assert_eq!(items.report().delivered, 9000);
    // Without names the read says what would reach the part.
    let err = client.read_fleet(&Query::new()).last().unwrap().unwrap_err();
    assert!(matches!(err, Error::Paging(PagingError::PartTooLarge { names_would_help: true, .. })), "{err}");
    assert!(err.to_string().contains("--users-from"), "{err}");
    // Names that do not cover the part: how many could not be reached.
    let half = &names[..names.len() / 2];
    let err = client.read_fleet(&Query::new().user_directory(half.iter().cloned())).last().unwrap().unwrap_err();
    let Error::Paging(PagingError::NamesIncomplete { total: 9000, found, .. }) = err else { panic!("{err}") };
    let reachable = emu.desktops().iter().filter(|d| d.user_names().any(|n| half.iter().any(|h| h == n))).count();
    assert_eq!(found, reachable as u64);
}

#[test]
fn counts_for_more_than_100_user_names_are_exact() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500).seed(4)).unwrap();
    let names: Vec<String> = all_user_names(&emu).into_iter().take(250).collect();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let counts = client.count_by_status(&Query::new().user_names(names.clone())).unwrap();
    let mine: Vec<_> =
        emu.desktops().into_iter().filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n))).collect();
    let of = |s: &str| mine.iter().filter(|d| d.connect_status == s).count() as u64;
    assert_eq!(
        (counts.total, counts.unregister, counts.registered, counts.connected, counts.disconnected),
        (mine.len() as u64, of("UNREGISTER"), of("REGISTERED"), of("CONNECTED"), of("DISCONNECTED"))
    );
}

#[test]
fn the_watcher_reports_every_transition_once_and_survives_a_failed_poll() {
    let emu = Arc::new(Emulator::start(EmulatorConfig::default().desktops(40)).unwrap());
    let ids: Vec<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let ticks = AtomicUsize::new(0);
    let changed = Arc::new(Mutex::new(Vec::new()));
    let (hook_emu, hook_changed, hook_ids) = (emu.clone(), changed.clone(), ids.clone());
    // The client's sleep between polls is where the fleet changes: deterministic, no timing.
    let client = Client::builder(setup::options(&emu).retry_policy(RetryPolicy::disabled()).build().unwrap())
        .sleep(move |_| {
            let tick = ticks.fetch_add(1, Ordering::SeqCst);
            match tick {
                0 => {
                    for id in &hook_ids[0..3] {
                        hook_emu.set_status(id, "CONNECTED");
                        hook_emu.set_status(id, "DISCONNECTED");
                        hook_changed.lock().unwrap().push(id.clone());
                    }
                }
                1 => hook_emu.push_faults([FaultRule::new(Fault::status(503), 1)]),
                2 => {
                    let current = hook_emu.desktops()[10].connect_status.clone();
                    let next = if current == "UNREGISTER" { "REGISTERED" } else { "UNREGISTER" };
                    hook_emu.set_status(&hook_ids[10], next);
                    hook_changed.lock().unwrap().push(hook_ids[10].clone());
                }
                _ => {}
            }
        })
        .build()
        .unwrap();
    let before: std::collections::HashMap<String, String> =
        emu.desktops().into_iter().map(|d| (d.desktop_id, d.connect_status)).collect();
    let events: Vec<_> = client.watch(&Query::new(), Duration::from_millis(1)).max_polls(5).collect();
    let errors = events.iter().filter(|e| e.is_err()).count();
    assert_eq!(errors, 1, "the failed poll is reported once");
    let transitions: Vec<_> = events.into_iter().filter_map(Result::ok).collect();
    // The first poll after the changes reports them by desktop id; one that was already
    // DISCONNECTED did not change. The later change comes after them.
    let mut expected: Vec<String> = ids[0..3].iter().filter(|id| before[*id] != "DISCONNECTED").cloned().collect();
    expected.sort();
    expected.push(ids[10].clone());
    assert_eq!(changed.lock().unwrap().len(), 4);
    let reported: Vec<String> = transitions.iter().map(|t| t.desktop_id.clone()).collect();
    assert_eq!(reported, expected, "every change once, in order");
    for t in &transitions {
        assert!(matches!(t.change, Change::StatusChanged { .. }));
    }
}

#[test]
fn the_watcher_stops_at_a_permanent_error() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    emu.push_faults([FaultRule::new(Fault::status(401), 5)]);
    let client = Client::builder(setup::options(&emu).build().unwrap()).sleep(|_| {}).build().unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_millis(1)).max_polls(3);
    let first = watcher.next().unwrap().unwrap_err();
    assert_eq!(first.status().map(|s| s.as_u16()), Some(401));
    assert!(watcher.next().is_none(), "a 401 is never polled again");
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn polling_by_hand_reports_changes_and_sends_nothing_once_the_watch_is_over() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_secs(3600)).max_polls(2);
    assert!(watcher.poll().unwrap().unwrap().is_empty(), "the first poll is the baseline");
    let first = emu.desktops().remove(0);
    let next = if first.connect_status == "UNREGISTER" { "REGISTERED" } else { "UNREGISTER" };
    emu.set_status(&first.desktop_id, next);
    let changes = watcher.poll().unwrap().unwrap();
    assert_eq!(changes.iter().map(|t| t.desktop_id.as_str()).collect::<Vec<_>>(), [first.desktop_id.as_str()]);
    let sent = emu.stats().requests;
    assert!(watcher.poll().is_none(), "max_polls reached");
    emu.push_faults([FaultRule::new(Fault::status(401), 5)]);
    let mut watcher = client.watch(&Query::new(), Duration::from_secs(3600));
    assert_eq!(watcher.poll().unwrap().unwrap_err().status().map(|s| s.as_u16()), Some(401));
    assert!(watcher.poll().is_none(), "a 401 is never polled again");
    assert_eq!(emu.stats().requests, sent + 1, "nothing sent once the watch is over");
}

#[test]
fn a_wrong_key_costs_one_failed_signature_whatever_is_asked() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(12_000)).unwrap();
    let wrong = || {
        let options = setup::options(&emu)
            .credentials(
                workspace_blocking::Credentials::ak_sk(workspace_emulator::DEMO_AK, "not-the-secret-key").unwrap(),
            )
            .build()
            .unwrap();
        Client::new(options).unwrap()
    };
    let client = wrong();
    assert!(client.count_by_status(&Query::new()).is_err());
    assert_eq!(emu.stats().auth_failures, 1, "the five counts: the first alone, nothing after its 401");
    assert!(wrong().read_fleet(&Query::new()).last().unwrap().is_err());
    assert_eq!(emu.stats().auth_failures, 2, "a whole read: one request until the credentials are proven");
    // Proven credentials send together; a 401 later makes the client careful again.
    let good = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    assert!(!good.profile().credentials_accepted());
    good.count_by_status(&Query::new()).unwrap();
    assert!(good.profile().credentials_accepted());
}
