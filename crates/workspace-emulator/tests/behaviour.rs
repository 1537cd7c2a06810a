//! The switches for what the documentation leaves open, each observed from a client.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use serde_json::Value;
use workspace_emulator::{Behaviour, Emulator, EmulatorConfig, MAX_CLOCK_OFFSET_SECS, TotalCount};

fn emulator(n: usize, behaviour: Behaviour) -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(n).seed(3).behaviour(behaviour)).unwrap()
}

fn raw_page(emu: &Emulator, query: &str) -> Value {
    let r = send(get(emu, query)).unwrap();
    assert_eq!(r.status(), 200, "{}", body_text(&r));
    json(&r)
}

/// The `Date` header's distance from `expected`.
fn date_distance(r: &http::Response<Vec<u8>>, expected: SystemTime) -> Duration {
    let date = httpdate::parse_http_date(r.headers()["date"].to_str().unwrap()).unwrap();
    date.duration_since(expected).unwrap_or_else(|e| e.duration())
}

#[test]
fn the_default_is_the_literal_reading() {
    let b = Behaviour::default();
    assert_eq!(b.page_cap, None);
    assert_eq!(b.total_count, TotalCount::Filtered);
    assert_eq!(b.skew_error, "APIGW.0303");
    assert_eq!(b.clock_offset_secs, 0);
    assert!(!b.odd_data);
    let emu = emulator(2100, b);
    let p = fetch(&emu, "limit=2000");
    assert_eq!((p.desktops.len(), p.total_count), (2000, 2100));
}

#[test]
fn a_page_cap_limits_every_page_whatever_limit_asks() {
    let emu = emulator(300, Behaviour::default().page_cap(50));
    let p = fetch(&emu, "limit=2000");
    assert_eq!((p.desktops.len(), p.total_count), (50, 300));
    assert_eq!(fetch(&emu, "limit=10").desktops.len(), 10);
    // Paging by what came back still sees every desktop once.
    let mut seen = Vec::new();
    while seen.len() < 300 {
        let p = fetch(&emu, &format!("offset={}&limit=2000", seen.len()));
        assert!(!p.desktops.is_empty());
        seen.extend(p.desktops.into_iter().map(|d| d.desktop_id));
    }
    let all: Vec<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(seen, all);
    // Changed while running.
    emu.set_behaviour(Behaviour::default().page_cap(7));
    assert_eq!(fetch(&emu, "limit=2000").desktops.len(), 7);
    emu.set_behaviour(Behaviour::default());
    assert_eq!(fetch(&emu, "limit=2000").desktops.len(), 300);
}

#[test]
fn total_count_counts_the_matches_or_every_desktop() {
    let filtered = emulator(400, Behaviour::default());
    let unfiltered = emulator(400, Behaviour::default().total_count(TotalCount::Unfiltered));
    let name = filtered.desktops()[0].user_names().next().unwrap().to_owned();
    for q in ["connect_status=CONNECTED".to_owned(), format!("user_names={name}"), "limit=0".to_owned()] {
        let f = fetch(&filtered, &q);
        let u = fetch(&unfiltered, &q);
        assert_eq!(f.desktops, u.desktops, "{q}: the same desktops either way");
        assert_eq!(u.total_count, fetch(&unfiltered, "").total_count, "{q}");
        assert_eq!(u.total_count, 400, "{q}");
    }
    assert_eq!(fetch(&filtered, "connect_status=CONNECTED").total_count, 100);
    assert_eq!(fetch(&filtered, "connect_status=HIBERNATED").total_count, 0);
    assert_eq!(fetch(&unfiltered, "connect_status=HIBERNATED").total_count, 400);
}

#[test]
fn the_skew_error_code_and_message_follow_the_switch() {
    let stale = || SystemTime::now() - Duration::from_secs(20 * 60);
    for code in ["APIGW.0301", "APIG.0301"] {
        let emu = emulator(5, Behaviour::default().skew_error(code));
        let r = send(get_with(&emu, "", &Auth::demo(), stale())).unwrap();
        assert_eq!((r.status().as_u16(), error_code(&r)), (401, code.to_owned()));
        assert_eq!(
            json(&r)["error_msg"],
            "Incorrect IAM authentication information: verify aksk signature fail",
            "{code}: no time in the message"
        );
        assert!(date_distance(&r, SystemTime::now()) < Duration::from_secs(60));
    }
    let emu = emulator(5, Behaviour::default().skew_error("APIG.0303"));
    let r = send(get_with(&emu, "", &Auth::demo(), stale())).unwrap();
    assert_eq!(error_code(&r), "APIG.0303");
    let msg = json(&r)["error_msg"].as_str().unwrap().to_owned();
    assert!(msg.starts_with("Incorrect IAM authentication information: signature expired, signature time:"), "{msg}");
    assert!(msg.contains(",server time:"), "{msg}");
}

#[test]
fn the_clock_offset_moves_the_skew_check_and_the_date_header() {
    let offset = 3 * 3600;
    let emu = emulator(5, Behaviour::default().clock_offset_secs(offset));
    let ahead = SystemTime::now() + Duration::from_secs(offset as u64);
    // A client on the machine's clock is three hours behind the gateway.
    let r = send(get(&emu, "")).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0303".into()));
    assert!(date_distance(&r, ahead) < Duration::from_secs(60), "the Date header is the gateway's clock");
    let msg = json(&r)["error_msg"].as_str().unwrap().to_owned();
    let server_time = msg.rsplit_once("server time:").unwrap().1;
    assert_eq!(&server_time[..11], &sdk_date(ahead)[..11], "{msg}");
    // Signed on the gateway's clock, the request passes, and every answer carries its Date.
    let r = send(get_with(&emu, "", &Auth::demo(), ahead)).unwrap();
    assert_eq!(r.status(), 200);
    assert!(date_distance(&r, ahead) < Duration::from_secs(60));
    let r = send(http::Request::get(format!("{}/nowhere", emu.base_url())).body(vec![]).unwrap()).unwrap();
    assert_eq!(r.status(), 404);
    assert!(date_distance(&r, ahead) < Duration::from_secs(60));
    let r = admin(&emu, "GET", "/admin/health", "");
    assert!(date_distance(&r, ahead) < Duration::from_secs(60));
    // Behind works the same way.
    emu.set_behaviour(Behaviour::default().clock_offset_secs(-offset));
    let behind = SystemTime::now() - Duration::from_secs(offset as u64);
    let r = send(get_with(&emu, "", &Auth::demo(), behind)).unwrap();
    assert_eq!(r.status(), 200);
    assert!(date_distance(&r, behind) < Duration::from_secs(60));
    assert_eq!(send(get(&emu, "")).unwrap().status(), 401);
}

#[test]
fn odd_data_holds_what_a_strict_client_chokes_on() {
    let emu = emulator(100, Behaviour::default().odd_data(true));
    let fleet = emu.desktops();
    let v = raw_page(&emu, "limit=2000");
    let list = v["desktops"].as_array().unwrap();
    // 100 entries: desktops 36 and 73 are listed and counted, but served as null.
    assert_eq!(list.len(), 100);
    assert_eq!(v["total_count"], 100);
    let nulls: Vec<usize> = (0..list.len()).filter(|i| list[*i].is_null()).collect();
    assert_eq!(nulls, vec![36, 73]);
    // Unknown top-level fields.
    assert_eq!(v["site_id"], "emulated-site-1");
    assert!(v.get("marker").is_some());
    for (i, (d, f)) in list.iter().zip(&fleet).enumerate().filter(|(_, (d, _))| !d.is_null()) {
        assert_eq!(d["desktop_id"], f.desktop_id.as_str());
        assert!(
            ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"].contains(&d["connect_status"].as_str().unwrap())
        );
        assert_eq!(d["site_id"], "emulated-site-1", "unknown fields in every desktop");
        assert!(d["product"].is_object());
        assert_eq!(d.get("desktop_name").is_none(), i % 13 == 12, "desktop {i}");
        let users = d["attach_users"].as_array().unwrap();
        assert_eq!(users[0].is_null(), i % 11 == 10, "desktop {i}");
        for u in users.iter().filter(|u| !u.is_null()) {
            assert!(u.get("marker").is_some(), "unknown fields in every user");
        }
        let first = users.iter().find(|u| !u.is_null()).unwrap();
        assert_eq!(first["user_group"] == "power users", i % 7 == 6, "desktop {i}");
        assert_eq!(users.iter().any(|u| u["type"] == "ROBOT"), i % 17 == 16, "desktop {i}");
    }
    // A null takes its desktop's position in offsets.
    assert!(raw_page(&emu, "offset=36&limit=1")["desktops"][0].is_null());
    assert_eq!(raw_page(&emu, "offset=37&limit=1")["desktops"][0]["desktop_id"], fleet[37].desktop_id.as_str());
    // And in filtered listings: a desktop served as null still matches and counts.
    let connected = fleet.iter().filter(|d| d.connect_status == "CONNECTED").count();
    let v = raw_page(&emu, "connect_status=CONNECTED&limit=2000");
    assert_eq!(v["total_count"], connected as u64);
    let null_connected = fleet.iter().enumerate().filter(|(i, d)| i % 37 == 36 && d.connect_status == "CONNECTED");
    assert_eq!(v["desktops"].as_array().unwrap().iter().filter(|d| d.is_null()).count(), null_connected.count());
    // A ROBOT entry's name is not a user name; the generated users still match.
    assert_eq!(raw_page(&emu, "user_names=robot_16")["total_count"], 0);
    let name = fleet[10].user_names().next().unwrap().to_owned();
    let v = raw_page(&emu, &format!("user_names={name}"));
    assert!(v["desktops"].as_array().unwrap().iter().any(|d| d["desktop_id"] == fleet[10].desktop_id.as_str()));
}

#[test]
fn odd_data_with_an_unfiltered_total_counts_the_whole_fleet() {
    let b = Behaviour::default().odd_data(true).total_count(TotalCount::Unfiltered);
    let emu = emulator(80, b);
    assert_eq!(raw_page(&emu, "connect_status=CONNECTED")["total_count"], 80);
    assert_eq!(raw_page(&emu, "")["total_count"], 80);
}

#[test]
fn set_behaviour_clamps_and_behaviour_reads_back() {
    let emu = emulator(10, Behaviour::default());
    let wild =
        Behaviour { page_cap: Some(0), clock_offset_secs: i64::MIN, skew_error: String::new(), ..Behaviour::default() };
    emu.set_behaviour(wild);
    let b = emu.behaviour();
    assert_eq!(b.page_cap, Some(1));
    assert_eq!(b.clock_offset_secs, -MAX_CLOCK_OFFSET_SECS);
    assert_eq!(b.skew_error, "APIGW.0303");
    emu.set_behaviour(Behaviour::default().page_cap(5000));
    assert_eq!(emu.behaviour().page_cap, Some(2000));
}

#[test]
fn the_behaviour_can_be_changed_over_the_admin_api() {
    let emu = emulator(100, Behaviour::default());
    let r = admin(&emu, "PUT", "/admin/behaviour", r#"{"page_cap":5,"total_count":"unfiltered","odd_data":true}"#);
    assert_eq!(r.status(), 200, "{}", body_text(&r));
    assert_eq!(json(&r)["page_cap"], 5);
    assert_eq!(emu.behaviour().total_count, TotalCount::Unfiltered);
    assert_eq!(raw_page(&emu, "limit=2000")["desktops"].as_array().unwrap().len(), 5);
    for bad in [
        r#"{"page_cap":0}"#,
        r#"{"page_cap":2001}"#,
        r#"{"total_count":"some"}"#,
        r#"{"clock_offset_secs":400000000}"#,
        r#"{"skew_error":""}"#,
        r#"{"no_such_switch":1}"#,
    ] {
        let r = admin(&emu, "PUT", "/admin/behaviour", bad);
        assert_eq!(r.status(), 400, "{bad}: {}", body_text(&r));
    }
    assert_eq!(emu.behaviour().page_cap, Some(5), "a refused change changes nothing");
    let r = admin(
        &emu,
        "PUT",
        "/admin/behaviour",
        r#"{"page_cap":null,"skew_error":"APIGW.0301","clock_offset_secs":-60}"#,
    );
    assert_eq!(r.status(), 200);
    assert_eq!(emu.behaviour().page_cap, None);
    assert_eq!(json(&admin(&emu, "GET", "/admin/behaviour", ""))["skew_error"], "APIGW.0301");
}
