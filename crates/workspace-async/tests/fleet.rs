//! Fleet-scale reads against the emulator with the async client: concurrency, counts, watching.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use workspace_async::Query;

use workspace_async::{Change, Client, Error, FleetItems, RetryPolicy, Sleep, async_trait};
use workspace_core::PagingError;
use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};

async fn ids(emu: &Emulator, concurrency: usize) -> Vec<String> {
    let client = Client::new(setup::options(emu).concurrency(concurrency).build().unwrap()).unwrap();
    let mut items = client.read_fleet(&Query::new());
    let mut out = Vec::new();
    while let Some(d) = items.next().await {
        out.push(d.unwrap().desktop_id.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_12000_desktop_fleet_is_read_exactly_once_in_the_same_order_at_any_concurrency() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(12_000).seed(5)).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let concurrent = ids(&emu, 8).await;
    assert_eq!(concurrent.len(), 12_000);
    let fleet: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(concurrent.iter().cloned().collect::<HashSet<_>>(), fleet);
    assert_eq!(ids(&emu, 1).await, concurrent, "a stable order, whatever the concurrency");

    let counts = client.count_by_status(&Query::new()).await.unwrap();
    assert_eq!((counts.total, counts.connected, counts.other()), (12_000, 3000, 0));
}

#[tokio::test]
async fn a_fleet_that_cannot_be_read_completely_says_so() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5000).status_weights([0, 0, 1, 0])).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let mut items = client.read_fleet(&Query::new().limit(2000));
    let mut last = None;
    while let Some(r) = items.next().await {
        last = Some(r);
    }
    let err = last.unwrap().unwrap_err();
    assert!(matches!(err, Error::Paging(PagingError::PartTooLarge { total: 5000, .. })), "{err}");
}

#[tokio::test]
async fn more_than_100_user_names_are_batched() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(600).seed(9)).unwrap();
    let fleet = emu.desktops();
    let names: Vec<String> =
        fleet.iter().take(250).flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let mut items = client.read_fleet(&Query::new().user_names(names.clone()));
    let mut got = Vec::new();
    while let Some(d) = items.next().await {
        got.push(d.unwrap().desktop_id.unwrap());
    }
    let expected: HashSet<String> = fleet
        .iter()
        .filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n)))
        .map(|d| d.desktop_id.clone())
        .collect();
    assert_eq!(got.len(), expected.len());
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), expected);
}

/// Changes the fleet while the watcher waits between polls.
/// Every user name of the emulator's fleet.
fn all_user_names(emu: &Emulator) -> Vec<String> {
    let mut names: Vec<String> =
        emu.desktops().iter().flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    names.sort();
    names.dedup();
    names
}

/// Reads every item: the ids, and the error that ended the read, if any.
async fn read_all(mut items: FleetItems) -> (Vec<String>, Option<Error>) {
    let mut ids = Vec::new();
    while let Some(d) = items.next().await {
        match d {
            Ok(d) => ids.push(d.desktop_id.unwrap()),
            Err(e) => return (ids, Some(e)),
        }
    }
    (ids, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_past_the_window_is_read_through_a_source_of_user_names() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(9000).status_weights([1, 0, 0, 0])).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let names = all_user_names(&emu);
    let (ids, err) = read_all(client.read_fleet(&Query::new().user_directory(names.iter().cloned()))).await;
    assert!(err.is_none(), "{err:?}");
    let fleet: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(ids.len(), 9000, "each desktop once");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), fleet);
    // Without names the read says what would reach the part.
    let err = read_all(client.read_fleet(&Query::new())).await.1.unwrap();
    assert!(matches!(err, Error::Paging(PagingError::PartTooLarge { names_would_help: true, .. })), "{err}");
    assert!(err.to_string().contains("--users-from"), "{err}");
    // Names that do not cover the part: how many could not be reached.
    let half = &names[..names.len() / 2];
    let err = read_all(client.read_fleet(&Query::new().user_directory(half.iter().cloned()))).await.1.unwrap();
    let Error::Paging(PagingError::NamesIncomplete { total: 9000, found, .. }) = err else { panic!("{err}") };
    let reachable = emu.desktops().iter().filter(|d| d.user_names().any(|n| half.iter().any(|h| h == n))).count();
    assert_eq!(found, reachable as u64);
}

#[tokio::test]
async fn counts_for_more_than_100_user_names_are_exact() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500).seed(4)).unwrap();
    let names: Vec<String> = all_user_names(&emu).into_iter().take(250).collect();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let counts = client.count_by_status(&Query::new().user_names(names.clone())).await.unwrap();
    let mine: Vec<_> =
        emu.desktops().into_iter().filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n))).collect();
    let of = |s: &str| mine.iter().filter(|d| d.connect_status == s).count() as u64;
    assert_eq!(
        (counts.total, counts.unregister, counts.registered, counts.connected, counts.disconnected),
        (mine.len() as u64, of("UNREGISTER"), of("REGISTERED"), of("CONNECTED"), of("DISCONNECTED"))
    );
}

#[derive(Debug)]
struct ChangingSleep {
    emu: Arc<Emulator>,
    ids: Vec<String>,
    ticks: AtomicUsize,
    changed: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Sleep for ChangingSleep {
    async fn sleep(&self, _: Duration) {
        match self.ticks.fetch_add(1, Ordering::SeqCst) {
            0 => {
                for id in &self.ids[0..4] {
                    let current = self.emu.desktops().into_iter().find(|d| &d.desktop_id == id).unwrap();
                    let next = if current.connect_status == "CONNECTED" { "REGISTERED" } else { "CONNECTED" };
                    self.emu.set_status(id, next);
                    self.changed.lock().unwrap().push(id.clone());
                }
            }
            1 => self.emu.push_faults([FaultRule::new(Fault::status(503), 1)]),
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_watcher_reports_every_transition_once_and_survives_a_failed_poll() {
    let emu = Arc::new(Emulator::start(EmulatorConfig::default().desktops(30)).unwrap());
    let ids: Vec<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let changed = Arc::new(Mutex::new(Vec::new()));
    let sleep =
        ChangingSleep { emu: emu.clone(), ids: ids.clone(), ticks: AtomicUsize::new(0), changed: changed.clone() };
    let client = Client::builder(setup::options(&emu).retry_policy(RetryPolicy::disabled()).build().unwrap())
        .sleep(sleep)
        .build()
        .unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_millis(1)).max_polls(4);
    let (mut transitions, mut errors) = (Vec::new(), 0);
    while let Some(e) = watcher.next().await {
        match e {
            Ok(t) => transitions.push(t),
            Err(_) => errors += 1,
        }
    }
    assert_eq!(errors, 1);
    let mut expected = changed.lock().unwrap().clone();
    expected.sort();
    assert_eq!(transitions.iter().map(|t| t.desktop_id.clone()).collect::<Vec<_>>(), expected);
    assert!(transitions.iter().all(|t| matches!(t.change, Change::StatusChanged { .. })));
}

#[tokio::test]
async fn the_watcher_stops_at_a_permanent_error() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    emu.push_faults([FaultRule::new(Fault::status(401), 5)]);
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_millis(1)).max_polls(3);
    let first = watcher.next().await.unwrap().unwrap_err();
    assert_eq!(first.status().map(|s| s.as_u16()), Some(401));
    assert!(watcher.next().await.is_none(), "a 401 is never polled again");
    assert_eq!(emu.stats().requests, 1);
}

#[tokio::test]
async fn polling_by_hand_reports_changes_and_sends_nothing_once_the_watch_is_over() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_secs(3600)).max_polls(2);
    assert!(watcher.poll().await.unwrap().unwrap().is_empty(), "the first poll is the baseline");
    let first = emu.desktops().remove(0);
    let next = if first.connect_status == "UNREGISTER" { "REGISTERED" } else { "UNREGISTER" };
    emu.set_status(&first.desktop_id, next);
    let changes = watcher.poll().await.unwrap().unwrap();
    assert_eq!(changes.iter().map(|t| t.desktop_id.as_str()).collect::<Vec<_>>(), [first.desktop_id.as_str()]);
    let sent = emu.stats().requests;
    assert!(watcher.poll().await.is_none(), "max_polls reached");
    emu.push_faults([FaultRule::new(Fault::status(401), 5)]);
    let mut watcher = client.watch(&Query::new(), Duration::from_secs(3600));
    assert_eq!(watcher.poll().await.unwrap().unwrap_err().status().map(|s| s.as_u16()), Some(401));
    assert!(watcher.poll().await.is_none(), "a 401 is never polled again");
    assert_eq!(emu.stats().requests, sent + 1, "nothing sent once the watch is over");
}

#[tokio::test]
async fn a_manual_poll_replaces_a_read_the_stream_left_unfinished() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).unwrap();
    emu.set_latency(Duration::from_millis(200));
    let naps = Arc::new(AtomicUsize::new(0));
    let counted = naps.clone();
    let client = Client::builder(setup::options(&emu).build().unwrap())
        .sleep(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            async {}
        })
        .build()
        .unwrap();
    let mut watcher = client.watch(&Query::new(), Duration::from_secs(60)).max_polls(2);
    // `next()` is polled once, starts the baseline read (answered 200 ms later) and is dropped.
    tokio::select! {
        biased;
        _ = watcher.next() => panic!("the read cannot be answered before the emulator's latency"),
        () = std::future::ready(()) => {}
    }
    assert!(watcher.poll().await.unwrap().unwrap().is_empty(), "the baseline, read afresh");
    assert!(watcher.next().await.is_none(), "one wait, the second read, no change");
    assert_eq!((watcher.polls(), naps.load(Ordering::SeqCst)), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_costs_one_failed_signature_whatever_is_asked() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(12_000)).unwrap();
    let wrong = || {
        let options = setup::options(&emu)
            .credentials(
                workspace_async::Credentials::ak_sk(workspace_emulator::DEMO_AK, "not-the-secret-key").unwrap(),
            )
            .build()
            .unwrap();
        Client::new(options).unwrap()
    };
    let client = wrong();
    assert!(client.count_by_status(&Query::new()).await.is_err());
    assert_eq!(emu.stats().auth_failures, 1, "the five counts: the first alone, nothing after its 401");
    assert!(read_all(wrong().read_fleet(&Query::new())).await.1.is_some());
    assert_eq!(emu.stats().auth_failures, 2, "a whole read: one request until the credentials are proven");
    // Proven credentials send together.
    let good = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    assert!(!good.profile().credentials_accepted());
    good.count_by_status(&Query::new()).await.unwrap();
    assert!(good.profile().credentials_accepted());
}
