//! Builds and signs one request, then prints it as it would go on the wire.
//!
//! ```text
//! cargo run -p workspace-core --example sign_request [X-Sdk-Date]
//! ```
//!
//! Give a date such as `20261130T040000Z` to reproduce a signature; without one, the current time
//! is used. The credentials are the documentation's example pair, not real ones.

use std::time::SystemTime;

use workspace_core::types::ConnectStatus;
use workspace_core::{ClientOptions, Credentials, Query, build_request, parse_sdk_date};

// An application reads the clock and hands the time to the core, which never reads it itself.
#[allow(clippy::disallowed_methods)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = match std::env::args().nth(1) {
        Some(date) => parse_sdk_date(&date).ok_or_else(|| format!("{date:?} is not a date like 20261130T040000Z"))?,
        None => SystemTime::now(),
    };
    let options = ClientOptions::builder()
        .region("cn-north-4")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        .credentials(Credentials::ak_sk("HPUAEXAMPLEAK0000001", "exampleSecretKey0123456789abcdefghijklmnop")?)
        .build()?;
    let query = Query::new()
        .user_names(["zhang_san", "alice", "bob-1"])
        .connect_status(ConnectStatus::Connected)
        .offset(0)
        .limit(50)
        .request()?;
    let request = build_request(&options, &query, now)?;

    let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    println!("{} {target} HTTP/1.1", request.method());
    for (name, value) in request.headers() {
        println!("{}: {}", title_case(name.as_str()), value.to_str()?);
    }
    Ok(())
}

/// `x-sdk-date` -> `X-Sdk-Date`, as the header names are usually written.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}
