//! The built-in transport, over ureq.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::{Request, Response, Uri};
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use workspace_core::proxy::{ProxyRules, Route};
use workspace_core::transport::without_queries;
use workspace_core::{
    AttemptTimeout, ClientOptions, DEFAULT_MAX_RESPONSE_BYTES, Error, TransportError, TransportErrorKind,
};

use crate::transport::Transport;

/// A [`Transport`] over a [`ureq::Agent`]: keep-alive connections, TLS (rustls on ring; the
/// platform's library with the feature `native-tls` and without `rustls`), proxies
/// from the environment with curl's rules (loopback hosts never use one). Every status reaches the
/// client (ureq's `http_status_as_error` is turned off per request), redirects are not followed,
/// each exchange ends by its [`AttemptTimeout`], and a response larger than the cap is an error.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    max_response_bytes: u64,
    /// The rules that choose each exchange's proxy (`new`, when a variable names one); `None`:
    /// the agent's own proxy setting.
    proxies: Option<Arc<ProxyRules<ureq::Proxy>>>,
}

impl UreqTransport {
    /// A transport with its own agent, with the options' connect timeout and response cap, and
    /// the proxy the environment names: `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`
    /// (`http_proxy` for `http`), except for loopback hosts and those `no_proxy` or `NO_PROXY`
    /// lists, as curl reads them (see `docs/configuration.md`, "Proxies").
    pub fn new(options: &ClientOptions) -> Result<Self, Error> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(options.connect_timeout()))
            .max_idle_age(workspace_core::POOL_IDLE_TIMEOUT)
            .proxy(None);
        // rustls (ureq's default) when its feature is on, even with `native-tls`.
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let config = config.tls_config(native_tls());
        let config = config.build();
        let proxies = ProxyRules::read(environment_variable, |url| ureq::Proxy::new(url).ok());
        Ok(Self {
            proxies: (!proxies.is_empty()).then(|| Arc::new(proxies)),
            ..Self::from_agent(ureq::Agent::with_parts(config, DefaultConnector::new(), Resolved::default()))
                .max_response_bytes(options.max_response_bytes())
        })
    }

    /// A transport over your own agent (for a proxy, your CAs, another TLS setup). Its connect
    /// timeout applies; statuses are never turned into errors and redirects are not followed.
    /// Its proxy is as it is configured: ureq's defaults read the proxy variables with ureq's own
    /// rules, which do not spare loopback hosts; configure `proxy(None)` or your proxy.
    pub fn from_agent(agent: ureq::Agent) -> Self {
        Self { agent, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES, proxies: None }
    }

    /// Refuses responses larger than `bytes`.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let attempt = request.extensions().get::<AttemptTimeout>().map(|t| t.0);
        // With rules of its own (`new`, whose agent has no proxy), the transport picks the proxy.
        let proxy = match self.proxies.as_deref().map(|r| r.route_uri(request.uri())) {
            Some(Route::Proxy(proxy)) => Some(proxy.clone()),
            Some(Route::Unusable(why)) => return Err(TransportError::other(why.to_owned())),
            Some(Route::Direct) | None => None,
        };
        let mut config = self.agent.configure_request(request).http_status_as_error(false).max_redirects(0);
        if proxy.is_some() {
            config = config.proxy(proxy);
        }
        if let Some(limit) = attempt {
            config = config.timeout_global(Some(limit));
        }
        let response = self.agent.run(config.build()).map_err(to_transport_error)?;
        let (parts, mut body) = response.into_parts();
        // Sized from the declared length (at most 1 MiB up front, as the async transport does), so
        // that a large page is read into one allocation instead of a growing, copied one.
        let declared = body.content_length().unwrap_or(0).min(self.max_response_bytes).min(1 << 20);
        let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        let mut reader = body.with_config().limit(self.max_response_bytes).reader();
        reader.read_to_end(&mut bytes).map_err(|e| match ureq::Error::from(e) {
            ureq::Error::BodyExceedsLimit(limit) => TransportError::response_too_large(limit),
            e => to_transport_error(e),
        })?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// The kind of a ureq failure: `Connect` when the request cannot have been sent (the TLS
/// handshake included, so that the client fails over to the next endpoint).
fn to_transport_error(e: ureq::Error) -> TransportError {
    let kind = match &e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => TransportErrorKind::Connect,
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => TransportErrorKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => {
            TransportErrorKind::Connect
        }
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportErrorKind::Connect,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => TransportErrorKind::Connect,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => TransportErrorKind::Connect,
        ureq::Error::Io(io) if is_tls_handshake(io) => TransportErrorKind::Connect,
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => TransportErrorKind::Connect,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        },
        ureq::Error::Protocol(_) => TransportErrorKind::Io,
        #[cfg(feature = "gzip")]
        ureq::Error::Decompress(..) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, without_query(e))
}

/// The error, without the query of a URI it quotes: the query holds user names, which only a
/// validation error may show.
fn without_query(e: ureq::Error) -> ureq::Error {
    match e {
        ureq::Error::BadUri(text) => ureq::Error::BadUri(without_queries(&text)),
        ureq::Error::RequireHttpsOnly(text) => ureq::Error::RequireHttpsOnly(without_queries(&text)),
        e => e,
    }
}

/// The built-in agent's TLS with the feature `native-tls` and without `rustls`: the platform's
/// library and its roots.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn native_tls() -> ureq::tls::TlsConfig {
    ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::NativeTls)
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build()
}

/// Whether an I/O error came from the TLS handshake (rustls reports it as an I/O error whose
/// inner error is its own): nothing was sent, another endpoint may answer.
fn is_tls_handshake(io: &io::Error) -> bool {
    #[cfg(feature = "rustls")]
    return workspace_core::transport::find_cause::<rustls::Error>(io).is_some();
    #[cfg(not(feature = "rustls"))]
    return {
        let _ = io;
        false
    };
}

/// How long a host's addresses are reused before it is looked up again.
const RESOLVED_FOR: Duration = Duration::from_secs(30);

/// ureq's resolver, remembering each host's addresses for [`RESOLVED_FOR`]: ureq looks up the
/// host of every request, even one that a pooled connection will carry, and on a thread of its
/// own when the request has a timeout (every request of this SDK has one).
#[derive(Debug, Default)]
struct Resolved {
    lookup: DefaultResolver,
    known: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for Resolved {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = format!("{}://{}", uri.scheme_str().unwrap_or(""), uri.authority().map_or("", |a| a.as_str()));
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner).get(&host).cloned();
        match known {
            Some((at, addrs)) if at.elapsed() < RESOLVED_FOR => Ok(addrs),
            _ => {
                let addrs = self.lookup.resolve(uri, config, timeout)?;
                self.known.lock().unwrap_or_else(PoisonError::into_inner).insert(host, (Instant::now(), addrs.clone()));
                Ok(addrs)
            }
        }
    }
}

/// A variable of this process's environment, as text.
fn environment_variable(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}
