//! The fault matrix and a load test, with the blocking client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/fault_matrix.rs"]
#[allow(dead_code, unreachable_pub)]
mod fault_matrix;

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workspace_blocking::Query;

use fault_matrix::{check, rows, serving};
use workspace_blocking::Client;
use workspace_emulator::{Emulator, EmulatorConfig};

#[test]
fn every_row_of_the_fault_matrix() {
    let mut failures = Vec::new();
    for row in rows() {
        let (emu, options, clock) = fault_matrix::start(&row);
        let client = Client::new(options.to_builder().clock(clock).build().unwrap()).unwrap();
        let emu = serving(&row, emu);
        let outcome = client.send(&Query::new().limit(10)).map(|p| p.desktops().len() as u64);
        failures.extend(check(&row, outcome, emu.map_or(0, |e| e.stats().requests)).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_fleet_that_grows_or_shrinks_while_paging_ends_without_repeats() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(300)).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let original = emu.desktops();
    for shift in [setup::Shift::Grow, setup::Shift::Shrink] {
        emu.replace_fleet(original.clone());
        let mut seen = Vec::new();
        for (i, page) in client.pages(&Query::new().limit(50)).enumerate() {
            seen.extend(page.unwrap().desktops().iter().map(|d| d.desktop_id.clone().unwrap()));
            if i == 1 {
                emu.replace_fleet(setup::shifted(&original, shift));
            }
            assert!(i < 20, "paging ends");
        }
        assert_eq!(seen.len(), seen.iter().collect::<HashSet<_>>().len(), "{shift:?}: no desktop twice");
    }
}

#[test]
fn load_many_concurrent_readers_lose_and_repeat_nothing() {
    let emu = Arc::new(Emulator::start(EmulatorConfig::default().desktops(1500)).unwrap());
    let expected: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let client = Client::builder(setup::options(&emu).build().unwrap()).build().unwrap();
    let end = Instant::now() + Duration::from_secs(2);
    let readers: Vec<_> = (0..6)
        .map(|i| {
            let (client, expected) = (client.clone(), expected.clone());
            std::thread::spawn(move || {
                let mut reads = 0u64;
                // Bounded in time and count.
                while Instant::now() < end && reads < 200 {
                    let ids: Vec<String> = client
                        .items(&Query::new().limit([50, 100, 333, 2000][i % 4]))
                        .map(|d| d.unwrap().desktop_id.unwrap())
                        .collect();
                    assert_eq!(ids.len(), expected.len(), "nothing lost or repeated");
                    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let reads: u64 = readers.into_iter().map(|r| r.join().expect("no panic")).sum();
    assert!(reads >= 6);
    eprintln!("load: {reads} full reads of 1,500 desktops by 6 threads, {} requests", emu.stats().requests);
}
