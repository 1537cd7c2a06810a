//! The built-in transport, over reqwest.

use std::sync::Arc;

use async_trait::async_trait;
use http::{Request, Response};
use workspace_core::proxy::{ProxyRules, Route};
use workspace_core::transport::find_cause;
use workspace_core::{
    AttemptTimeout, ClientOptions, ConfigError, DEFAULT_MAX_RESPONSE_BYTES, Error, TransportError, TransportErrorKind,
};

use crate::transport::Transport;

/// A [`Transport`] over a [`reqwest::Client`]: connection pooling, TLS (rustls on ring, the same
/// provider and roots as the blocking client), proxies from the environment with curl's rules
/// (loopback hosts never use one). Every status reaches the SDK, redirects are not followed, each
/// exchange ends by its [`AttemptTimeout`], and a response larger than the cap is an error.
/// Dropping its future cancels the exchange.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: u64,
    /// The rules the client was built with (`new`, when a variable names a proxy); `None`: the
    /// client's own proxy setting.
    proxies: Option<Arc<ProxyRules<reqwest::Url>>>,
}

impl ReqwestTransport {
    /// A transport with its own client, with the options' connect timeout and response cap, and
    /// the proxy the environment names: `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`
    /// (`http_proxy` for `http`), except for loopback hosts and those `no_proxy` or `NO_PROXY`
    /// lists, as curl reads them (see `docs/configuration.md`, "Proxies").
    pub fn new(options: &ClientOptions) -> Result<Self, Error> {
        let mut proxies = ProxyRules::read(environment_variable, |url| {
            reqwest::Proxy::all(url).ok().and_then(|_| reqwest::Url::parse(url).ok())
        });
        if !cfg!(any(feature = "rustls", feature = "native-tls")) {
            // Without TLS, reqwest would hand an `https` request to the proxy in clear,
            // credentials included, instead of tunnelling it.
            proxies = proxies.refusing_https(NO_TLS_FOR_PROXY);
        }
        let proxies = Arc::new(proxies);
        let builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout())
            .pool_idle_timeout(workspace_core::POOL_IDLE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        let builder = if proxies.is_empty() {
            builder
        } else {
            let rules = Arc::clone(&proxies);
            builder.proxy(reqwest::Proxy::custom(move |url| {
                match rules.route(url.scheme(), url.host_str().unwrap_or("")) {
                    Route::Proxy(proxy) => Some(proxy.clone()),
                    Route::Direct | Route::Unusable(_) => None,
                }
            }))
        };
        #[cfg(feature = "rustls")]
        let builder = builder.tls_backend_preconfigured(tls_config()?);
        let client = builder.build().map_err(|e| ConfigError::Client { source: e.into() })?;
        let proxies = (!proxies.is_empty()).then_some(proxies);
        Ok(Self { proxies, ..Self::from_client(client).max_response_bytes(options.max_response_bytes()) })
    }

    /// A transport over your own client (for a proxy, your CAs, another TLS setup). Build it
    /// with `redirect(Policy::none())`: the service does not redirect. Its proxies are as it is
    /// configured: reqwest's defaults read the proxy variables with reqwest's own rules, which do
    /// not spare loopback hosts; call `no_proxy()` or `proxy(..)` on its builder. With this
    /// crate's `rustls` feature alone, reqwest has no TLS provider of its own, and
    /// `ClientBuilder::build` panics unless the builder is given a `rustls::ClientConfig` with
    /// `tls_backend_preconfigured` (see `docs/async.md`, "Your own reqwest client").
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES, proxies: None }
    }

    /// Refuses responses larger than `bytes`.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

/// Why an `https` exchange is not sent through a proxy without TLS in this crate's features.
const NO_TLS_FOR_PROXY: &str =
    "an https request cannot go through a proxy without TLS: enable workspace-async's rustls or native-tls feature";

/// rustls with the ring provider and Mozilla's roots (`webpki-roots`), as ureq has it: one TLS
/// story for both clients, and no process-wide default provider to install.
#[cfg(feature = "rustls")]
fn tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls { source: e.into() })?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let attempt = request.extensions().get::<AttemptTimeout>().map(|t| t.0);
        if let Some(rules) = &self.proxies {
            if let Route::Unusable(why) = rules.route_uri(request.uri()) {
                return Err(TransportError::other(why.to_owned()));
            }
        }
        let mut request = reqwest::Request::try_from(request).map_err(|e| TransportError::other(e.without_url()))?;
        // The attempt's limit replaces any other: the core already took the smaller of the
        // attempt timeout and what is left of the deadline.
        *request.timeout_mut() = attempt;
        let mut response = self.client.execute(request).await.map_err(to_transport_error)?;
        let mut builder = Response::builder().status(response.status()).version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let limit = self.max_response_bytes;
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut body = Vec::with_capacity(response.content_length().unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = response.chunk().await.map_err(to_transport_error)? {
            if body.len() + chunk.len() > cap {
                return Err(TransportError::response_too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(TransportError::other)
    }
}

/// The kind of a reqwest failure: `Connect` when the request cannot have been sent (the TLS
/// handshake included).
fn to_transport_error(e: reqwest::Error) -> TransportError {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() || has_timed_out(&e) {
        TransportErrorKind::Timeout
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    // Without the URL reqwest keeps in its errors: its query holds user names, which only a
    // validation error may show.
    TransportError::new(kind, e.without_url())
}

/// Whether an I/O timeout is somewhere in the error's causes.
fn has_timed_out(e: &reqwest::Error) -> bool {
    find_cause::<std::io::Error>(e).is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
}

/// A variable of this process's environment, as text.
fn environment_variable(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}
