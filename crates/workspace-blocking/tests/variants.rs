//! Every behaviour the documentation leaves open, with the blocking client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/variants.rs"]
#[allow(dead_code, unreachable_pub)]
mod variants;

use workspace_blocking::types::ConnectStatus;
use workspace_blocking::{Client, Error, Page, Query};
use workspace_emulator::Emulator;

/// Pages through a query: the ids read, and the error that ended it, if any.
fn page_ids(pages: impl Iterator<Item = Result<Page, Error>>) -> Result<Vec<String>, (Vec<String>, Error)> {
    let mut ids = Vec::new();
    for page in pages {
        match page {
            Ok(p) => ids.extend(p.desktops().iter().map(|d| d.id().to_owned())),
            Err(e) => return Err((ids, e)),
        }
    }
    Ok(ids)
}

#[test]
fn every_variant_gives_every_desktop_once_and_the_right_counts() {
    let mut failures = Vec::new();
    for v in variants::variants() {
        let emu = variants::start(&v);
        let client = Client::new(variants::options(&emu)).unwrap();
        let mut check = |r: Result<(), String>| failures.extend(r.err().map(|e| format!("{}: {e}", v.name)));
        check(variants::check_paging("pages", page_ids(client.pages(&Query::new())), &variants::ids(&emu, None)));
        check(variants::check_paging(
            "pages of CONNECTED",
            page_ids(client.pages(&Query::new().connect_status(ConnectStatus::Connected))),
            &variants::ids(&emu, Some("CONNECTED")),
        ));
        let all = variants::ids(&emu, None).into_iter().collect();
        let read = client.read_fleet(&Query::new()).map(|d| d.map(|d| d.id().to_owned())).collect();
        check(variants::check_read("fleet read", read, &all));
        let (names, want) = variants::users(&emu);
        let read = client.read_fleet(&Query::new().user_names(names)).map(|d| d.map(|d| d.id().to_owned())).collect();
        check(variants::check_read("fleet read of 150 users", read, &want));
        check(variants::check_counts(client.count_by_status(&Query::new()), &emu));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Reads every item: the ids, and the error that ended the read, if any.
fn read_ids(
    items: impl Iterator<Item = Result<workspace_blocking::types::ConnectDesktopsInfo, Error>>,
) -> Result<Vec<String>, (Vec<String>, Error)> {
    let mut ids = Vec::new();
    for d in items {
        match d {
            Ok(d) => ids.push(d.id().to_owned()),
            Err(e) => return Err((ids, e)),
        }
    }
    Ok(ids)
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
fn check_moving(what: &str, emu: &Emulator, client: &Client, status: Option<&str>, read: Read) -> Result<(), String> {
    for _ in 0..3 {
        let (before, got) = match &read {
            Read::Pages(q) => (variants::before(emu, status), page_ids(client.pages(q))),
            Read::Items(q) => (variants::before(emu, status), read_ids(client.items(q))),
            Read::Fleet(q) => {
                let before = variants::before(emu, status);
                let mut items = client.read_fleet(q);
                let got = read_ids(items.by_ref());
                let report = items.report();
                let delivered = match &got {
                    Ok(ids) | Err((ids, _)) => ids.len() as u64,
                };
                assert_eq!(report.delivered, delivered, "{report}");
                (before, got)
            }
            Read::Users => {
                emu.clear_touched();
                let (names, want) = variants::users(emu);
                (want, read_ids(client.read_fleet(&Query::new().user_names(names))))
            }
        };
        if !variants::moved_too_fast(&got) {
            return variants::check_moving(what, got, &before, emu);
        }
    }
    Err(format!("{what}: the fleet moved too fast for three reads in a row"))
}

#[test]
fn every_moving_variant_reads_every_desktop_that_did_not_move_exactly_once() {
    let mut failures = Vec::new();
    for v in variants::moving_variants() {
        let emu = variants::start(&v);
        let client = Client::new(variants::options(&emu)).unwrap();
        let connected = Query::new().connect_status(ConnectStatus::Connected);
        let results = vec![
            check_moving("pages", &emu, &client, None, Read::Pages(Query::new())),
            check_moving("items", &emu, &client, None, Read::Items(Query::new().limit(300))),
            check_moving("pages of CONNECTED", &emu, &client, Some("CONNECTED"), Read::Pages(connected)),
            check_moving("fleet read", &emu, &client, None, Read::Fleet(Query::new())),
            check_moving("fleet read of 150 users", &emu, &client, None, Read::Users),
        ];
        failures.extend(results.into_iter().filter_map(Result::err).map(|e| format!("{}: {e}", v.name)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_throttled_concurrent_read_slows_down_and_reads_everything_once() {
    let emu = variants::rate_limited();
    let client = Client::new(variants::options(&emu)).unwrap();
    let all = variants::ids(&emu, None).into_iter().collect();
    let read = client.read_fleet(&Query::new()).map(|d| d.map(|d| d.id().to_owned())).collect();
    variants::check_read("throttled fleet read", read, &all).unwrap();
    assert!(emu.stats().throttled > 0, "the read was throttled");
}
