//! Helpers shared by the emulator's tests: requests built from the documentation, signed with
//! the SDK's signer (pinned by the official golden vectors), sent with a plain HTTP client.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use http::{Request, Response};
use serde::Deserialize;
use workspace_core::{AkSk, sign};
use workspace_emulator::{DEMO_AK, DEMO_SK, Desktop, Emulator};

/// How a request authenticates.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    Keys { ak: String, sk: String, security_token: Option<String> },
    Token(String),
    None,
}

impl Auth {
    pub(crate) fn keys(ak: &str, sk: &str) -> Self {
        Auth::Keys { ak: ak.to_owned(), sk: sk.to_owned(), security_token: None }
    }

    pub(crate) fn temporary(ak: &str, sk: &str, token: &str) -> Self {
        Auth::Keys { ak: ak.to_owned(), sk: sk.to_owned(), security_token: Some(token.to_owned()) }
    }

    pub(crate) fn demo() -> Self {
        Self::keys(DEMO_AK, DEMO_SK)
    }
}

/// `t` as `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`), rearranged from an HTTP date.
pub(crate) fn sdk_date(t: SystemTime) -> String {
    let http = httpdate::fmt_http_date(t); // "Sat, 27 May 2023 00:04:31 GMT"
    let f: Vec<&str> = http.split([' ', ':']).collect();
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| *x == f[2]).unwrap() + 1;
    format!("{}{m:02}{}T{}{}{}Z", f[3], f[1], f[4], f[5], f[6])
}

/// A request to `GET /v2/{project}/connect-desktops?{query}` at `base_url`, as the official SDK
/// sends it, signed at `at`.
pub(crate) fn request_to(base_url: &str, project: &str, query: &str, auth: &Auth, at: SystemTime) -> Request<Vec<u8>> {
    let q = if query.is_empty() { String::new() } else { format!("?{query}") };
    let mut req = Request::get(format!("{base_url}/v2/{project}/connect-desktops{q}"))
        .header("content-type", "application/json")
        .header("user-agent", "workspace-emulator-tests")
        .header("x-project-id", project)
        .header("x-sdk-date", sdk_date(at))
        .body(Vec::new())
        .unwrap();
    match auth {
        Auth::Keys { ak, sk, security_token } => {
            let creds = match security_token {
                Some(t) => {
                    req.headers_mut().insert("x-security-token", t.parse().unwrap());
                    AkSk::temporary(ak.as_str(), sk.as_str(), t.as_str()).unwrap()
                }
                None => AkSk::new(ak.as_str(), sk.as_str()).unwrap(),
            };
            sign::sign(&mut req, &creds).unwrap();
        }
        Auth::Token(t) => {
            req.headers_mut().insert("x-auth-token", t.parse().unwrap());
        }
        Auth::None => {}
    }
    req
}

/// A request with the demo keys, signed now.
pub(crate) fn get(emu: &Emulator, query: &str) -> Request<Vec<u8>> {
    request_to(&emu.base_url(), emu.project_id(), query, &Auth::demo(), SystemTime::now())
}

/// A request with `auth`, signed at `at`.
pub(crate) fn get_with(emu: &Emulator, query: &str, auth: &Auth, at: SystemTime) -> Request<Vec<u8>> {
    request_to(&emu.base_url(), emu.project_id(), query, auth, at)
}

pub(crate) fn agent(timeout: Option<Duration>) -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder().http_status_as_error(false).timeout_global(timeout).build(),
    )
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

/// A page as documented: `{"desktops": [...], "total_count": n}`.
#[derive(Debug, Deserialize, PartialEq)]
pub(crate) struct Page {
    pub(crate) desktops: Vec<Desktop>,
    pub(crate) total_count: u64,
}

pub(crate) fn page(resp: &Response<Vec<u8>>) -> Page {
    assert_eq!(resp.status(), 200, "{}", String::from_utf8_lossy(resp.body()));
    serde_json::from_slice(resp.body()).unwrap()
}

/// The page of a signed request with this query.
pub(crate) fn fetch(emu: &Emulator, query: &str) -> Page {
    page(&send(get(emu, query)).unwrap())
}

pub(crate) fn json(resp: &Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(resp.body()).unwrap()
}

pub(crate) fn error_code(resp: &Response<Vec<u8>>) -> String {
    json(resp)["error_code"].as_str().unwrap().to_owned()
}

pub(crate) fn body_text(resp: &Response<Vec<u8>>) -> String {
    String::from_utf8_lossy(resp.body()).into_owned()
}

/// An admin request with a JSON body (or none when `body` is empty).
pub(crate) fn admin(emu: &Emulator, method: &str, path: &str, body: &str) -> Response<Vec<u8>> {
    let mut req = Request::builder().method(method).uri(format!("{}{path}", emu.base_url()));
    if !body.is_empty() {
        req = req.header("content-type", "application/json");
    }
    send(req.body(body.as_bytes().to_vec()).unwrap()).unwrap()
}

/// `name` percent-encoded for a query.
pub(crate) fn enc(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}
