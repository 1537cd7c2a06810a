//! The fault matrix and a load test, with the async client against the emulator.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/fault_matrix.rs"]
#[allow(dead_code, unreachable_pub)]
mod fault_matrix;

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use std::collections::HashSet;
use std::time::{Duration, Instant};
use workspace_async::Query;

use fault_matrix::{check, rows, serving};
use workspace_async::Client;
use workspace_emulator::{Emulator, EmulatorConfig};

#[tokio::test]
async fn every_row_of_the_fault_matrix() {
    let mut failures = Vec::new();
    for row in rows() {
        let (emu, options, clock) = fault_matrix::start(&row);
        let client = Client::new(options.to_builder().clock(clock).build().unwrap()).unwrap();
        let emu = serving(&row, emu);
        let outcome = client.send(&Query::new().limit(10)).await.map(|p| p.desktops().len() as u64);
        failures.extend(check(&row, outcome, emu.map_or(0, |e| e.stats().requests)).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_fleet_that_grows_or_shrinks_while_paging_ends_without_repeats() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(300)).unwrap();
    let client = Client::new(setup::options(&emu).build().unwrap()).unwrap();
    let original = emu.desktops();
    for shift in [setup::Shift::Grow, setup::Shift::Shrink] {
        emu.replace_fleet(original.clone());
        let (mut seen, mut pages_read) = (Vec::new(), 0);
        let mut pages = client.pages(&Query::new().limit(50));
        while let Some(page) = pages.next().await {
            seen.extend(page.unwrap().desktops().iter().map(|d| d.desktop_id.clone().unwrap()));
            pages_read += 1;
            if pages_read == 2 {
                emu.replace_fleet(setup::shifted(&original, shift));
            }
            assert!(pages_read <= 20, "paging ends");
        }
        assert_eq!(seen.len(), seen.iter().collect::<HashSet<_>>().len(), "{shift:?}: no desktop twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_many_concurrent_tasks_lose_and_repeat_nothing() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500)).unwrap();
    let expected: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    let client = Client::builder(setup::options(&emu).build().unwrap()).build().unwrap();
    let end = Instant::now() + Duration::from_secs(2);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (client, expected) = (client.clone(), expected.clone());
            tokio::spawn(async move {
                let mut reads = 0u64;
                while Instant::now() < end && reads < 200 {
                    let mut items = client.items(&Query::new().limit([50, 100, 333, 2000][i % 4]));
                    let mut ids = Vec::new();
                    while let Some(d) = items.next().await {
                        ids.push(d.unwrap().desktop_id.unwrap());
                    }
                    assert_eq!(ids.len(), expected.len(), "nothing lost or repeated");
                    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let mut reads = 0;
    for t in tasks {
        reads += t.await.expect("no panic");
    }
    assert!(reads >= 16);
    eprintln!("load: {reads} full reads of 1,500 desktops by 16 tasks, {} requests", emu.stats().requests);
}
