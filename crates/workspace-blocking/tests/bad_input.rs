//! Every invalid input is refused before anything is sent, with the field, the value and the rule.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use workspace_blocking::{ClientOptions, ClientOptionsBuilder, Query};

use workspace_blocking::types::ConnectStatus;
use workspace_blocking::{Client, ClientBuilder, Credentials, Error, transport_fn};

/// Options that would send requests to the cloud, were a client to send them.
fn options() -> ClientOptionsBuilder {
    ClientOptions::builder()
        .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        .credentials(Credentials::ak_sk("AK", "SK").unwrap())
}

/// A client whose transport counts what it is asked to send (and answers nothing useful).
fn client(sent: &Arc<AtomicUsize>) -> ClientBuilder {
    let counter = sent.clone();
    Client::builder(options().build().unwrap()).transport(transport_fn(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Err(workspace_blocking::TransportError::other("must not be called"))
    }))
}

#[test]
fn invalid_requests_name_field_value_and_rule() {
    let sent = Arc::new(AtomicUsize::new(0));
    let c = client(&sent).build().unwrap();
    let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    let cases: Vec<(Error, &str, &str)> = vec![
        (c.send(&Query::new().offset(2001)).unwrap_err(), "offset", "2001"),
        (c.send(&Query::new().limit(2001)).unwrap_err(), "limit", "2001"),
        (c.send(&Query::new().user_names(many)).unwrap_err(), "user_names", "101 distinct names"),
        (c.send(&Query::new().connect_status(ConnectStatus::from(""))).unwrap_err(), "connect_status", "\"\""),
        (c.send(&Query::new().user_name("")).unwrap_err(), "user_names[0]", "\"\""),
        (c.items(&Query::new().user_names(["a", ""])).next().unwrap().unwrap_err(), "user_names[1]", "\"\""),
    ];
    for (err, field, value) in cases {
        let Error::InvalidRequest(v) = &err else { panic!("{err:?}") };
        assert_eq!(v.field(), field, "{err}");
        assert!(err.to_string().contains(value), "{err} should show {value}");
        assert!(!v.rule().is_empty());
    }
    assert_eq!(sent.load(Ordering::SeqCst), 0, "nothing was sent");
}

/// Only the documented rules of this operation are enforced: any other name or status is sent as
/// given, encoded as the official SDK encodes it, and the service decides.
#[test]
fn names_and_statuses_the_documentation_does_not_forbid_are_sent_as_given() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let c = Client::builder(
        ClientOptions::builder()
            .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
            .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .credentials(Credentials::ak_sk("AK", "SK").unwrap())
            .build()
            .unwrap(),
    )
    .transport(transport_fn(move |r| {
        log.lock().unwrap().push(r.uri().query().unwrap_or("").to_owned());
        Ok(http::Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec()))
    }))
    .build()
    .unwrap();
    let long = "x".repeat(70);
    let names = ["john.smith", "张三", "_lead", long.as_str(), "dev@corp", "a,b", "a b", "a\r\nX-Evil: 1", "a%2Cb"];
    c.send(&Query::new().user_names(names).connect_status(ConnectStatus::from("HIBERNATED"))).unwrap();
    let query = seen.lock().unwrap()[0].clone();
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
    assert!(query.contains(&format!("user_names={long}")));
}

#[test]
fn invalid_project_ids_are_refused_when_the_options_are_built() {
    for bad in ["", "a/b", "a?b", "a%2F", "a\r\nX-Evil: 1", "проект", "a b", "..", "a#b"] {
        let err = options().project_id(bad).build().unwrap_err();
        let Error::InvalidRequest(v) = &err else { panic!("{bad:?}: {err:?}") };
        assert_eq!(v.field(), "project_id");
        assert!(err.to_string().contains("a project id is 1 to 64 characters"), "{err}");
    }
}

#[test]
fn header_injection_is_refused() {
    let err = options().user_agent_suffix("app\r\nX-Evil: 1").build().unwrap_err();
    assert!(err.to_string().contains("user agent suffix"), "{err}");
    for creds in [
        Credentials::ak_sk("AK\r\nX-Evil: 1", "SK"),
        Credentials::ak_sk("AK", "S\nK"),
        Credentials::temporary("AK", "SK", "tok\r\nen"),
        Credentials::token("tok en"),
        Credentials::ak_sk("", "SK"),
    ] {
        let err = creds.unwrap_err();
        assert!(err.to_string().starts_with("invalid configuration:"), "{err}");
    }
}

#[test]
fn odd_endpoints_are_refused() {
    for (bad, why) in [
        ("https://user:secret@workspace.example.com", "user info"),
        ("ftp://workspace.example.com", "must use https"),
        ("file:///etc/passwd", ""),
        ("http://workspace.example.com", "loopback"),
        ("https://workspace.example.com/v2", "path"),
        ("workspace.example.com", "no scheme"),
        ("", ""),
        ("http://127.0.0.1:99999", "not between 1 and 65535"),
        ("http://localhost:65536", "not between 1 and 65535"),
        ("https://127.0.0.1:70000", "not between 1 and 65535"),
    ] {
        let err = options().endpoint(bad).build().unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
        assert!(text.contains(why), "{bad}: {text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
