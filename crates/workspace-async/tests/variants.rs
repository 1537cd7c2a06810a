//! Every behaviour the documentation leaves open, with the async client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/variants.rs"]
#[allow(dead_code, unreachable_pub)]
mod variants;

use workspace_async::types::ConnectStatus;
use workspace_async::{Client, Error, FleetItems, Pages, Query};

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
