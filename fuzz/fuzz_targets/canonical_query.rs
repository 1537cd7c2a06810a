//! Any query string: canonicalising is idempotent, its result is a valid URI query, and signing a
//! request with it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workspace_core::query::{canonical_query, parse_query};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let once = canonical_query(&parse_query(raw));
    let twice = canonical_query(&parse_query(&once));
    assert_eq!(once, twice);
    let uri: http::Uri = format!("https://h/v2/p/connect-desktops?{once}").parse().expect("a canonical query is a valid URI");
    let mut req = http::Request::new(Vec::new());
    *req.uri_mut() = uri;
    req.headers_mut().insert("x-sdk-date", http::HeaderValue::from_static("20261130T040000Z"));
    let _ = workspace_core::sign::signature_of(&req, "key");
});
