//! Helpers shared by the emulator's tests: signed requests sent with a plain HTTP client.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use http::{Request, Response};
use workspace_core::{Config, Credentials, Endpoint, build_request};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator};
use workspace_types::{ListDesktopsConnectStatusRequest, ListDesktopsConnectStatusResponse, ProjectId};

pub(crate) fn agent(timeout: Option<Duration>) -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder().http_status_as_error(false).timeout_global(timeout).build(),
    )
}

pub(crate) fn config(emu: &Emulator, credentials: Credentials) -> Config {
    Config::new(Endpoint::parse(&emu.base_url()).unwrap(), ProjectId::new(emu.project_id()).unwrap(), credentials)
}

pub(crate) fn demo(emu: &Emulator) -> Config {
    config(emu, Credentials::ak_sk(DEMO_AK, DEMO_SK).unwrap())
}

pub(crate) fn signed(emu: &Emulator, query: &ListDesktopsConnectStatusRequest) -> Request<Vec<u8>> {
    build_request(&demo(emu), query, SystemTime::now()).unwrap()
}

/// Sends `req` and returns status, headers and body; `Err` for a transport failure.
pub(crate) fn send(req: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, ureq::Error> {
    send_with(&agent(Some(Duration::from_secs(10))), req)
}

pub(crate) fn send_with(agent: &ureq::Agent, req: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, ureq::Error> {
    let resp = agent.run(req)?;
    let (parts, mut body) = resp.into_parts();
    let bytes = body.read_to_vec()?;
    Ok(Response::from_parts(parts, bytes))
}

pub(crate) fn page(resp: &Response<Vec<u8>>) -> ListDesktopsConnectStatusResponse {
    assert_eq!(resp.status(), 200, "{}", String::from_utf8_lossy(resp.body()));
    serde_json::from_slice(resp.body()).unwrap()
}

pub(crate) fn error_code(resp: &Response<Vec<u8>>) -> String {
    let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
    v["error_code"].as_str().unwrap().to_owned()
}

pub(crate) fn query() -> workspace_types::ListDesktopsConnectStatusRequestBuilder {
    ListDesktopsConnectStatusRequest::builder()
}
