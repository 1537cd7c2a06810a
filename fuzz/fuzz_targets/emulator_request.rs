//! What the emulator parses from a request: the query, the Authorization header and the
//! X-Sdk-Date. Any input gives a value or a refusal, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workspace_core::query::parse_query;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(req) = workspace_types::ListDesktopsConnectStatusRequest::from_query_pairs(parse_query(s)) {
        // A request that was accepted reads back to itself.
        let again = workspace_types::ListDesktopsConnectStatusRequest::from_query_pairs(req.query_pairs()).expect("accepted before");
        assert_eq!(again, req);
    }
    let _ = workspace_core::sign::parse_authorization(s);
    let _ = workspace_core::time::parse_sdk_date(s);
    let _ = workspace_core::time::parse_http_date(s);
});
