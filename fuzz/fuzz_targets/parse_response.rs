//! Any status and any bytes: a page for 2xx, an error otherwise, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let code = 100 + u16::from_le_bytes([data[0], data[1]]) % 900;
    let status = http::StatusCode::from_u16(code).expect("100..1000 is a valid status");
    match workspace_core::parse_response(status, &http::HeaderMap::new(), &data[2..]) {
        Ok(_) => assert!(status.is_success()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
