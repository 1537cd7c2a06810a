//! Any bytes as an error body: read with the official fallbacks, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = workspace_types::ErrorBody::parse(data);
    let e = workspace_core::service_error(http::StatusCode::BAD_REQUEST, &http::HeaderMap::new(), data);
    let _ = e.to_string();
});
