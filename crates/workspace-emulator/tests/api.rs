//! The API as served: authentication, filters, paging and every documented error.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use common::*;
use http::Request;
use workspace_core::{Credentials, build_request, sign};
use workspace_emulator::{DEMO_AUTH_TOKEN, DEMO_SK, Emulator, EmulatorConfig, KeyPair};
use workspace_types::ConnectStatus;

fn emulator(n: usize) -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(n).seed(11)).unwrap()
}

#[test]
fn a_request_signed_like_the_official_sdk_is_accepted_and_one_changed_byte_is_not() {
    let emu = emulator(50);
    let req = signed(&emu, &query().connect_status(ConnectStatus::Connected).limit(5).build().unwrap());
    let mut tampered = req.clone();
    let ok = send(req).unwrap();
    let p = page(&ok);
    assert!(p.desktops.iter().all(|d| d.connect_status == Some(ConnectStatus::Connected)));
    assert!(ok.headers().contains_key("x-request-id"));

    let auth = tampered.headers()["authorization"].to_str().unwrap().to_owned();
    let last = auth.chars().last().unwrap();
    let changed = format!("{}{}", &auth[..auth.len() - 1], if last == '0' { '1' } else { '0' });
    tampered.headers_mut().insert("authorization", changed.parse().unwrap());
    let refused = send(tampered).unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(error_code(&refused), "APIGW.0301");
    assert!(String::from_utf8_lossy(refused.body()).contains("verify aksk signature fail"));
    assert_eq!(emu.stats().auth_failures, 1);
}

#[test]
fn signed_headers_are_trusted_as_the_gateway_does() {
    // The Go SDK signs fewer headers than it sends; the gateway accepts that.
    let emu = emulator(10);
    let mut req = signed(&emu, &query().build().unwrap());
    let sig = sign::signature_with(&req, &["x-project-id", "x-sdk-date"], DEMO_SK).unwrap();
    let auth = sign::authorization(workspace_emulator::DEMO_AK, &sig.signed_headers, &sig.signature);
    req.headers_mut().insert("authorization", auth.parse().unwrap());
    assert_eq!(send(req.clone()).unwrap().status(), 200);
    // An unsigned header may change; a signed one may not.
    req.headers_mut().insert("user-agent", "something-else".parse().unwrap());
    assert_eq!(send(req.clone()).unwrap().status(), 200);
    req.headers_mut().insert("x-project-id", "0000".parse().unwrap());
    assert_eq!(send(req).unwrap().status(), 401);
}

#[test]
fn temporary_credentials_need_their_security_token() {
    let cfg = EmulatorConfig::default().desktops(5).keys(vec![KeyPair::temporary("TMPAK", "tmp-sk", "tmp-token")]);
    let emu = Emulator::start(cfg).unwrap();
    let good = config(&emu, Credentials::temporary("TMPAK", "tmp-sk", "tmp-token").unwrap());
    let no_token = config(&emu, Credentials::ak_sk("TMPAK", "tmp-sk").unwrap());
    let q = query().build().unwrap();
    assert_eq!(send(build_request(&good, &q, SystemTime::now()).unwrap()).unwrap().status(), 200);
    let r = send(build_request(&no_token, &q, SystemTime::now()).unwrap()).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()));
    let unknown = config(&emu, Credentials::ak_sk("NOSUCHAK", "x").unwrap());
    let r = send(build_request(&unknown, &q, SystemTime::now()).unwrap()).unwrap();
    assert!(String::from_utf8_lossy(r.body()).contains("Get secretKey failed"));
}

#[test]
fn clock_skew_beyond_fifteen_minutes_is_refused_with_the_servers_date() {
    let emu = emulator(5);
    let q = query().build().unwrap();
    let late = SystemTime::now() - Duration::from_secs(16 * 60);
    let r = send(build_request(&demo(&emu), &q, late).unwrap()).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0303".into()));
    assert!(String::from_utf8_lossy(r.body()).contains("signature expired, signature time:"));
    let date = workspace_core::time::parse_http_date(r.headers()["date"].to_str().unwrap()).unwrap();
    let off = date.duration_since(SystemTime::now()).unwrap_or_else(|e| e.duration());
    assert!(off < Duration::from_secs(60), "the Date header is the server's clock");
    let early = SystemTime::now() + Duration::from_secs(16 * 60);
    assert_eq!(send(build_request(&demo(&emu), &q, early).unwrap()).unwrap().status(), 401);
    let slightly = SystemTime::now() - Duration::from_secs(14 * 60);
    assert_eq!(send(build_request(&demo(&emu), &q, slightly).unwrap()).unwrap().status(), 200);
}

#[test]
fn iam_tokens() {
    let emu = emulator(5);
    let q = query().build().unwrap();
    let ok = config(&emu, Credentials::token(DEMO_AUTH_TOKEN).unwrap());
    assert_eq!(send(build_request(&ok, &q, SystemTime::now()).unwrap()).unwrap().status(), 200);
    let bad = config(&emu, Credentials::token("forged").unwrap());
    let r = send(build_request(&bad, &q, SystemTime::now()).unwrap()).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()));
    let anonymous =
        Request::get(format!("{}/v2/{}/connect-desktops", emu.base_url(), emu.project_id())).body(vec![]).unwrap();
    let r = send(anonymous).unwrap();
    assert!(String::from_utf8_lossy(r.body()).contains("x-auth-token not found"));
}

#[test]
fn paging_through_1500_desktops_returns_each_exactly_once_with_any_limit() {
    let emu = emulator(1500);
    let all: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id.unwrap()).collect();
    assert_eq!(all.len(), 1500);
    for limit in [1, 7, 100, 333, 1000, 1499, 1500, 2000] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let p = page(&send(signed(&emu, &query().offset(offset).limit(limit).build().unwrap())).unwrap());
            assert_eq!(p.total_count, Some(1500));
            assert!(p.desktops.len() <= limit as usize);
            seen.extend(p.desktops.iter().map(|d| d.desktop_id.clone().unwrap()));
            offset += limit;
            if p.desktops.len() < limit as usize {
                break;
            }
        }
        let unique: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!((seen.len(), unique), (1500, all.clone()), "limit {limit}");
    }
}

#[test]
fn defaults_are_offset_0_and_limit_100() {
    let emu = emulator(250);
    let p = page(&send(signed(&emu, &query().build().unwrap())).unwrap());
    assert_eq!((p.desktops.len(), p.total_count), (100, Some(250)));
    assert_eq!(p.desktops[0].desktop_id, emu.desktops()[0].desktop_id);
    let p = page(&send(signed(&emu, &query().limit(0).build().unwrap())).unwrap());
    assert_eq!((p.desktops.len(), p.total_count), (0, Some(250)));
}

#[test]
fn filters_by_status_and_by_user_names() {
    let emu = emulator(400);
    let fleet = emu.desktops();
    for s in ConnectStatus::KNOWN {
        let p = page(&send(signed(&emu, &query().connect_status(s.clone()).limit(2000).build().unwrap())).unwrap());
        let expected: Vec<_> = fleet.iter().filter(|d| d.connect_status.as_ref() == Some(s)).collect();
        assert_eq!(p.desktops.iter().collect::<Vec<_>>(), expected);
        assert_eq!(p.total_count, Some(100));
    }
    let names: Vec<String> =
        fleet.iter().step_by(37).flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    let p = page(&send(signed(&emu, &query().user_names(names.clone()).limit(2000).build().unwrap())).unwrap());
    let expected: Vec<_> = fleet.iter().filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n))).collect();
    assert!(!expected.is_empty());
    assert_eq!(p.desktops.iter().collect::<Vec<_>>(), expected);
    // Both filters at once.
    let p = page(
        &send(signed(
            &emu,
            &query().user_names(names.clone()).connect_status(ConnectStatus::Connected).build().unwrap(),
        ))
        .unwrap(),
    );
    assert!(p.desktops.iter().all(|d| d.connect_status == Some(ConnectStatus::Connected)));
    // A group's name is not a user name.
    let p = page(&send(signed(&emu, &query().user_name("nobody").build().unwrap())).unwrap());
    assert_eq!(p.total_count, Some(0));
}

/// Sends a signed request with a raw query string, as a client without validation would.
fn raw(emu: &Emulator, query_string: &str, project: &str) -> http::Response<Vec<u8>> {
    let mut req = signed(emu, &query().build().unwrap());
    *req.uri_mut() = format!("{}/v2/{project}/connect-desktops?{query_string}", emu.base_url()).parse().unwrap();
    sign::sign(&mut req, &workspace_core::AkSk::new(workspace_emulator::DEMO_AK, DEMO_SK).unwrap()).unwrap();
    send(req).unwrap()
}

#[test]
fn bad_input_gets_the_services_answer() {
    let emu = emulator(10);
    let pid = emu.project_id().to_owned();
    let names: String = (0..101).map(|i| format!("user_names=u{i}&")).collect();
    for q in [
        "offset=2001",
        "limit=2001",
        "limit=-1",
        "limit=abc",
        "offset=",
        "connect_status=BOGUS",
        names.as_str(),
        "user_names=a%2Cb",
    ] {
        let r = raw(&emu, q, &pid);
        assert_eq!((r.status().as_u16(), error_code(&r)), (400, "WKS.0001".into()), "{q}");
        assert!(r.headers().contains_key("x-request-id"));
    }
    let r = raw(&emu, "limit=1", "0000000000000000000000000000dead");
    assert_eq!((r.status().as_u16(), error_code(&r)), (403, "APIGW.0310".into()));
    let r = send(Request::get(format!("{}/v3/other", emu.base_url())).body(vec![]).unwrap()).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (404, "APIGW.0101".into()));
    let r = send(Request::post(format!("{}/v2/{pid}/connect-desktops", emu.base_url())).body(vec![]).unwrap()).unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(emu.stats().bad_requests, 8);
}

#[test]
fn a_fleet_can_be_given_exactly_and_statuses_changed() {
    let emu = emulator(3);
    let mut fleet = emu.desktops();
    fleet.truncate(2);
    emu.replace_fleet(fleet.clone());
    let id = fleet[0].desktop_id.clone().unwrap();
    assert!(emu.set_status(&id, ConnectStatus::Disconnected));
    assert!(!emu.set_status("no-such-desktop", ConnectStatus::Connected));
    let p = page(&send(signed(&emu, &query().connect_status(ConnectStatus::Disconnected).build().unwrap())).unwrap());
    assert!(p.desktops.iter().any(|d| d.desktop_id.as_deref() == Some(id.as_str())));
    assert_eq!(page(&send(signed(&emu, &query().build().unwrap())).unwrap()).total_count, Some(2));
}
