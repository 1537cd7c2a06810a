//! No transport failure shows a user name: the text of every error, and of each of its sources,
//! is free of the query's user names whatever failed.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/privacy.rs"]
#[allow(dead_code, unreachable_pub)]
mod privacy;

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

#[path = "../../../tests/shared/fault_matrix.rs"]
#[allow(dead_code, unreachable_pub)]
mod fault_matrix;

use std::sync::Arc;

use workspace_async::{Client, ReqwestTransport};
use workspace_emulator::{Emulator, EmulatorConfig};

#[tokio::test]
async fn no_failure_shows_a_user_name() {
    let mut failures = Vec::new();
    for (name, failure) in privacy::text_rows() {
        let (_emu, options) = privacy::text_setup(failure);
        let client = Client::new(options).unwrap();
        failures.extend(privacy::check_texts(name, client.send(&privacy::marked_query()).await).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_client_that_refuses_http_shows_no_user_name() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()))
        .with_no_client_auth();
    let own = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(true)
        .build()
        .unwrap();
    let options = setup::options(&emu).retry_policy(workspace_async::RetryPolicy::disabled()).build().unwrap();
    let client = Client::builder(options).transport(ReqwestTransport::from_client(own)).build().unwrap();
    privacy::check_texts("an https-only client", client.send(&privacy::marked_query()).await).unwrap();
}
