//! Credentials go only where the user said: an endpoint that cannot be taken exactly as written
//! is a configuration error before anything is sent.
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn an_endpoint_port_out_of_range_is_a_configuration_error() {
    let home = std::env::temp_dir().join(format!("wks-endpoints-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    for (url, auth) in [
        ("http://127.0.0.1:99999", "aksk"),
        ("http://localhost:65536", "aksk"),
        ("https://127.0.0.1:70000", "token"),
        ("https://127.0.0.1:0", "aksk"),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wks"));
        c.env_clear().env("HOME", &home).env("PATH", std::env::var("PATH").unwrap_or_default());
        if auth == "token" {
            c.env("HUAWEICLOUD_SDK_AUTH_TOKEN", "secret-token");
        } else {
            c.env("HUAWEICLOUD_SDK_AK", "AK").env("HUAWEICLOUD_SDK_SK", "secret-key");
        }
        let o =
            c.args(["--endpoint", url, "--project-id", "p", "--retries", "0", "connections", "list"]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{url}: {err}");
        assert!(err.contains("not between 1 and 65535") || err.contains("not a number"), "{url}: {err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
