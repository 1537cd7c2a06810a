//! Every behaviour the documentation leaves open, played by the emulator, through one client.
//! Run it with [`variants_suite!`](crate::variants_suite).

use workspace_core::Query;
use workspace_core::types::ConnectStatus;
use workspace_emulator::Emulator;

use crate::driver::{Driver, IdsRead, collect_ids, page_ids};
use crate::variants;

/// Each variant: paging, paging a status, whole reads (of everything and of 150 users) and counts.
pub fn every_variant_gives_every_desktop_once_and_the_right_counts<D: Driver>() {
    let driver = D::new();
    let mut failures = Vec::new();
    for v in variants::variants() {
        let emu = variants::start(&v);
        let client = driver.client(variants::options(&emu)).expect("a client");
        let connected = Query::new().connect_status(ConnectStatus::Connected);
        let mut results = vec![
            variants::check_paging("pages", page_ids(driver.pages(&client, &Query::new())), &variants::ids(&emu, None)),
            variants::check_paging(
                "pages of CONNECTED",
                page_ids(driver.pages(&client, &connected)),
                &variants::ids(&emu, Some("CONNECTED")),
            ),
        ];
        let all = variants::ids(&emu, None).into_iter().collect();
        results.push(variants::check_read(
            "fleet read",
            driver.read_fleet(&client, &Query::new()).ids_or_error(),
            &all,
        ));
        let (names, want) = variants::users(&emu);
        let read = driver.read_fleet(&client, &Query::new().user_names(names)).ids_or_error();
        results.push(variants::check_read("fleet read of 150 users", read, &want));
        results.push(variants::check_counts(driver.count_by_status(&client, &Query::new()), &emu));
        failures.extend(results.into_iter().filter_map(Result::err).map(|e| format!("{}: {e}", v.name)));
    }
    assert!(failures.is_empty(), "{}: {}", D::NAME, failures.join("\n"));
}

/// What is read, in a moving fleet.
enum Read {
    Pages(Query),
    Items(Query),
    Fleet(Query),
    Users,
}

/// Runs a read against a fresh snapshot and checks it, trying again (as a watch would at its
/// next poll) when the fleet moved faster than it could be read, at most three times.
fn check_moving<D: Driver>(
    what: &str,
    emu: &Emulator,
    driver: &D,
    client: &D::Client,
    status: Option<&str>,
    read: Read,
) -> Result<(), String> {
    for _ in 0..3 {
        let (before, got): (_, IdsRead) = match &read {
            Read::Pages(q) => (variants::before(emu, status), page_ids(driver.pages(client, q))),
            Read::Items(q) => (variants::before(emu, status), collect_ids(driver.items(client, q))),
            Read::Fleet(q) => {
                let before = variants::before(emu, status);
                let run = driver.read_fleet(client, q);
                let report = run.report;
                let got = run.ids();
                let delivered = match &got {
                    Ok(ids) | Err((ids, _)) => ids.len() as u64,
                };
                assert_eq!(report.delivered, delivered, "{report}");
                (before, got)
            }
            Read::Users => {
                emu.clear_touched();
                let (names, want) = variants::users(emu);
                (want, driver.read_fleet(client, &Query::new().user_names(names)).ids())
            }
        };
        if !variants::moved_too_fast(&got) {
            return variants::check_moving(what, got, &before, emu);
        }
    }
    Err(format!("{what}: the fleet moved too fast for three reads in a row"))
}

/// Each moving variant: every desktop that did not move is read exactly once, by every kind of read.
pub fn every_moving_variant_reads_every_desktop_that_did_not_move_exactly_once<D: Driver>() {
    let driver = D::new();
    let mut failures = Vec::new();
    for v in variants::moving_variants() {
        let emu = variants::start(&v);
        let client = driver.client(variants::options(&emu)).expect("a client");
        let connected = Query::new().connect_status(ConnectStatus::Connected);
        let (d, c) = (&driver, &client);
        let results = vec![
            check_moving("pages", &emu, d, c, None, Read::Pages(Query::new())),
            check_moving("items", &emu, d, c, None, Read::Items(Query::new().limit(300))),
            check_moving("pages of CONNECTED", &emu, d, c, Some("CONNECTED"), Read::Pages(connected)),
            check_moving("fleet read", &emu, d, c, None, Read::Fleet(Query::new())),
            check_moving("fleet read of 150 users", &emu, d, c, None, Read::Users),
        ];
        failures.extend(results.into_iter().filter_map(Result::err).map(|e| format!("{}: {e}", v.name)));
    }
    assert!(failures.is_empty(), "{}: {}", D::NAME, failures.join("\n"));
}

/// A rate-limited service: a concurrent read is throttled, slows down and reads everything once.
pub fn a_throttled_concurrent_read_slows_down_and_reads_everything_once<D: Driver>() {
    let driver = D::new();
    let emu = variants::rate_limited();
    let client = driver.client(variants::options(&emu)).expect("a client");
    let all = variants::ids(&emu, None).into_iter().collect();
    let read = driver.read_fleet(&client, &Query::new()).ids_or_error();
    variants::check_read("throttled fleet read", read, &all).unwrap_or_else(|e| panic!("{e}"));
    assert!(emu.stats().throttled > 0, "the read was throttled");
}

/// The variants suite for a driver: one `#[test]` per function of this module.
///
/// ```ignore
/// workspace_testkit::variants_suite!(workspace_testkit::Async);
/// ```
#[macro_export]
macro_rules! variants_suite {
    ($driver:ty) => {
        $crate::__suite_tests!($driver, variants:
            every_variant_gives_every_desktop_once_and_the_right_counts,
            every_moving_variant_reads_every_desktop_that_did_not_move_exactly_once,
            a_throttled_concurrent_read_slows_down_and_reads_everything_once,
        );
    };
}
