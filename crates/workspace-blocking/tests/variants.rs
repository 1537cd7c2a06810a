//! Every behaviour the documentation leaves open, with the blocking client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/variants.rs"]
#[allow(dead_code, unreachable_pub)]
mod variants;

use workspace_blocking::types::ConnectStatus;
use workspace_blocking::{Client, Error, Page};

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
        let client = Client::builder().options(variants::options(&emu)).build().unwrap();
        let list = || client.list_desktops_connect_status();
        let mut check = |r: Result<(), String>| failures.extend(r.err().map(|e| format!("{}: {e}", v.name)));
        check(variants::check_paging("pages", page_ids(list().pages()), &variants::ids(&emu, None)));
        check(variants::check_paging(
            "pages of CONNECTED",
            page_ids(list().connect_status(ConnectStatus::Connected).pages()),
            &variants::ids(&emu, Some("CONNECTED")),
        ));
        let all = variants::ids(&emu, None).into_iter().collect();
        let read = list().read_fleet().map(|d| d.map(|d| d.id().to_owned())).collect();
        check(variants::check_read("fleet read", read, &all));
        let (names, want) = variants::users(&emu);
        let read = list().user_names(names).read_fleet().map(|d| d.map(|d| d.id().to_owned())).collect();
        check(variants::check_read("fleet read of 150 users", read, &want));
        check(variants::check_counts(list().count_by_status(), &emu));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
