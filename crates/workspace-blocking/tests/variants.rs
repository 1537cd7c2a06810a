//! Every behaviour the documentation leaves open, with the blocking client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/variants.rs"]
#[allow(dead_code, unreachable_pub)]
mod variants;

use workspace_blocking::types::ConnectStatus;
use workspace_blocking::{Client, Error, Page, Query};

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

#[test]
fn a_throttled_concurrent_read_slows_down_and_reads_everything_once() {
    let emu = variants::rate_limited();
    let client = Client::new(variants::options(&emu)).unwrap();
    let all = variants::ids(&emu, None).into_iter().collect();
    let read = client.read_fleet(&Query::new()).map(|d| d.map(|d| d.id().to_owned())).collect();
    variants::check_read("throttled fleet read", read, &all).unwrap();
    assert!(emu.stats().throttled > 0, "the read was throttled");
}
