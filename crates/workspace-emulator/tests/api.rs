//! The API as served: authentication, filters, paging and every documented error.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use common::*;
use hmac::{Hmac, KeyInit, Mac};
use http::Request;
use sha2::{Digest, Sha256};
use workspace_core::sign;
use workspace_emulator::{DEMO_AK, DEMO_AUTH_TOKEN, DEMO_SK, Emulator, EmulatorConfig, KeyPair};

fn emulator(n: usize) -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(n).seed(11)).unwrap()
}

#[test]
fn a_request_signed_like_the_official_sdk_is_accepted_and_one_changed_byte_is_not() {
    let emu = emulator(50);
    let req = get(&emu, "connect_status=CONNECTED&limit=5");
    let mut tampered = req.clone();
    let ok = send(req).unwrap();
    let p = page(&ok);
    assert!(!p.desktops.is_empty());
    assert!(p.desktops.iter().all(|d| d.connect_status == "CONNECTED"));
    assert!(ok.headers().contains_key("x-request-id"));

    let auth = tampered.headers()["authorization"].to_str().unwrap().to_owned();
    let last = auth.chars().last().unwrap();
    let changed = format!("{}{}", &auth[..auth.len() - 1], if last == '0' { '1' } else { '0' });
    tampered.headers_mut().insert("authorization", changed.parse().unwrap());
    let refused = send(tampered).unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(error_code(&refused), "APIGW.0301");
    assert!(body_text(&refused).contains("verify aksk signature fail"));
    assert_eq!(emu.stats().auth_failures, 1);
}

#[test]
fn signed_headers_are_trusted_as_the_gateway_does() {
    // The Go SDK signs fewer headers than it sends; the gateway accepts that.
    let emu = emulator(10);
    let mut req = get(&emu, "");
    let sig = sign::signature_with(&req, &["x-project-id", "x-sdk-date"], DEMO_SK).unwrap();
    let auth = sign::authorization(DEMO_AK, &sig.signed_headers, &sig.signature);
    req.headers_mut().insert("authorization", auth.parse().unwrap());
    assert_eq!(send(req.clone()).unwrap().status(), 200);
    // An unsigned header may change; a signed one may not.
    req.headers_mut().insert("user-agent", "something-else".parse().unwrap());
    assert_eq!(send(req.clone()).unwrap().status(), 200);
    req.headers_mut().insert("x-project-id", "0000".parse().unwrap());
    assert_eq!(send(req).unwrap().status(), 401);
}

/// Signs `req` again with the demo key, over the headers it already signs, with the canonical
/// path and query given as they are (each `None` keeps the shared signer's): the form of a
/// signer that percent-encodes the bytes it was given, UTF-8 or not.
fn sign_exactly(req: &mut Request<Vec<u8>>, canonical_path: Option<&str>, canonical_query: &str) {
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    let names = sign::parse_authorization(&auth).unwrap().signed_headers;
    let shared = sign::signature_with(req, &names, DEMO_SK).unwrap();
    let mut lines: Vec<&str> = shared.canonical_request.splitn(4, '\n').collect();
    if let Some(path) = canonical_path {
        lines[1] = path;
    }
    lines[2] = canonical_query;
    let canonical_request = lines.join("\n");
    let date = req.headers()["x-sdk-date"].to_str().unwrap();
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(DEMO_SK.as_bytes()).unwrap();
    mac.update(format!("{}\n{date}\n{hash}", sign::ALGORITHM).as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let value = sign::authorization(DEMO_AK, &shared.signed_headers, &signature);
    req.headers_mut().insert("authorization", value.parse().unwrap());
}

#[test]
fn a_signature_over_the_exact_query_is_verified_whatever_its_encoding() {
    let emu = emulator(10);
    // A name whose bytes are not UTF-8, signed byte for byte: the gateway lets it through and
    // the service refuses the value.
    let mut req = get(&emu, "user_names=%FF");
    sign_exactly(&mut req, None, "user_names=%FF");
    let r = send(req.clone()).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (400, "WKS.0001".into()), "{}", body_text(&r));
    let msg = json(&r)["error_msg"].as_str().unwrap().to_owned();
    assert!(msg.contains("user_names is not UTF-8 once percent-decoded, got \"%FF\""), "{msg}");
    // The shared signer replaces the byte with U+FFFD before encoding it; that is accepted too.
    let r = send(get(&emu, "user_names=%FF")).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (400, "WKS.0001".into()), "{}", body_text(&r));
    // A signature over other bytes is still refused.
    let mut other = get(&emu, "user_names=%FF");
    sign_exactly(&mut other, None, "user_names=%FE");
    let r = send(other).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()));
    // So is one changed character of the signature.
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    let changed = format!("{}{}", &auth[..auth.len() - 1], if auth.ends_with('0') { '1' } else { '0' });
    req.headers_mut().insert("authorization", changed.parse().unwrap());
    assert_eq!(send(req).unwrap().status(), 401);
    assert_eq!(emu.stats().auth_failures, 2);
    // A key that is not UTF-8 names no parameter and is ignored (pairs sort by their bytes);
    // UTF-8 escapes are text.
    let mut req = get(&emu, "x=%FF&%FF=1&limit=1");
    sign_exactly(&mut req, None, "limit=1&x=%FF&%FF=1");
    assert_eq!(page(&send(req).unwrap()).desktops.len(), 1);
    let mut req = get(&emu, "user_names=%E5%BC%A0%E4%B8%89");
    sign_exactly(&mut req, None, "user_names=%E5%BC%A0%E4%B8%89");
    assert_eq!(page(&send(req).unwrap()).total_count, 0);
    // The path too: a project id that is not UTF-8 is no project, once the signature holds.
    let mut req = request_to(&emu.base_url(), "%FF", "", &Auth::demo(), SystemTime::now());
    sign_exactly(&mut req, Some("/v2/%FF/connect-desktops/"), "");
    let r = send(req).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (403, "APIGW.0310".into()), "{}", body_text(&r));
}

#[test]
fn signed_headers_must_name_headers_that_arrived() {
    let emu = emulator(10);
    let with_signed = |names: &[&str], list: &str| {
        let mut req = get(&emu, "limit=1");
        let sig = sign::signature_with(&req, names, DEMO_SK).unwrap();
        let auth = sign::authorization(DEMO_AK, list, &sig.signature);
        req.headers_mut().insert("authorization", auth.parse().unwrap());
        send(req).unwrap()
    };
    assert_eq!(with_signed(&["x-sdk-date"], "x-sdk-date").status(), 200);
    assert_eq!(with_signed(&["host", "x-sdk-date"], "host;x-sdk-date").status(), 200);
    for (names, list) in [
        (&[][..], ""),
        (&[][..], ";"),
        (&["x-absent", "x-sdk-date"][..], "x-absent;x-sdk-date"),
        (&["host", "x-absent"][..], "host;x-absent"),
        (&["x-sdk-date", "x-absent"][..], "x-sdk-date;X-Absent"),
    ] {
        let r = with_signed(names, list);
        assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()), "{list:?}");
        assert!(body_text(&r).contains("verify aksk signature fail"), "{list:?}");
    }
    assert_eq!(emu.stats().auth_failures, 5);
}

#[test]
fn temporary_credentials_need_their_security_token() {
    let cfg = EmulatorConfig::default().desktops(5).keys(vec![KeyPair::temporary("TMPAK", "tmp-sk", "tmp-token")]);
    let emu = Emulator::start(cfg).unwrap();
    let now = SystemTime::now();
    let good = get_with(&emu, "", &Auth::temporary("TMPAK", "tmp-sk", "tmp-token"), now);
    assert_eq!(send(good).unwrap().status(), 200);
    let r = send(get_with(&emu, "", &Auth::keys("TMPAK", "tmp-sk"), now)).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()));
    let r = send(get_with(&emu, "", &Auth::keys("NOSUCHAK", "x"), now)).unwrap();
    assert!(body_text(&r).contains("Get secretKey failed"));
}

#[test]
fn clock_skew_beyond_fifteen_minutes_is_refused_with_the_servers_date() {
    let emu = emulator(5);
    let late = SystemTime::now() - Duration::from_secs(16 * 60);
    let r = send(get_with(&emu, "", &Auth::demo(), late)).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0303".into()));
    let text = body_text(&r);
    assert!(text.contains("signature expired, signature time:"), "{text}");
    assert!(text.contains(&format!("signature time:{}", sdk_date(late))), "{text}");
    let date = httpdate::parse_http_date(r.headers()["date"].to_str().unwrap()).unwrap();
    let off = date.duration_since(SystemTime::now()).unwrap_or_else(|e| e.duration());
    assert!(off < Duration::from_secs(60), "the Date header is the server's clock");
    let early = SystemTime::now() + Duration::from_secs(16 * 60);
    assert_eq!(send(get_with(&emu, "", &Auth::demo(), early)).unwrap().status(), 401);
    let slightly = SystemTime::now() - Duration::from_secs(14 * 60);
    assert_eq!(send(get_with(&emu, "", &Auth::demo(), slightly)).unwrap().status(), 200);
}

#[test]
fn a_malformed_sdk_date_is_refused() {
    let emu = emulator(5);
    let mut req = get(&emu, "");
    req.headers_mut().insert("x-sdk-date", "2026-11-30T04:00:00Z".parse().unwrap());
    sign::sign(&mut req, &workspace_core::AkSk::new(DEMO_AK, DEMO_SK).unwrap()).unwrap();
    let r = send(req).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()));
}

#[test]
fn iam_tokens() {
    let emu = emulator(5);
    let now = SystemTime::now();
    assert_eq!(send(get_with(&emu, "", &Auth::Token(DEMO_AUTH_TOKEN.into()), now)).unwrap().status(), 200);
    let r = send(get_with(&emu, "", &Auth::Token("forged".into()), now)).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (401, "APIGW.0301".into()));
    let r = send(get_with(&emu, "", &Auth::None, now)).unwrap();
    assert!(body_text(&r).contains("x-auth-token not found"));
}

#[test]
fn paging_through_1500_desktops_returns_each_exactly_once_with_any_limit() {
    let emu = emulator(1500);
    let all: HashSet<String> = emu.desktops().into_iter().map(|d| d.desktop_id).collect();
    assert_eq!(all.len(), 1500);
    for limit in [7usize, 100, 333, 1000, 1499, 1500, 2000] {
        let mut seen = Vec::new();
        let mut offset = 0;
        // The documented offset stops at 2000; with limit 1 or 7 the walk stops there.
        while offset <= 2000 {
            let p = fetch(&emu, &format!("offset={offset}&limit={limit}"));
            assert_eq!(p.total_count, 1500);
            assert!(p.desktops.len() <= limit);
            seen.extend(p.desktops.iter().map(|d| d.desktop_id.clone()));
            offset += limit;
            if p.desktops.len() < limit {
                break;
            }
        }
        let unique: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), unique.len(), "limit {limit}: no repeats");
        if limit >= 100 {
            assert_eq!(unique, all, "limit {limit}");
        }
        let order: Vec<String> = emu.desktops().into_iter().map(|d| d.desktop_id).take(seen.len()).collect();
        assert_eq!(seen, order, "limit {limit}: in the fleet's order");
    }
}

#[test]
fn defaults_are_offset_0_and_limit_100() {
    let emu = emulator(250);
    let p = fetch(&emu, "");
    assert_eq!((p.desktops.len(), p.total_count), (100, 250));
    assert_eq!(p.desktops[0], emu.desktops()[0]);
    let p = fetch(&emu, "limit=0");
    assert_eq!((p.desktops.len(), p.total_count), (0, 250));
    let p = fetch(&emu, "offset=2000");
    assert_eq!((p.desktops.len(), p.total_count), (0, 250));
}

#[test]
fn filters_by_status_and_by_user_names() {
    let emu = emulator(400);
    let fleet = emu.desktops();
    for s in ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"] {
        let p = fetch(&emu, &format!("connect_status={s}&limit=2000"));
        let expected: Vec<_> = fleet.iter().filter(|d| d.connect_status == s).cloned().collect();
        assert_eq!(p.desktops, expected);
        assert_eq!(p.total_count, 100);
    }
    let names: Vec<String> =
        fleet.iter().step_by(37).flat_map(|d| d.user_names().map(str::to_owned).collect::<Vec<_>>()).collect();
    let q: String = names.iter().map(|n| format!("user_names={}&", enc(n))).collect();
    let p = fetch(&emu, &format!("{q}limit=2000"));
    let expected: Vec<_> =
        fleet.iter().filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n))).cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(p.desktops, expected);
    // Both filters at once.
    let p = fetch(&emu, &format!("{q}connect_status=CONNECTED"));
    assert!(p.desktops.iter().all(|d| d.connect_status == "CONNECTED"));
    // A group's name is not a user name.
    assert_eq!(fetch(&emu, &format!("user_names={}", enc("研发部"))).total_count, 0);
    assert_eq!(fetch(&emu, "user_names=nobody").total_count, 0);
    // Repeated names count once.
    let one = fleet[0].user_names().next().unwrap().to_owned();
    let p = fetch(&emu, &format!("user_names={one}&user_names={one}"));
    assert!(p.desktops.contains(&fleet[0]));
}

/// Sends a signed request with a raw query string, as a client without validation would.
fn raw(emu: &Emulator, query_string: &str, project: &str) -> http::Response<Vec<u8>> {
    send(request_to(&emu.base_url(), project, query_string, &Auth::demo(), SystemTime::now())).unwrap()
}

#[test]
fn bad_input_gets_the_services_answer() {
    let emu = emulator(10);
    let pid = emu.project_id().to_owned();
    let names: String = (0..101).map(|i| format!("user_names=u{i}&")).collect();
    for (q, names_the) in [
        ("offset=2001", "offset"),
        ("limit=2001", "limit"),
        ("limit=-1", "limit"),
        ("offset=-1", "offset"),
        ("limit=abc", "limit"),
        ("limit=ten", "limit"),
        ("offset=", "offset"),
        ("limit=1&limit=2", "limit"),
        ("connect_status=", "connect_status"),
        (names.as_str(), "user_names"),
    ] {
        let r = raw(&emu, q, &pid);
        assert_eq!((r.status().as_u16(), error_code(&r)), (400, "WKS.0001".into()), "{q}");
        assert!(json(&r)["error_msg"].as_str().unwrap().contains(names_the), "{q}: {}", body_text(&r));
        assert!(r.headers().contains_key("x-request-id"));
    }
    let r = raw(&emu, "limit=1", "0000000000000000000000000000dead");
    assert_eq!((r.status().as_u16(), error_code(&r)), (403, "APIGW.0310".into()));
    let r = send(Request::get(format!("{}/v3/other", emu.base_url())).body(vec![]).unwrap()).unwrap();
    assert_eq!((r.status().as_u16(), error_code(&r)), (404, "APIGW.0101".into()));
    let r = send(Request::post(format!("{}/v2/{pid}/connect-desktops", emu.base_url())).body(vec![]).unwrap()).unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(emu.stats().bad_requests, 10);
}

#[test]
fn the_messages_name_the_parameter_and_the_value() {
    let emu = emulator(10);
    for (q, needle) in [("limit=2001", "limit"), ("offset=-1", "offset"), ("limit=ten", "limit")] {
        let r = raw(&emu, q, emu.project_id());
        assert_eq!(r.status(), 400, "{q}");
        let msg = json(&r)["error_msg"].as_str().unwrap().to_owned();
        let value = q.split_once('=').unwrap().1;
        assert!(msg.contains(needle) && msg.contains(&format!("\"{value}\"")), "{q}: {msg}");
    }
}

#[test]
fn what_the_docs_do_not_forbid_is_accepted() {
    let emu = emulator(30);
    // Any status string is a filter: the documented enumeration may grow.
    assert_eq!(fetch(&emu, "connect_status=HIBERNATED").total_count, 0);
    assert_eq!(fetch(&emu, "connect_status=connected").total_count, 0);
    // Any string is a user name: the name format belongs to another operation.
    for name in ["john.smith", "张三", "_lead", &"n".repeat(70), "dev@corp", "a,b", "a b", "x+y", ""] {
        let r = raw(&emu, &format!("user_names={}", enc(name)), emu.project_id());
        assert_eq!(r.status(), 200, "{name:?}: {}", body_text(&r));
        assert_eq!(page(&r).total_count, 0, "{name:?}");
    }
    // Unknown parameters are ignored; 100 distinct names are fine.
    assert_eq!(fetch(&emu, "marker=abc&foo").total_count, 30);
    let names: String = (0..100).map(|i| format!("user_names=u{i}&")).collect();
    assert_eq!(raw(&emu, &names, emu.project_id()).status(), 200);
}

#[test]
fn names_outside_the_assignment_rule_match_when_the_fleet_holds_them() {
    let emu = emulator(3);
    let mut fleet = emu.desktops();
    for (d, name) in fleet.iter_mut().zip(["john.smith", "张三", "dev@corp"]) {
        d.attach_users[0].name = name.to_owned();
    }
    emu.replace_fleet(fleet.clone());
    for (d, name) in fleet.iter().zip(["john.smith", "张三", "dev@corp"]) {
        let p = fetch(&emu, &format!("user_names={}", enc(name)));
        assert_eq!(p.desktops, vec![d.clone()], "{name}");
    }
    // A `+` in the query is a `+`, not a space.
    let mut fleet = emu.desktops();
    fleet[0].attach_users[0].name = "x+y".to_owned();
    emu.replace_fleet(fleet);
    assert_eq!(fetch(&emu, "user_names=x+y").total_count, 1);
}

#[test]
fn a_fleet_can_be_given_exactly_and_statuses_changed() {
    let emu = emulator(3);
    let mut fleet = emu.desktops();
    fleet.truncate(2);
    emu.replace_fleet(fleet.clone());
    let id = fleet[0].desktop_id.clone();
    assert!(emu.set_status(&id, "DISCONNECTED"));
    assert!(!emu.set_status("no-such-desktop", "CONNECTED"));
    let p = fetch(&emu, "connect_status=DISCONNECTED");
    assert!(p.desktops.iter().any(|d| d.desktop_id == id));
    assert_eq!(fetch(&emu, "").total_count, 2);
    // A status outside the documented four is served as it is.
    assert!(emu.set_status(&id, "HIBERNATED"));
    let p = fetch(&emu, "connect_status=HIBERNATED");
    assert_eq!(p.desktops.len(), 1);
    assert_eq!(p.desktops[0].connect_status, "HIBERNATED");
}

#[test]
fn iam_project_discovery() {
    let emu = emulator(1);
    let mut req = Request::get(format!("{}/v3/projects?name={}", emu.base_url(), emu.region()))
        .header("content-type", "application/json")
        .header("x-sdk-date", sdk_date(SystemTime::now()))
        .body(Vec::new())
        .unwrap();
    sign::sign(&mut req, &workspace_core::AkSk::new(DEMO_AK, DEMO_SK).unwrap()).unwrap();
    let r = send(req.clone()).unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(&r)["projects"][0]["id"], emu.project_id());
    *req.uri_mut() = format!("{}/v3/projects?name=xx-nowhere-1", emu.base_url()).parse().unwrap();
    sign::sign(&mut req, &workspace_core::AkSk::new(DEMO_AK, DEMO_SK).unwrap()).unwrap();
    assert_eq!(json(&send(req).unwrap())["projects"].as_array().unwrap().len(), 0);
}
