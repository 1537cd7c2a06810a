//! Every behaviour the documentation leaves open, with the async client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/variants.rs"]
#[allow(dead_code, unreachable_pub)]
mod variants;

use workspace_async::types::ConnectStatus;
use workspace_async::{Client, Error, FleetItems, Items, Pages, Query, ReadReport};
use workspace_emulator::Emulator;

/// Pages through a query: the ids read, and the error that ended it, if any.
async fn page_ids(mut pages: Pages) -> Result<Vec<String>, (Vec<String>, Error)> {
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => ids.extend(p.desktops().iter().map(|d| d.id().to_owned())),
            Err(e) => return Err((ids, e)),
        }
    }
    Ok(ids)
}

/// Reads every item: the ids, or the first error.
async fn read_ids(mut items: FleetItems) -> Result<Vec<String>, Error> {
    let mut ids = Vec::new();
    while let Some(d) = items.next().await {
        ids.push(d?.id().to_owned());
    }
    Ok(ids)
}

/// Reads every item of a whole read: the ids and the error that ended it, if any, and the
/// read's report.
async fn read_all(mut items: FleetItems) -> (Result<Vec<String>, (Vec<String>, Error)>, ReadReport) {
    let mut ids = Vec::new();
    while let Some(d) = items.next().await {
        match d {
            Ok(d) => ids.push(d.id().to_owned()),
            Err(e) => return (Err((ids, e)), items.report()),
        }
    }
    (Ok(ids), items.report())
}

/// Reads every item of a listing: the ids and the error that ended it, if any.
async fn item_ids(mut items: Items) -> Result<Vec<String>, (Vec<String>, Error)> {
    let mut ids = Vec::new();
    while let Some(d) = items.next().await {
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
async fn check_moving(
    what: &str,
    emu: &Emulator,
    client: &Client,
    status: Option<&str>,
    read: Read,
) -> Result<(), String> {
    for _ in 0..3 {
        let (before, got) = match &read {
            Read::Pages(q) => (variants::before(emu, status), page_ids(client.pages(q)).await),
            Read::Items(q) => (variants::before(emu, status), item_ids(client.items(q)).await),
            Read::Fleet(q) => {
                let before = variants::before(emu, status);
                let (got, report) = read_all(client.read_fleet(q)).await;
                let delivered = match &got {
                    Ok(ids) | Err((ids, _)) => ids.len() as u64,
                };
                assert_eq!(report.delivered, delivered, "{report}");
                (before, got)
            }
            Read::Users => {
                emu.clear_touched();
                let (names, want) = variants::users(emu);
                (want, read_all(client.read_fleet(&Query::new().user_names(names))).await.0)
            }
        };
        if !variants::moved_too_fast(&got) {
            return variants::check_moving(what, got, &before, emu);
        }
    }
    Err(format!("{what}: the fleet moved too fast for three reads in a row"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_moving_variant_reads_every_desktop_that_did_not_move_exactly_once() {
    let mut failures = Vec::new();
    for v in variants::moving_variants() {
        let emu = variants::start(&v);
        let client = Client::new(variants::options(&emu)).unwrap();
        let connected = Query::new().connect_status(ConnectStatus::Connected);
        let results = vec![
            check_moving("pages", &emu, &client, None, Read::Pages(Query::new())).await,
            check_moving("items", &emu, &client, None, Read::Items(Query::new().limit(300))).await,
            check_moving("pages of CONNECTED", &emu, &client, Some("CONNECTED"), Read::Pages(connected)).await,
            check_moving("fleet read", &emu, &client, None, Read::Fleet(Query::new())).await,
            check_moving("fleet read of 150 users", &emu, &client, None, Read::Users).await,
        ];
        failures.extend(results.into_iter().filter_map(Result::err).map(|e| format!("{}: {e}", v.name)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_variant_gives_every_desktop_once_and_the_right_counts() {
    let mut failures = Vec::new();
    for v in variants::variants() {
        let emu = variants::start(&v);
        let client = Client::new(variants::options(&emu)).unwrap();
        let mut results = vec![
            variants::check_paging("pages", page_ids(client.pages(&Query::new())).await, &variants::ids(&emu, None)),
            variants::check_paging(
                "pages of CONNECTED",
                page_ids(client.pages(&Query::new().connect_status(ConnectStatus::Connected))).await,
                &variants::ids(&emu, Some("CONNECTED")),
            ),
        ];
        let all = variants::ids(&emu, None).into_iter().collect();
        results.push(variants::check_read("fleet read", read_ids(client.read_fleet(&Query::new())).await, &all));
        let (names, want) = variants::users(&emu);
        results.push(variants::check_read(
            "fleet read of 150 users",
            read_ids(client.read_fleet(&Query::new().user_names(names))).await,
            &want,
        ));
        results.push(variants::check_counts(client.count_by_status(&Query::new()).await, &emu));
        failures.extend(results.into_iter().filter_map(Result::err).map(|e| format!("{}: {e}", v.name)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_concurrent_read_slows_down_and_reads_everything_once() {
    let emu = variants::rate_limited();
    let client = Client::new(variants::options(&emu)).unwrap();
    let all = variants::ids(&emu, None).into_iter().collect();
    variants::check_read("throttled fleet read", read_ids(client.read_fleet(&Query::new())).await, &all).unwrap();
    assert!(emu.stats().throttled > 0, "the read was throttled");
}
