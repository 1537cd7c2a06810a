//! Properties of built requests and of error rendering.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use workspace_core::{ClientOptions, Credentials, Endpoint, Error, build_request};
use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest};

const SK: &str = "exampleSecretKey0123456789abcdefghijklmnop";
const TOKEN: &str = "gQpjbi1ub3J0aC00hqaOExampleSecurityToken+/=";

fn config() -> ClientOptions {
    ClientOptions::builder()
        .endpoint("http://127.0.0.1:8080")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        .credentials(Credentials::temporary("HPUAEXAMPLEAK0000001", SK, TOKEN).unwrap())
        .build()
        .unwrap()
}

/// The query of a URI taken apart as a server does: split, then percent-decoded.
fn parse_query(raw: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn request() -> impl Strategy<Value = (Vec<String>, Option<usize>, Option<u32>, Option<u32>)> {
    (
        proptest::collection::vec("[A-Za-z0-9][A-Za-z0-9_-]{0,15}", 0..=100),
        proptest::option::of(0usize..4),
        proptest::option::of(0u32..=2000),
        proptest::option::of(0u32..=2000),
    )
}

fn build(
    names: Vec<String>,
    status: Option<usize>,
    offset: Option<u32>,
    limit: Option<u32>,
) -> ListDesktopsConnectStatusRequest {
    let mut b = ListDesktopsConnectStatusRequest::builder().user_names(names);
    if let Some(s) = status {
        b = b.connect_status(ConnectStatus::KNOWN[s].clone());
    }
    if let Some(o) = offset {
        b = b.offset(o);
    }
    if let Some(l) = limit {
        b = b.limit(l);
    }
    b.build().unwrap()
}

proptest! {
    #[test]
    fn the_wire_query_parses_back_to_the_same_request((names, status, offset, limit) in request(), secs in 0u64..4_000_000_000) {
        let req = build(names, status, offset, limit);
        let http = build_request(&config(), &req, UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
        let back = ListDesktopsConnectStatusRequest::from_query_pairs(parse_query(http.uri().query().unwrap_or(""))).unwrap();
        prop_assert_eq!(back, req);
    }

    #[test]
    fn the_builders_signature_is_the_one_computed_from_the_wire((names, status, offset, limit) in request()) {
        let now = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let built = build_request(&config(), &build(names, status, offset, limit), now).unwrap();
        // Signing again from the request as it would arrive (query parsed back from the URI).
        let mut again = built.clone();
        let Credentials::AkSk(creds) = config().credentials().clone() else { unreachable!() };
        workspace_core::sign::sign(&mut again, &creds).unwrap();
        prop_assert_eq!(&built.headers()["authorization"], &again.headers()["authorization"]);
    }

    #[test]
    fn the_signature_does_not_depend_on_the_order_of_names((names, status, offset, limit) in request(), seed in any::<u64>()) {
        let now = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
        let a = build_request(&config(), &build(names.clone(), status, offset, limit), now).unwrap();
        let mut shuffled = names;
        // A deterministic shuffle driven by the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let b = build_request(&config(), &build(shuffled, status, offset, limit), now).unwrap();
        prop_assert_eq!(a.uri(), b.uri());
        prop_assert_eq!(&a.headers()["authorization"], &b.headers()["authorization"]);
    }
}

#[test]
fn no_error_or_debug_output_shows_a_secret() {
    let cfg = config();
    let mut rendered = vec![format!("{cfg:?}"), format!("{cfg:#?}")];
    let bad: Vec<Error> = vec![
        ListDesktopsConnectStatusRequest::builder().limit(9999).build().unwrap_err().into(),
        Credentials::ak_sk("AK", "").unwrap_err().into(),
        Credentials::temporary("AK", SK, "bad token\n").unwrap_err().into(),
        Endpoint::parse(&format!("https://ak:{SK}@example.com")).unwrap_err().into(),
        workspace_core::parse_response(
            http::StatusCode::UNAUTHORIZED,
            &http::HeaderMap::new(),
            br#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail"}"#,
        )
        .unwrap_err(),
        workspace_core::parse_response(http::StatusCode::OK, &http::HeaderMap::new(), b"not json").unwrap_err(),
        workspace_core::TransportError::timeout("read timed out").into(),
    ];
    for e in &bad {
        rendered.push(format!("{e} {e:?} {e:#?}"));
    }
    let req = build_request(&cfg, &ListDesktopsConnectStatusRequest::default(), UNIX_EPOCH).unwrap();
    rendered.push(format!("{req:?}"));
    for text in rendered {
        assert!(!text.contains(SK), "secret key in: {text}");
        assert!(!text.contains(TOKEN), "security token in: {text}");
    }
}
