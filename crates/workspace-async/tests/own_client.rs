//! An application's own `reqwest::Client`, built as `docs/async.md` says. With this crate's
//! `rustls` feature, reqwest has no TLS provider of its own: a client given a `rustls` config works
//! without a process-wide provider, and nothing installs one; one that refuses `http` shows no
//! user name in its error.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use workspace_async::{Client, Error, Query, ReqwestTransport, RetryPolicy, TransportErrorKind};
use workspace_emulator::{Emulator, EmulatorConfig};
use workspace_testkit::{fault_matrix, privacy, setup};

/// The client of `docs/async.md`, "Your own reqwest client".
fn own_client() -> reqwest::Client {
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_client_given_a_rustls_config_needs_no_process_wide_provider() {
    assert!(CryptoProvider::get_default().is_none(), "no provider is installed in this process");
    // What the documentation warns of: without a config (and without reqwest's native TLS, which
    // it prefers when both are on), building a client panics.
    if cfg!(not(feature = "native-tls")) {
        let bare = std::panic::catch_unwind(|| reqwest::Client::builder().build());
        assert!(bare.is_err(), "reqwest has a TLS provider of its own: the documentation is out of date");
    }

    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let options = setup::options(&emu).retry_policy(RetryPolicy::disabled()).build().unwrap();
    let client =
        Client::builder(options.clone()).transport(ReqwestTransport::from_client(own_client())).build().unwrap();
    assert_eq!(client.send(&Query::new().limit(10)).await.unwrap().desktops().len(), 5);

    // Over TLS: the handshake runs (and fails against a server that answers with garbage).
    let tls_options = options.to_builder().endpoint(fault_matrix::bad_tls_url()).build().unwrap();
    let client = Client::builder(tls_options).transport(ReqwestTransport::from_client(own_client())).build().unwrap();
    let e = client.send(&Query::new().limit(10)).await.unwrap_err();
    assert!(matches!(e.last_error(), Error::Transport(t) if t.kind() == TransportErrorKind::Connect), "{e:?}");

    assert!(CryptoProvider::get_default().is_none(), "nothing installed a provider");
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
