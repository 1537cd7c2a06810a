//! Safe to leave running: bounded settings, an admin API closed to other web origins and host
//! names, demo credentials only when no others are given, slow headers cut off.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use common::*;
use workspace_emulator::{
    Behaviour, DEMO_AK, DEMO_AUTH_TOKEN, DEMO_SK, Emulator, EmulatorConfig, KeyPair, MAX_DESKTOPS,
    MAX_FLEET_CHANGES_PER_PAGE, MAX_MOVES_PER_PAGE,
};

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(20)).unwrap()
}

/// Sends `head` (request line and headers, without the blank line) and `body` over a fresh
/// socket; returns the status code and the whole answer.
fn exchange(emu: &Emulator, head: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let text = format!("{head}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
    s.write_all(text.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).unwrap().parse().unwrap();
    (status, out)
}

fn settings(emu: &Emulator) -> serde_json::Value {
    json(&admin(emu, "GET", "/admin/settings", ""))
}

#[test]
fn admin_settings_out_of_bounds_are_refused() {
    let emu = emulator();
    let before = settings(&emu);
    for bad in [
        r#"{"churn":1e308}"#,
        r#"{"churn":1001}"#,
        r#"{"churn":-1}"#,
        r#"{"churn":1e400}"#,
        r#"{"latency_ms":60001}"#,
        r#"{"latency_ms":18446744073709551615}"#,
        r#"{"rate_limit":0}"#,
        r#"{"rate_limit":1000001}"#,
        r#"{"rate_limit":-1}"#,
        r#"{"latency_ms":1,"churn":1e9}"#,
    ] {
        let r = admin(&emu, "PUT", "/admin/settings", bad);
        assert_eq!(r.status(), 400, "{bad}: {}", body_text(&r));
        assert_eq!(error_code(&r), "EMU.0400");
    }
    assert_eq!(settings(&emu), before, "a refused change changes nothing");
    let r = admin(&emu, "PUT", "/admin/settings", r#"{"churn":1000,"latency_ms":60000,"rate_limit":1000000}"#);
    assert_eq!(r.status(), 200, "{}", body_text(&r));
    let r = admin(&emu, "PUT", "/admin/settings", r#"{"churn":0,"latency_ms":0,"rate_limit":null}"#);
    assert_eq!(r.status(), 200);
    assert_eq!(fetch(&emu, "").total_count, 20, "still serving");
}

#[test]
fn a_config_out_of_bounds_is_refused_at_start() {
    let bad = [
        EmulatorConfig::default().desktops(usize::MAX),
        EmulatorConfig::default().desktops(MAX_DESKTOPS + 1),
        EmulatorConfig::default().churn(f64::INFINITY),
        EmulatorConfig::default().churn(f64::NAN),
        EmulatorConfig::default().churn(1e9),
        EmulatorConfig::default().latency(Duration::from_secs(61)),
        EmulatorConfig::default().rate_limit(0),
        EmulatorConfig::default().rate_limit(1_000_001),
        EmulatorConfig::default().behaviour(Behaviour::default().page_cap(0)),
        EmulatorConfig::default().behaviour(Behaviour::default().clock_offset_secs(i64::MAX)),
        EmulatorConfig::default().behaviour(Behaviour::default().moves_per_page(MAX_MOVES_PER_PAGE + 1)),
        EmulatorConfig::default()
            .behaviour(Behaviour::default().fleet_changes_per_page(MAX_FLEET_CHANGES_PER_PAGE + 1)),
    ];
    for config in bad {
        let err = Emulator::start(config.clone()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{config:?}");
        assert!(config.check().is_err());
    }
    assert!(EmulatorConfig::default().desktops(MAX_DESKTOPS).check().is_ok());
    let most =
        Behaviour::default().moves_per_page(MAX_MOVES_PER_PAGE).fleet_changes_per_page(MAX_FLEET_CHANGES_PER_PAGE);
    assert!(EmulatorConfig::default().behaviour(most).check().is_ok());
}

#[test]
fn the_handles_setters_clamp() {
    let emu = emulator();
    emu.set_churn(1e308);
    assert_eq!(settings(&emu)["churn"], 1000.0);
    emu.set_churn(f64::NAN);
    assert_eq!(settings(&emu)["churn"], 0.0);
    emu.set_churn(-5.0);
    assert_eq!(settings(&emu)["churn"], 0.0);
    emu.set_rate_limit(Some(0));
    assert_eq!(settings(&emu)["rate_limit"], 1);
    emu.set_rate_limit(None);
    emu.set_latency(Duration::from_secs(3600));
    assert_eq!(settings(&emu)["latency_ms"], 60_000);
    emu.set_latency(Duration::ZERO);
    assert_eq!(fetch(&emu, "").total_count, 20);
}

#[test]
fn other_web_origins_and_host_names_are_refused_by_the_admin_api() {
    let emu = emulator();
    let port = emu.addr().port();
    let host = format!("host: 127.0.0.1:{port}");
    let (status, _) = exchange(&emu, &format!("GET /admin/stats HTTP/1.1\r\n{host}"), "");
    assert_eq!(status, 200);
    let (status, text) =
        exchange(&emu, &format!("GET /admin/stats HTTP/1.1\r\n{host}\r\norigin: http://evil.example"), "");
    assert_eq!(status, 403, "{text}");
    let (status, _) = exchange(&emu, &format!("GET /admin/stats HTTP/1.1\r\n{host}\r\norigin: null"), "");
    assert_eq!(status, 403);
    let (status, _) = exchange(&emu, "GET /admin/stats HTTP/1.1\r\nhost: evil.example", "");
    assert_eq!(status, 403);
    let (status, _) = exchange(&emu, &format!("GET /admin/stats HTTP/1.1\r\nhost: evil.example:{port}"), "");
    assert_eq!(status, 403);
    let cross = r#"{"fault":"status","status":500}"#;
    let (status, _) = exchange(
        &emu,
        &format!(
            "POST /admin/faults HTTP/1.1\r\n{host}\r\norigin: http://evil.example\r\ncontent-type: application/json"
        ),
        cross,
    );
    assert_eq!(status, 403);
    assert!(emu.stats().faults_applied == 0 && fetch(&emu, "").total_count == 20, "the fault was not scripted");
    // The emulator's own origins and loopback names are fine.
    for origin in
        [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}"), format!("http://[::1]:{port}")]
    {
        let (status, _) = exchange(&emu, &format!("GET /admin/health HTTP/1.1\r\n{host}\r\norigin: {origin}"), "");
        assert_eq!(status, 200, "{origin}");
    }
    for h in [format!("localhost:{port}"), format!("[::1]:{port}"), "127.0.0.1".to_owned(), "LOCALHOST".to_owned()] {
        let (status, _) = exchange(&emu, &format!("GET /admin/health HTTP/1.1\r\nhost: {h}"), "");
        assert_eq!(status, 200, "{h}");
    }
    // The API is not the admin API: it answers whatever the origin.
    let mut req = get(&emu, "");
    req.headers_mut().insert("origin", "http://evil.example".parse().unwrap());
    assert_eq!(send(req).unwrap().status(), 200);
}

#[test]
fn admin_bodies_must_be_json() {
    let emu = emulator();
    let port = emu.addr().port();
    let rule = r#"{"fault":"status","status":500}"#;
    for ct in ["content-type: text/plain", "content-type: application/x-www-form-urlencoded", ""] {
        let head = format!("POST /admin/faults HTTP/1.1\r\nhost: 127.0.0.1:{port}");
        let head = if ct.is_empty() { head } else { format!("{head}\r\n{ct}") };
        let (status, text) = exchange(&emu, &head, rule);
        assert_eq!(status, 415, "{ct}: {text}");
    }
    let head = format!("PUT /admin/settings HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: text/plain");
    assert_eq!(exchange(&emu, &head, r#"{"latency_ms":1}"#).0, 415);
    let head = format!(
        "POST /admin/faults HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: Application/JSON; charset=utf-8"
    );
    assert_eq!(exchange(&emu, &head, rule).0, 200);
    assert_eq!(emu.stats().faults_applied, 0);
    emu.clear_faults();
}

#[test]
fn an_admin_token_is_required_when_configured() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(3).admin_token("s3cret")).unwrap();
    let port = emu.addr().port();
    let head = |auth: &str| format!("GET /admin/stats HTTP/1.1\r\nhost: 127.0.0.1:{port}{auth}");
    assert_eq!(exchange(&emu, &head(""), "").0, 401);
    assert_eq!(exchange(&emu, &head("\r\nauthorization: Bearer wrong"), "").0, 401);
    assert_eq!(exchange(&emu, &head("\r\nauthorization: Bearer s3cret-and-more"), "").0, 401);
    assert_eq!(exchange(&emu, &head("\r\nauthorization: s3cret"), "").0, 401);
    assert_eq!(exchange(&emu, &head("\r\nauthorization: Bearer s3cret"), "").0, 200);
    // The API keeps its own authentication.
    assert_eq!(fetch(&emu, "").total_count, 3);
    // Without a token configured, none is needed.
    assert_eq!(admin(&emulator(), "GET", "/admin/stats", "").status(), 200);
}

#[test]
fn the_demo_credentials_work_only_when_no_others_are_given() {
    let now = SystemTime::now();
    let demo_token = Auth::Token(DEMO_AUTH_TOKEN.into());
    let demo_keys = Auth::keys(DEMO_AK, DEMO_SK);

    let emu = emulator();
    assert_eq!(send(get_with(&emu, "", &demo_keys, now)).unwrap().status(), 200);
    assert_eq!(send(get_with(&emu, "", &demo_token, now)).unwrap().status(), 200);

    let emu = Emulator::start(EmulatorConfig::default().keys(vec![KeyPair::new("MYAK", "my-sk")])).unwrap();
    assert_eq!(send(get_with(&emu, "", &Auth::keys("MYAK", "my-sk"), now)).unwrap().status(), 200);
    assert_eq!(send(get_with(&emu, "", &demo_token, now)).unwrap().status(), 401);
    assert_eq!(send(get_with(&emu, "", &demo_keys, now)).unwrap().status(), 401);
    assert_eq!(emu.auth_token(), None);

    let emu = Emulator::start(EmulatorConfig::default().auth_tokens(vec!["my-token".into()])).unwrap();
    assert_eq!(send(get_with(&emu, "", &Auth::Token("my-token".into()), now)).unwrap().status(), 200);
    assert_eq!(send(get_with(&emu, "", &demo_keys, now)).unwrap().status(), 401);
    assert_eq!(send(get_with(&emu, "", &demo_token, now)).unwrap().status(), 401);
    assert!(emu.key_pair().is_none());

    // The same when the fields are set directly.
    let mut config = EmulatorConfig::default();
    config.keys.push(KeyPair::new("OTHERAK", "other-sk"));
    let emu = Emulator::start(config).unwrap();
    assert_eq!(send(get_with(&emu, "", &demo_keys, now)).unwrap().status(), 401);
    assert_eq!(send(get_with(&emu, "", &demo_token, now)).unwrap().status(), 401);
    assert_eq!(emu.key_pair().unwrap().ak, "OTHERAK");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let emu = emulator();
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    s.write_all(b"GET /admin/health HTTP/1.1\r\nhost: 127.0.0.1\r\n").unwrap();
    // The server closes the connection after its header-read timeout (10 s); the generous read
    // timeout only keeps a broken build from hanging.
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => assert!(!String::from_utf8_lossy(&out).contains("200 OK"), "no answer to half a request"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
}

/// The largest admin request body (a whole fleet may come in one).
const MAX_ADMIN_BODY: u64 = 256 * 1024 * 1024;

/// Reads what the server sends until it closes the connection (a reset after the answer, which
/// a server that stops reading a body may send, ends the read too).
fn read_answer(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                assert!(!out.is_empty(), "no answer: {e}");
                break;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_declared_body_over_the_bound_is_refused_before_it_is_sent() {
    let emu = emulator();
    let fleet = emu.desktops();
    let port = emu.addr().port();
    // Only the headers are sent: the answer cannot wait for the body. (The generous read timeout
    // only keeps a broken build from hanging.)
    for (head, length) in [
        ("PUT /admin/fleet", MAX_ADMIN_BODY + 1),
        ("PUT /admin/fleet", 1 << 62),
        (&*format!("GET /v2/{}/connect-desktops", emu.project_id()), 1024 * 1024 + 1),
    ] {
        let mut s = TcpStream::connect(emu.addr()).unwrap();
        let text = format!(
            "{head} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        );
        s.write_all(text.as_bytes()).unwrap();
        let answer = read_answer(&mut s);
        assert!(answer.starts_with("HTTP/1.1 413"), "{head}: {answer}");
        assert!(answer.contains("\"error_code\":\"APIGW.0201\""), "{answer}");
    }
    assert_eq!(emu.desktops(), fleet, "the fleet is unchanged");
    assert_eq!(fetch(&emu, "").total_count, 20, "still serving");
}

#[test]
fn a_chunked_body_without_end_is_refused_once_past_the_bound() {
    let emu = emulator();
    let fleet = emu.desktops();
    let port = emu.addr().port();
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    let head = format!(
        "PUT /admin/fleet HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    // JSON whitespace, 64 KiB a chunk, for as long as the server reads it.
    let mut writer = s.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        writer.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut chunk = b"10000\r\n".to_vec();
        chunk.extend(std::iter::repeat_n(b' ', 0x10000));
        chunk.extend_from_slice(b"\r\n");
        let mut sent = 0u64;
        while writer.write_all(&chunk).is_ok() {
            sent += 0x10000;
        }
        sent
    });
    let answer = read_answer(&mut s);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let sent = sender.join().unwrap();
    assert!(sent >= MAX_ADMIN_BODY, "the body went up to the bound at least: {sent}");
    assert_eq!(emu.desktops(), fleet, "the fleet is unchanged");
    assert_eq!(fetch(&emu, "").total_count, 20, "still serving");
}
