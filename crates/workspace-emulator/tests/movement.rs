//! The fleet moving after each page served, from a seed, and the record of what moved.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use common::*;
use workspace_emulator::{
    Behaviour, Desktop, Emulator, EmulatorConfig, MAX_FLEET_CHANGES_PER_PAGE, MAX_MOVES_PER_PAGE,
};

fn emulator(n: usize, behaviour: Behaviour) -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(n).seed(5).behaviour(behaviour)).unwrap()
}

fn ids(fleet: &[Desktop]) -> Vec<String> {
    fleet.iter().map(|d| d.desktop_id.clone()).collect()
}

fn statuses(fleet: &[Desktop]) -> BTreeMap<String, String> {
    fleet.iter().map(|d| (d.desktop_id.clone(), d.connect_status.clone())).collect()
}

/// The same requests, in the same order, against `emu`.
fn read_the_same_way(emu: &Emulator) {
    let name = emu.desktops()[3].user_names().next().unwrap().to_owned();
    for q in ["limit=7", "offset=7&limit=7", "connect_status=CONNECTED", &format!("user_names={name}"), "limit=0"] {
        fetch(emu, q);
    }
}

#[test]
fn the_same_seed_and_the_same_requests_give_the_same_fleet() {
    let b = Behaviour::default().moves_per_page(7).fleet_changes_per_page(3).move_seed(99);
    let (one, two) = (emulator(120, b.clone()), emulator(120, b.clone()));
    assert_eq!(one.desktops(), two.desktops());
    read_the_same_way(&one);
    read_the_same_way(&two);
    assert_eq!(one.desktops(), two.desktops());
    assert_eq!(one.touched(), two.touched());
    assert_ne!(one.desktops(), emulator(120, Behaviour::default()).desktops(), "the fleet moved");
    // Another seed, another movement.
    let three = emulator(120, b.move_seed(100));
    read_the_same_way(&three);
    assert_ne!(one.desktops(), three.desktops());
}

#[test]
fn n_moves_per_page_move_exactly_what_touched_reports() {
    let emu = emulator(200, Behaviour::default().moves_per_page(5).move_seed(1));
    assert!(emu.touched().is_empty());
    let start = emu.desktops();
    let before = statuses(&start);
    fetch(&emu, "limit=3");
    let after = statuses(&emu.desktops());
    let changed: BTreeSet<String> = before.keys().filter(|id| before[*id] != after[*id]).cloned().collect();
    assert_eq!(changed.len(), 5, "five distinct desktops, each to another status");
    assert_eq!(emu.touched(), changed);
    // Over several pages, what kept its status is the fleet minus what was touched.
    for _ in 0..10 {
        fetch(&emu, "connect_status=REGISTERED&limit=2");
    }
    let touched = emu.touched();
    assert!(touched.len() <= 55);
    let now = emu.desktops();
    assert_eq!(ids(&now), ids(&start), "moves alone create, delete and reorder nothing");
    for d in &now {
        if !touched.contains(&d.desktop_id) {
            assert_eq!(d.connect_status, before[&d.desktop_id], "{} was not touched", d.desktop_id);
        }
    }
    let changed = now.iter().filter(|d| d.connect_status != before[&d.desktop_id]).count();
    assert!(changed > 5 && changed <= touched.len());
    emu.clear_touched();
    assert!(emu.touched().is_empty());
    // Moves follow the documented cycle.
    fetch(&emu, "limit=1");
    let (moved, touched) = (emu.desktops(), emu.touched());
    assert_eq!(touched.len(), 5);
    for d in moved.iter().filter(|d| touched.contains(&d.desktop_id)) {
        let from = now.iter().find(|x| x.desktop_id == d.desktop_id).unwrap().connect_status.as_str();
        let allowed: &[&str] = match from {
            "UNREGISTER" => &["REGISTERED"],
            "REGISTERED" => &["CONNECTED"],
            "CONNECTED" => &["DISCONNECTED"],
            _ => &["CONNECTED", "REGISTERED"],
        };
        assert!(allowed.contains(&d.connect_status.as_str()), "{from} -> {}", d.connect_status);
    }
}

#[test]
fn set_status_and_churn_are_recorded_as_touched() {
    let emu = emulator(50, Behaviour::default());
    let fleet = emu.desktops();
    let d = &fleet[4];
    assert!(emu.set_status(&d.desktop_id, &d.connect_status));
    assert!(emu.touched().is_empty(), "the same status is no change");
    assert!(emu.set_status(&d.desktop_id, "HIBERNATED"));
    assert_eq!(emu.touched(), BTreeSet::from([d.desktop_id.clone()]));
    let r = admin(&emu, "PUT", &format!("/admin/desktops/{}/status", fleet[5].desktop_id), r#"{"connect_status":"X"}"#);
    assert_eq!(r.status(), 200);
    assert_eq!(json(&admin(&emu, "GET", "/admin/touched", ""))["touched"].as_array().unwrap().len(), 2);
    assert_eq!(admin(&emu, "DELETE", "/admin/touched", "").status(), 200);
    assert!(emu.touched().is_empty());
    emu.set_churn(1000.0);
    let start = std::time::Instant::now();
    while emu.touched().len() < 10 {
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "churn is recorded");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    emu.set_churn(0.0);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (touched, now) = (emu.touched(), emu.desktops());
    for (a, b) in fleet.iter().zip(&now).filter(|(a, _)| !touched.contains(&a.desktop_id)) {
        assert_eq!(a, b);
    }
}

#[test]
fn created_ids_are_unique_and_deleted_ones_are_gone() {
    let emu = emulator(100, Behaviour::default().fleet_changes_per_page(10).move_seed(3));
    let before = emu.desktops();
    let before_ids: HashSet<String> = ids(&before).into_iter().collect();
    let names: HashSet<String> = before.iter().flat_map(|d| d.user_names().map(str::to_owned)).collect();
    for i in 0..30 {
        fetch(&emu, &format!("offset={i}&limit=5"));
    }
    // Still from here on, so that the queries below see this fleet.
    emu.set_behaviour(Behaviour::default());
    let after = emu.desktops();
    let after_ids: HashSet<String> = ids(&after).into_iter().collect();
    assert_eq!(after_ids.len(), after.len(), "ids stay unique");
    let touched = emu.touched();
    assert!(touched.len() <= 300, "at most ten changes per page");
    let created: Vec<&Desktop> = after.iter().filter(|d| !before_ids.contains(&d.desktop_id)).collect();
    let deleted: Vec<&String> = before_ids.iter().filter(|id| !after_ids.contains(*id)).collect();
    assert!(!created.is_empty() && !deleted.is_empty());
    assert_eq!(before.len() + created.len() - deleted.len(), after.len());
    for id in &deleted {
        assert!(touched.contains(*id), "{id} was deleted");
        assert!(!emu.set_status(id, "CONNECTED"), "{id} is gone");
    }
    for d in &created {
        assert!(touched.contains(&d.desktop_id), "{} was created", d.desktop_id);
        let shape: Vec<usize> = d.desktop_id.split('-').map(str::len).collect();
        assert_eq!(shape, [8, 4, 4, 4, 12], "{}", d.desktop_id);
        assert!(d.desktop_id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert!(["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"].contains(&d.connect_status.as_str()));
        let name = d.user_names().next().unwrap();
        assert!(names.contains(name), "{name} is a user of the fleet");
        let p = fetch(&emu, &format!("user_names={}&limit=2000", enc(name)));
        assert!(p.desktops.iter().any(|x| x.desktop_id == d.desktop_id), "a user-name query sees {}", d.desktop_id);
    }
    // What was touched but is in neither fleet was created, then deleted.
    for id in touched.iter().filter(|id| !before_ids.contains(*id) && !after_ids.contains(*id)) {
        assert!(id.starts_with("c0000000-0000-4000-8000-"), "{id}");
    }
    // The desktops neither created nor deleted keep their order and their data.
    let kept: Vec<&Desktop> = before.iter().filter(|d| after_ids.contains(&d.desktop_id)).collect();
    let survivors: Vec<&Desktop> = after.iter().filter(|d| before_ids.contains(&d.desktop_id)).collect();
    assert_eq!(kept, survivors);
}

#[test]
fn created_ids_stay_above_any_id_of_their_shape() {
    let taken = "c0000000-0000-4000-8000-0000000000ff";
    let fleet = vec![Desktop::new(taken, "one", "CONNECTED", vec![]), Desktop::new("d-2", "two", "REGISTERED", vec![])];
    let b = Behaviour::default().fleet_changes_per_page(MAX_FLEET_CHANGES_PER_PAGE).move_seed(8);
    let emu = Emulator::start(EmulatorConfig::default().fleet(fleet).behaviour(b)).unwrap();
    fetch(&emu, "");
    let touched = emu.touched();
    let created: Vec<&String> = touched.iter().filter(|id| !["d-2", taken].contains(&id.as_str())).collect();
    assert!(!created.is_empty());
    assert!(created.iter().all(|id| id.as_str() > taken), "{created:?}");
    // Created without users in the fleet, a desktop gets a user of its own.
    assert!(
        emu.desktops()
            .iter()
            .filter(|d| d.desktop_id != "d-2" && d.desktop_id != taken)
            .all(|d| d.user_names().count() == 1)
    );
    // A replaced fleet raises the floor too.
    let higher = "c0000000-0000-4000-8000-00000000ffff";
    emu.replace_fleet(vec![Desktop::new(higher, "three", "CONNECTED", vec![])]);
    emu.clear_touched();
    fetch(&emu, "");
    assert!(emu.touched().iter().filter(|id| id.as_str() != higher).all(|id| id.as_str() > higher));
}

#[test]
fn a_page_is_served_before_its_own_movement() {
    let b = Behaviour::default().moves_per_page(MAX_MOVES_PER_PAGE).fleet_changes_per_page(4).move_seed(2);
    let emu = emulator(60, b);
    let before = emu.desktops();
    let p = fetch(&emu, "limit=2000");
    assert_eq!(p.desktops, before, "the page is the fleet before its moves");
    assert_eq!(p.total_count, 60);
    let between = emu.desktops();
    let moved = before.iter().filter(|d| between.iter().any(|x| x.desktop_id == d.desktop_id && x != *d)).count();
    let kept = before.iter().filter(|d| between.iter().any(|x| x.desktop_id == d.desktop_id)).count();
    assert_eq!(moved, kept, "every desktop moved after the page");
    assert_eq!(fetch(&emu, "limit=2000").desktops, between, "the next page sees the first page's movement");
    // A refused request moves nothing.
    let now = emu.desktops();
    emu.clear_touched();
    assert_eq!(send(get(&emu, "limit=2001")).unwrap().status(), 400);
    assert_eq!(
        send(get_with(&emu, "", &Auth::keys("NOSUCHAK", "x"), std::time::SystemTime::now())).unwrap().status(),
        401
    );
    assert_eq!(emu.desktops(), now);
    assert!(emu.touched().is_empty());
}

#[test]
fn a_read_under_movement_sees_untouched_desktops_as_they_were() {
    let emu = emulator(300, Behaviour::default().moves_per_page(20).move_seed(4));
    let start = emu.desktops();
    emu.clear_touched();
    let mut read = Vec::new();
    loop {
        let p = fetch(&emu, &format!("offset={}&limit=10", read.len()));
        if p.desktops.is_empty() {
            break;
        }
        read.extend(p.desktops);
    }
    assert_eq!(ids(&read), ids(&start), "moves alone never shift a position");
    let touched = emu.touched();
    assert!(touched.len() > 100, "{}", touched.len());
    let kept: Vec<&Desktop> = start.iter().filter(|d| !touched.contains(&d.desktop_id)).collect();
    for d in kept {
        assert!(read.contains(d), "{} kept its status during the read", d.desktop_id);
    }
}

#[test]
fn the_movement_is_set_at_run_time_and_over_the_admin_api() {
    let emu = emulator(80, Behaviour::default());
    let body = r#"{"moves_per_page":6,"fleet_changes_per_page":2,"move_seed":12345678901234567890}"#;
    let r = admin(&emu, "PUT", "/admin/behaviour", body);
    assert_eq!(r.status(), 200, "{}", body_text(&r));
    assert_eq!(json(&r)["move_seed"].as_u64(), Some(12_345_678_901_234_567_890));
    let b = emu.behaviour();
    assert_eq!((b.moves_per_page, b.fleet_changes_per_page, b.move_seed), (6, 2, 12_345_678_901_234_567_890));
    for bad in [r#"{"moves_per_page":10001}"#, r#"{"fleet_changes_per_page":101}"#, r#"{"move_seed":-1}"#] {
        let r = admin(&emu, "PUT", "/admin/behaviour", bad);
        assert_eq!(r.status(), 400, "{bad}: {}", body_text(&r));
    }
    assert_eq!(emu.behaviour(), b, "a refused change changes nothing");
    // Set at run time, the sequence is the one the seed gives from the start.
    let fresh = emulator(80, b.clone());
    read_the_same_way(&emu);
    read_the_same_way(&fresh);
    assert_eq!(emu.desktops(), fresh.desktops());
    // Both go on alike when other switches change; the handle's setter clamps.
    emu.set_behaviour(b.clone().page_cap(500));
    fresh.set_behaviour(b.clone().page_cap(500).odd_data(false));
    read_the_same_way(&emu);
    read_the_same_way(&fresh);
    assert_eq!(emu.desktops(), fresh.desktops());
    emu.set_behaviour(Behaviour::default().moves_per_page(u32::MAX).fleet_changes_per_page(u32::MAX));
    let b = emu.behaviour();
    assert_eq!((b.moves_per_page, b.fleet_changes_per_page), (MAX_MOVES_PER_PAGE, MAX_FLEET_CHANGES_PER_PAGE));
    // Turned off, the fleet stays still.
    emu.set_behaviour(Behaviour::default());
    let still = emu.desktops();
    read_the_same_way(&emu);
    assert_eq!(emu.desktops(), still);
}
