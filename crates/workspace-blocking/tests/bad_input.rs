//! Every invalid input is refused before anything is sent, with the field, the value and the rule.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/bad_input.rs"]
#[allow(dead_code, unreachable_pub)]
mod bad_input;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bad_input::{
    check_odd_query_sent, check_refused, empty_page, invalid_items_query, invalid_queries, odd_query, options,
};
use workspace_blocking::{Client, Credentials, Error, TransportError};

#[test]
fn invalid_requests_name_field_value_and_rule() {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let client = Client::builder(options().build().unwrap())
        .transport(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Err(TransportError::other("must not be called"))
        })
        .build()
        .unwrap();
    for (query, field, value) in invalid_queries() {
        check_refused(&client.send(&query).unwrap_err(), field, value);
    }
    let (query, field, value) = invalid_items_query();
    check_refused(&client.items(&query).next().unwrap().unwrap_err(), field, value);
    assert_eq!(sent.load(Ordering::SeqCst), 0, "nothing was sent");
}

/// Only the documented rules of this operation are enforced: any other name or status is sent as
/// given, encoded as the official SDK encodes it, and the service decides.
#[test]
fn names_and_statuses_the_documentation_does_not_forbid_are_sent_as_given() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let client = Client::builder(options().build().unwrap())
        .transport(move |r: http::Request<Vec<u8>>| {
            log.lock().unwrap().push(r.uri().query().unwrap_or("").to_owned());
            Ok(empty_page())
        })
        .build()
        .unwrap();
    client.send(&odd_query()).unwrap();
    check_odd_query_sent(&seen);
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
