//! Bad input both clients must refuse before anything is sent, and odd input they must send as
//! given.

use std::sync::{Arc, Mutex};

use workspace_core::types::ConnectStatus;
use workspace_core::{ClientOptions, ClientOptionsBuilder, Credentials, Error, Query};

/// Options that would send requests to the cloud, were a client to send them.
pub fn options() -> ClientOptionsBuilder {
    ClientOptions::builder()
        .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        .credentials(Credentials::ak_sk("AK", "SK").expect("valid credentials"))
}

/// Queries `send` must refuse, each with the field and the value its error names.
pub fn invalid_queries() -> Vec<(Query, &'static str, &'static str)> {
    let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    vec![
        (Query::new().offset(2001), "offset", "2001"),
        (Query::new().limit(2001), "limit", "2001"),
        (Query::new().user_names(many), "user_names", "101 distinct names"),
        (Query::new().connect_status(ConnectStatus::from("")), "connect_status", "\"\""),
        (Query::new().user_name(""), "user_names[0]", "\"\""),
    ]
}

/// A query `items` must refuse (more than 100 names are read in batches, but none may be empty).
pub fn invalid_items_query() -> (Query, &'static str, &'static str) {
    (Query::new().user_names(["a", ""]), "user_names[1]", "\"\"")
}

/// Checks that `err` refuses the input naming `field`, `value` and a rule.
pub fn check_refused(err: &Error, field: &str, value: &str) {
    let Error::InvalidRequest(v) = err else { panic!("{err:?}") };
    assert_eq!(v.field(), field, "{err}");
    assert!(err.to_string().contains(value), "{err} should show {value}");
    assert!(!v.rule().is_empty());
}

/// A query of user names and a status the documentation does not forbid.
pub fn odd_query() -> Query {
    let long = "x".repeat(70);
    let names = ["john.smith", "张三", "_lead", long.as_str(), "dev@corp", "a,b", "a b", "a\r\nX-Evil: 1", "a%2Cb"];
    Query::new().user_names(names).connect_status(ConnectStatus::from("HIBERNATED"))
}

/// Checks that the query string sent for [`odd_query`] holds every value as the official SDK
/// encodes it.
pub fn check_odd_query_sent(seen: &Arc<Mutex<Vec<String>>>) {
    let query = seen.lock().expect("not poisoned")[0].clone();
    for encoded in [
        "connect_status=HIBERNATED",
        "user_names=john.smith",
        "user_names=%E5%BC%A0%E4%B8%89",
        "user_names=_lead",
        "user_names=dev%40corp",
        "user_names=a%2Cb",
        "user_names=a%20b",
        "user_names=a%0D%0AX-Evil%3A%201",
        "user_names=a%252Cb",
    ] {
        assert!(query.contains(encoded), "{encoded} in {query}");
    }
    assert!(query.contains(&format!("user_names={}", "x".repeat(70))));
}

/// An empty page, as a transport's answer.
pub fn empty_page() -> http::Response<Vec<u8>> {
    http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec())
}
