//! Invalid options are refused when they are built, with the field, the value and the rule (the
//! kit's behaviour suite checks queries).
#![allow(clippy::unwrap_used)]

use workspace_blocking::{Credentials, Error};
use workspace_testkit::bad_input::options;

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
