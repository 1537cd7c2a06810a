//! Faults on demand, each scripted and observed from a client.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(300)).unwrap()
}

fn get_page(emu: &Emulator) -> Result<http::Response<Vec<u8>>, ureq::Error> {
    send(common::get(emu, "limit=100"))
}

#[test]
fn the_next_two_requests_get_503_then_normal() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::status(503), 2)]);
    for _ in 0..2 {
        let r = get_page(&emu).unwrap();
        assert_eq!((r.status().as_u16(), error_code(&r)), (503, "APIGW.0201".into()));
        assert!(r.headers().contains_key("x-request-id"));
    }
    assert_eq!(page(&get_page(&emu).unwrap()).desktops.len(), 100);
    assert_eq!(emu.stats().faults_applied, 2);
}

#[test]
fn server_errors_and_throttling_have_the_services_bodies() {
    let emu = emulator();
    emu.push_faults([
        FaultRule::new(Fault::throttle(Some(2)), 1),
        FaultRule::new(Fault::throttle(None), 1),
        FaultRule::new(Fault::status(500), 1),
        FaultRule::new(Fault::status(502), 1),
        FaultRule::new(Fault::status(504), 1),
    ]);
    let r = get_page(&emu).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (429, "APIGW.0308".into()));
    assert_eq!(r.headers()["retry-after"], "2");
    let r = get_page(&emu).unwrap();
    assert_eq!(r.status(), 429);
    assert!(!r.headers().contains_key("retry-after"));
    for status in [500, 502, 504] {
        let r = get_page(&emu).unwrap();
        assert_eq!(r.status().as_u16(), status);
        assert!(!error_code(&r).is_empty());
    }
    assert_eq!(get_page(&emu).unwrap().status(), 200);
}

/// Sends a request over a fresh socket and returns what came back, or the read error.
fn raw_exchange(emu: &Emulator) -> Result<Vec<u8>, std::io::Error> {
    let req = common::get(emu, "");
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut text = format!("GET {} HTTP/1.1\r\n", req.uri().path_and_query().unwrap());
    for (k, v) in req.headers() {
        text.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    text.push_str("connection: close\r\n\r\n");
    s.write_all(text.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).map(|_| out)
}

#[test]
fn reset_closes_the_connection_with_a_tcp_reset() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::Reset, 1)]);
    let err = raw_exchange(&emu).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    assert!(raw_exchange(&emu).unwrap().starts_with(b"HTTP/1.1 200"));
}

#[test]
fn truncate_announces_more_than_it_sends() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::Truncate, 1)]);
    let bytes = raw_exchange(&emu).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let declared: usize = head.lines().find_map(|l| l.strip_prefix("content-length: ")).unwrap().parse().unwrap();
    assert!(head.starts_with("HTTP/1.1 200"));
    assert!(body.len() < declared, "{} of {declared}", body.len());
    // A client that checks lengths sees an error.
    assert!(get_page(&emu).is_ok());
    emu.push_faults([FaultRule::new(Fault::Truncate, 1)]);
    assert!(get_page(&emu).is_err());
}

#[test]
fn malformed_json_comes_with_a_200() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::Malformed, 1)]);
    let r = get_page(&emu).unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_slice::<serde_json::Value>(r.body()).is_err());
}

#[test]
fn a_stalled_body_is_ended_by_the_clients_timeout() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_secs(3600)), 1)]);
    let agent = agent(Some(Duration::from_millis(300)));
    let err = send_with(&agent, common::get(&emu, "")).unwrap_err();
    assert!(matches!(err, ureq::Error::Timeout(_)), "{err:?}");
    // A short stall only delays the answer.
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_millis(50)), 1)]);
    assert_eq!(page(&get_page(&emu).unwrap()).desktops.len(), 100);
}

#[test]
fn delay_and_latency_slow_the_answer_but_keep_it_right() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_millis(20)), 1)]);
    emu.set_latency(Duration::from_millis(5));
    assert_eq!(page(&get_page(&emu).unwrap()).total_count, 300);
    // Past the client's timeout, a delay is a timeout.
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_secs(5)), 1)]);
    let err = send_with(&agent(Some(Duration::from_millis(200))), common::get(&emu, "")).unwrap_err();
    assert!(matches!(err, ureq::Error::Timeout(_)), "{err:?}");
}

#[test]
fn the_rate_limit_throttles_with_retry_after() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5).rate_limit(3)).unwrap();
    let statuses: Vec<u16> = (0..6).map(|_| get_page(&emu).unwrap().status().as_u16()).collect();
    // Six requests within one second: at least the last ones are throttled (a window may roll over once).
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 2, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429));
    emu.set_rate_limit(None);
    assert_eq!(get_page(&emu).unwrap().status(), 200);
}

#[test]
fn a_stopped_emulator_refuses_connections() {
    let emu = emulator();
    let addr = emu.addr();
    emu.stop();
    let err = TcpStream::connect(addr).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn faults_are_scripted_over_the_admin_api_too() {
    let emu = emulator();
    let admin = |method: &str, path: &str, body: &str| common::admin(&emu, method, path, body);
    let r = admin("POST", "/admin/faults", r#"[{"fault":"status","status":504,"times":1},{"fault":"malformed"}]"#);
    assert_eq!(r.status(), 200);
    assert_eq!(get_page(&emu).unwrap().status(), 504);
    assert_eq!(admin("DELETE", "/admin/faults", "").status(), 200);
    assert_eq!(page(&get_page(&emu).unwrap()).desktops.len(), 100);
    assert_eq!(admin("POST", "/admin/faults", r#"{"fault":"nonsense"}"#).status(), 400);
    let id = emu.desktops()[0].desktop_id.clone();
    let r = admin("PUT", &format!("/admin/desktops/{id}/status"), r#"{"connect_status":"CONNECTED"}"#);
    assert_eq!(r.status(), 200);
    assert_eq!(emu.desktops()[0].connect_status, "CONNECTED");
    let r = admin("PUT", &format!("/admin/desktops/{id}/status"), r#"{"connect_status":"HIBERNATED"}"#);
    assert_eq!(r.status(), 200);
    assert_eq!(emu.desktops()[0].connect_status, "HIBERNATED");
    let r = admin("PUT", "/admin/settings", r#"{"latency_ms":1,"rate_limit":null,"churn":0}"#);
    assert_eq!(r.status(), 200);
    let stats: serde_json::Value = serde_json::from_slice(admin("GET", "/admin/stats", "").body()).unwrap();
    assert!(stats["requests"].as_u64().unwrap() >= 2);
}

#[test]
fn churn_changes_statuses_over_time() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(50).churn(200.0)).unwrap();
    let before = emu.desktops();
    // Bounded wait: churn runs ten times a second.
    let changed = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        emu.desktops() != before
    });
    assert!(changed);
}

/// Waits until `done` holds, polling; fails the test only if it never does within a generous bound.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_client_that_goes_away_while_its_answer_is_delayed_is_counted_as_abandoned() {
    let emu = emulator();
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_secs(3600)), 1)]);
    let mut stream = TcpStream::connect(emu.addr()).unwrap();
    let head = format!("GET /v2/{}/connect-desktops HTTP/1.1\r\nHost: {}\r\n\r\n", emu.project_id(), emu.addr());
    stream.write_all(head.as_bytes()).unwrap();
    eventually("the request's arrival", || emu.stats().requests == 1);
    assert_eq!(emu.stats().abandoned, 0, "still waiting for its answer");
    drop(stream);
    eventually("the abandoned request's count", || emu.stats().abandoned == 1);
    // A delayed answer that is written is not abandoned.
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_millis(10)), 1)]);
    assert_eq!(page(&get_page(&emu).unwrap()).desktops.len(), 100);
    assert_eq!(emu.stats().abandoned, 1);
}
