//! Known-answer tests: the golden signatures made by the official Python signer.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::Request;
use serde_json::Value;
use workspace_core::sign::{self, Signature};
use workspace_core::{AkSk, ClientOptions, Credentials, build_request};
use workspace_types::ListDesktopsConnectStatusRequest;

fn vectors() -> Vec<Value> {
    let text = include_str!("data/sign-vectors.json");
    let v: Value = serde_json::from_str(text).expect("vectors are JSON");
    let list = v.as_array().expect("a list").clone();
    assert_eq!(list.len(), 12, "all twelve vectors are present");
    list
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} is a string"))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
        .collect()
}

/// The vector's request as a caller would hand it to the signer: its headers, in its order.
fn raw_request(v: &Value) -> Request<Vec<u8>> {
    let query = s(v, "wire_query_string");
    let target = if query.is_empty() { s(v, "path").to_owned() } else { format!("{}?{query}", s(v, "path")) };
    let mut b = Request::builder().method(s(v, "method")).uri(format!("https://{}{target}", s(v, "host")));
    for (name, value) in v["headers"].as_object().unwrap() {
        b = b.header(name, value.as_str().unwrap());
    }
    b.body(Vec::new()).unwrap()
}

fn check_signed(v: &Value, req: &Request<Vec<u8>>, sig: &Signature) {
    let name = s(v, "name");
    assert_eq!(sig.canonical_request, s(v, "canonical_request"), "{name}: canonical request");
    assert_eq!(sig.string_to_sign, s(v, "string_to_sign"), "{name}: string to sign");
    assert_eq!(sig.signed_headers, s(v, "signed_headers"), "{name}: signed headers");
    assert_eq!(sig.signature, s(v, "signature"), "{name}: signature");
    assert_eq!(req.headers()["authorization"], s(v, "authorization"), "{name}: authorization");
    assert_eq!(req.uri().query().unwrap_or(""), s(v, "wire_query_string"), "{name}: wire query");
    let target = req.uri().path_and_query().unwrap().as_str();
    assert_eq!(target, s(v, "wire_request_target"), "{name}: request target");
    let finals = v["final_headers"].as_object().unwrap();
    assert_eq!(req.headers().len(), finals.len(), "{name}: header count");
    for (h, value) in finals {
        assert_eq!(req.headers()[h.as_str()], value.as_str().unwrap(), "{name}: header {h}");
    }
}

fn creds(v: &Value) -> AkSk {
    AkSk::new(s(v, "ak"), s(v, "sk")).unwrap()
}

#[test]
fn the_signer_reproduces_every_vector() {
    for v in vectors() {
        let mut req = raw_request(&v);
        let sig = sign::sign(&mut req, &creds(&v)).unwrap();
        check_signed(&v, &req, &sig);
    }
}

/// The request builder sends the same bytes as the official SDK: only the `User-Agent` differs,
/// so putting the vector's `User-Agent` in and signing again must give the vector's signature.
#[test]
fn the_request_builder_matches_every_vector_it_can_express() {
    let mut covered = Vec::new();
    for v in vectors() {
        let headers = v["headers"].as_object().unwrap();
        let standard = headers.contains_key("Content-Type") && headers.contains_key("User-Agent") && headers.len() <= 5;
        if !standard || s(&v, "host").contains(':') {
            continue;
        }
        let query = ListDesktopsConnectStatusRequest::from_query_pairs(pairs(&v)).unwrap();
        let credentials = match headers.get("X-Security-Token") {
            Some(t) => Credentials::temporary(s(&v, "ak"), s(&v, "sk"), t.as_str().unwrap()).unwrap(),
            None => Credentials::ak_sk(s(&v, "ak"), s(&v, "sk")).unwrap(),
        };
        let config = ClientOptions::builder()
            .endpoint(format!("https://{}", s(&v, "host")))
            .project_id(headers["X-Project-Id"].as_str().unwrap())
            .credentials(credentials)
            .build()
            .unwrap();
        // Every vector is signed at 2026-11-30T04:00:00Z.
        assert_eq!(s(&v, "x_sdk_date"), "20261130T040000Z");
        let now: SystemTime = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let mut req = build_request(&config, &query, now).unwrap();
        req.headers_mut().insert("user-agent", headers["User-Agent"].as_str().unwrap().parse().unwrap());
        let sig = sign::sign(&mut req, &creds(&v)).unwrap();
        check_signed(&v, &req, &sig);
        covered.push(s(&v, "name").to_owned());
    }
    assert_eq!(
        covered,
        [
            "no_query",
            "all_four_params",
            "user_names_single",
            "user_names_100",
            "names_needing_encoding",
            "sort_raw_vs_encoded",
            "security_token",
            "offset_limit_zero",
            "offset_limit_max"
        ],
        "every vector whose headers the builder sends goes through it; the other three test header sets only the signer sees"
    );
}

#[test]
fn changing_any_signed_input_changes_the_signature() {
    let v = &vectors()[1];
    let base = {
        let mut r = raw_request(v);
        sign::sign(&mut r, &creds(v)).unwrap().signature
    };
    let mut other_date = raw_request(v);
    other_date.headers_mut().insert("x-sdk-date", "20261130T040001Z".parse().unwrap());
    let mut other_query = raw_request(v);
    *other_query.uri_mut() = other_query.uri().to_string().replace("limit=50", "limit=51").parse().unwrap();
    for mut r in [other_date, other_query] {
        assert_ne!(sign::sign(&mut r, &creds(v)).unwrap().signature, base);
    }
    let other_key = AkSk::new(s(v, "ak"), "another-secret").unwrap();
    assert_ne!(sign::sign(&mut raw_request(v), &other_key).unwrap().signature, base);
}
