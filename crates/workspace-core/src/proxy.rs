//! Which proxy, if any, one exchange goes through: the proxy variables read as curl reads them
//! (given by the caller: the core reads no environment), and a loopback host always reached
//! directly, so that credentials meant for a local server never cross a proxy. Both built-in
//! transports route by these rules.

use std::fmt;
use std::net::IpAddr;

/// The variables that name the proxy of an `https` URL, in the order they are tried.
const HTTPS: &[&str] = &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// The variables that name the proxy of an `http` URL (`HTTP_PROXY` is not read: in a CGI
/// program, a request's `Proxy:` header becomes that variable).
const HTTP: &[&str] = &["http_proxy", "all_proxy", "ALL_PROXY"];
/// The variables that list the hosts reached without a proxy.
const NO_PROXY: &[&str] = &["no_proxy", "NO_PROXY"];

/// Where one exchange goes.
#[derive(Debug)]
pub enum Route<'a, P> {
    /// Straight to the host.
    Direct,
    /// Through this proxy.
    Proxy(&'a P),
    /// Nowhere: the proxy the variables name cannot be used, for this reason.
    Unusable(&'a str),
}

/// The proxy a variable names, in the transport's form, or why it cannot be used (the
/// reason names the variable, never its value, which may hold a password).
struct Named<P> {
    variable: &'static str,
    proxy: Result<P, String>,
}

/// What the proxy variables say: a proxy for `https` URLs, one for `http` URLs, and the hosts
/// reached without one. Loopback hosts are always reached without one.
pub struct ProxyRules<P> {
    https: Option<Named<P>>,
    http: Option<Named<P>>,
    no_proxy: Vec<Entry>,
}

/// One entry of `NO_PROXY`.
#[derive(Debug, PartialEq)]
enum Entry {
    /// `*`: every host.
    All,
    /// An address, or a network (`10.0.0.0/8`): the hosts written as such an address.
    Net(IpAddr, u8),
    /// A domain (lower case, without leading or trailing dot): it and its subdomains.
    Domain(String),
}

impl<P> ProxyRules<P> {
    /// The rules of the variables `lookup` gives.
    pub fn read(lookup: impl Fn(&str) -> Option<String>, make: impl Fn(&str) -> Option<P>) -> Self {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|name| lookup(name).filter(|v| !v.trim().is_empty()).map(|v| (*name, v)))
        };
        let named = |names: &[&'static str]| {
            first(names).map(|(variable, value)| {
                let proxy = proxy_url(&value)
                    .and_then(|url| make(&url).ok_or_else(|| "is not a proxy URL this client accepts".to_owned()))
                    .map_err(|why| format!("the proxy in {variable} cannot be used: its value {why}"));
                Named { variable, proxy }
            })
        };
        let no_proxy = first(NO_PROXY).map_or_else(Vec::new, |(_, list)| list.split(',').filter_map(entry).collect());
        Self { https: named(HTTPS), http: named(HTTP), no_proxy }
    }

    /// The same rules, with `https` exchanges that would go through a proxy refused for `why`
    /// (a transport that cannot tunnel TLS through a proxy must not send them in clear).
    pub fn refusing_https(mut self, why: &str) -> Self {
        if let Some(named) = &mut self.https {
            named.proxy = Err(why.to_owned());
        }
        self
    }

    /// Whether no proxy is named at all.
    pub fn is_empty(&self) -> bool {
        self.https.is_none() && self.http.is_none()
    }

    /// How a request for `uri` goes: [`route`](Self::route) with its scheme and host.
    pub fn route_uri(&self, uri: &http::Uri) -> Route<'_, P> {
        self.route(uri.scheme_str().unwrap_or(""), uri.host().unwrap_or(""))
    }

    /// Where an exchange with `host` (as a URL writes it) over `scheme` goes.
    pub fn route(&self, scheme: &str, host: &str) -> Route<'_, P> {
        let host = normalize(host);
        if is_loopback(&host) || self.no_proxy.iter().any(|e| e.matches(&host)) {
            return Route::Direct;
        }
        let named = match scheme {
            s if s.eq_ignore_ascii_case("https") => &self.https,
            s if s.eq_ignore_ascii_case("http") => &self.http,
            _ => &None,
        };
        match named {
            None => Route::Direct,
            Some(Named { proxy: Ok(p), .. }) => Route::Proxy(p),
            Some(Named { proxy: Err(why), .. }) => Route::Unusable(why),
        }
    }
}

impl<P> fmt::Debug for ProxyRules<P> {
    // The variables' names only: a proxy URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |n: &Option<Named<P>>| n.as_ref().map(|n| n.variable);
        f.debug_struct("ProxyRules")
            .field("https", &name(&self.https))
            .field("http", &name(&self.http))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy variable's value as `scheme://[user:password@]host[:port]`: `http://` when it
/// has no scheme, as curl does; only `http` and `https` proxies.
fn proxy_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    let full = if value.contains("://") { value.to_owned() } else { format!("http://{value}") };
    let uri: http::Uri = full.parse().map_err(|_| "is not a URL".to_owned())?;
    let scheme = uri.scheme_str().unwrap_or("http").to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("uses {scheme}://, which this client does not support (only http:// and https://)"));
    }
    match uri.authority() {
        Some(authority) if !authority.host().is_empty() => Ok(format!("{scheme}://{authority}")),
        _ => Err("names no host".to_owned()),
    }
}

/// One `NO_PROXY` entry; `None` for an empty or malformed one, which matches nothing.
fn entry(text: &str) -> Option<Entry> {
    let text = text.trim();
    if text == "*" {
        return Some(Entry::All);
    }
    let (address, bits) = match text.split_once('/') {
        Some((address, bits)) => (address, Some(bits)),
        None => (text, None),
    };
    let address = address.strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or(address);
    if let Ok(ip) = address.parse::<IpAddr>() {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(bits) => bits.trim().parse::<u8>().ok().filter(|b| *b <= max)?,
        };
        return Some(Entry::Net(ip, bits));
    }
    if bits.is_some() {
        return None;
    }
    let domain = text.strip_prefix("*.").or_else(|| text.strip_prefix('.')).unwrap_or(text);
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    (!domain.is_empty()).then(|| Entry::Domain(domain.to_ascii_lowercase()))
}

impl Entry {
    /// Whether this entry names `host` (normalized).
    fn matches(&self, host: &str) -> bool {
        match (self, host.parse::<IpAddr>()) {
            (Entry::All, _) => true,
            (Entry::Net(net, bits), Ok(ip)) => {
                in_network(ip, *net, *bits) || in_network(ip.to_canonical(), *net, *bits)
            }
            (Entry::Domain(domain), Err(_)) => {
                host == domain || host.strip_suffix(domain.as_str()).is_some_and(|rest| rest.ends_with('.'))
            }
            _ => false,
        }
    }
}

/// Whether `ip` is in the network of `net` with `bits` leading bits.
fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            (u32::from(ip) ^ u32::from(net)).checked_shr(32 - u32::from(bits)).unwrap_or(0) == 0
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            (u128::from(ip) ^ u128::from(net)).checked_shr(128 - u32::from(bits)).unwrap_or(0) == 0
        }
        _ => false,
    }
}

/// A host as a URL writes it, compared: lower case, without the brackets of an IPv6 address
/// or a trailing dot.
fn normalize(host: &str) -> String {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// `localhost`, `127.0.0.0/8` and `::1` (an IPv4-mapped loopback address included).
fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{ProxyRules, Route};

    const EVERY_PROXY: &[(&str, &str)] = &[
        ("HTTP_PROXY", "http://upper-http:1"),
        ("http_proxy", "http://lower-http:1"),
        ("HTTPS_PROXY", "http://upper-https:1"),
        ("https_proxy", "http://lower-https:1"),
        ("ALL_PROXY", "http://upper-all:1"),
        ("all_proxy", "http://lower-all:1"),
    ];

    fn rules(vars: &[(&str, &str)]) -> ProxyRules<String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        ProxyRules::read(|name| vars.get(name).cloned(), |url| Some(url.to_owned()))
    }

    /// Where a request to `url` goes: `direct`, the proxy's URL, or `unusable: why`.
    fn route(rules: &ProxyRules<String>, url: &str) -> String {
        let uri: http::Uri = url.parse().expect("a URL");
        match rules.route(uri.scheme_str().expect("a scheme"), uri.host().expect("a host")) {
            Route::Direct => "direct".to_owned(),
            Route::Proxy(p) => p.clone(),
            Route::Unusable(why) => format!("unusable: {why}"),
        }
    }

    fn with_no_proxy(list: &str) -> ProxyRules<String> {
        rules(&[("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", list)])
    }

    #[test]
    fn loopback_hosts_never_use_a_proxy() {
        let every = rules(EVERY_PROXY);
        let named_localhost = rules(&[EVERY_PROXY, &[("NO_PROXY", "localhost"), ("no_proxy", "localhost")]].concat());
        for rules in [&every, &named_localhost] {
            for host in
                ["127.0.0.1", "127.1.2.3", "[::1]", "localhost", "LocalHost", "localhost.", "[::ffff:127.0.0.1]"]
            {
                for scheme in ["http", "https"] {
                    assert_eq!(route(rules, &format!("{scheme}://{host}:8080/v2/p")), "direct", "{scheme}://{host}");
                }
            }
        }
        for host in ["localhost.example.com", "128.0.0.1", "[::2]", "0.0.0.0"] {
            assert_eq!(route(&every, &format!("https://{host}")), "http://lower-https:1", "{host}");
        }
    }

    #[test]
    fn the_variables_are_tried_in_curls_order() {
        let every = rules(EVERY_PROXY);
        assert_eq!(route(&every, "https://workspace.example.com"), "http://lower-https:1");
        assert_eq!(route(&every, "http://workspace.example.com"), "http://lower-http:1");
        let order = [
            ("https_proxy", "http://a:1"),
            ("HTTPS_PROXY", "http://b:1"),
            ("all_proxy", "http://c:1"),
            ("ALL_PROXY", "http://d:1"),
        ];
        for i in 0..order.len() {
            assert_eq!(route(&rules(&order[i..]), "https://x.example"), order[i].1);
        }
        // Empty counts as unset; HTTP_PROXY is never read.
        assert_eq!(
            route(&rules(&[("https_proxy", " "), ("ALL_PROXY", "http://d:1")]), "https://x.example"),
            "http://d:1"
        );
        assert_eq!(route(&rules(&[("HTTP_PROXY", "http://b:1")]), "http://x.example"), "direct");
        assert_eq!(
            route(&rules(&[("HTTP_PROXY", "http://b:1"), ("ALL_PROXY", "http://d:1")]), "http://x.example"),
            "http://d:1"
        );
        assert_eq!(route(&rules(&[("http_proxy", "http://a:1")]), "https://x.example"), "direct");
        assert!(rules(&[("NO_PROXY", "*")]).is_empty());
        assert!(!rules(&[("all_proxy", "http://a:1")]).is_empty());
    }

    #[test]
    fn proxy_values_are_read_as_curl_reads_them() {
        let proxy = |value: &str| route(&rules(&[("HTTPS_PROXY", value)]), "https://x.example");
        assert_eq!(proxy("proxy.corp:3128"), "http://proxy.corp:3128");
        assert_eq!(proxy(" http://proxy.corp:3128/ "), "http://proxy.corp:3128");
        assert_eq!(proxy("HTTPS://proxy.corp"), "https://proxy.corp");
        assert_eq!(proxy("http://user:p%40ss@proxy.corp:3128"), "http://user:p%40ss@proxy.corp:3128");
        for (value, why) in [
            ("socks5h://user:hunter2@proxy.corp:1080", "uses socks5h://, which this client does not support"),
            ("http://user:hunter2@", ""),
            ("http://proxy corp:hunter2", "is not a URL"),
        ] {
            let got = proxy(value);
            assert!(got.starts_with("unusable: the proxy in HTTPS_PROXY cannot be used: its value "), "{value}: {got}");
            assert!(got.contains(why), "{value}: {got}");
            assert!(!got.contains("hunter2"), "{value}: {got}");
        }
        let refused: ProxyRules<String> =
            ProxyRules::read(|n| (n == "ALL_PROXY").then(|| "http://p:1".to_owned()), |_| None);
        assert!(format!("{:?}", refused.route("https", "x.example")).contains("ALL_PROXY cannot be used"));
        // The loopback rule and NO_PROXY come first: an unusable proxy is no error for them.
        let socks = rules(&[("ALL_PROXY", "socks5://proxy:1080"), ("NO_PROXY", ".internal")]);
        assert_eq!(route(&socks, "http://127.0.0.1:1"), "direct");
        assert_eq!(route(&socks, "https://api.internal"), "direct");
        assert!(route(&socks, "https://x.example").starts_with("unusable: the proxy in ALL_PROXY"));
    }

    #[test]
    fn no_proxy_takes_the_forms_curl_takes() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "example.com",
                &["example.com", "a.example.com", "a.b.Example.COM", "example.com."],
                &["notexample.com", "example.com.evil", "example.co"],
            ),
            (".example.com", &["example.com", "a.example.com"], &["notexample.com"]),
            ("*.example.com", &["example.com", "a.example.com"], &["notexample.com"]),
            ("example.com.", &["example.com", "a.example.com"], &["notexample.com"]),
            ("*", &["example.com", "[2001:db8::1]", "192.0.2.1"], &[]),
            ("192.0.2.1", &["192.0.2.1"], &["192.0.2.2", "192.0.2.1.example"]),
            ("192.0.2.0/24", &["192.0.2.1", "192.0.2.255", "[::ffff:c000:201]"], &["192.0.3.1"]),
            ("0.0.0.0/0", &["198.51.100.7"], &["[2001:db8::1]", "example.com"]),
            ("2001:db8::1", &["[2001:db8::1]", "[2001:DB8:0::1]"], &["[2001:db8::2]"]),
            ("[2001:db8::1]", &["[2001:db8::1]"], &["[2001:db8::2]"]),
            ("2001:db8::/32", &["[2001:db8:ffff::1]"], &["[2001:db9::1]", "192.0.2.1"]),
            (" example.com , 192.0.2.9 ", &["a.example.com", "192.0.2.9"], &["example.org"]),
            ("example.com:443", &[], &["example.com"]),
            ("192.0.2.0/33,example.org/8,,", &[], &["192.0.2.1", "example.org"]),
            ("10.0.0.0/8,example.org", &["10.200.0.1", "example.org"], &["11.0.0.1", "example.com"]),
        ];
        for (list, direct, proxied) in cases {
            let rules = with_no_proxy(list);
            for host in *direct {
                assert_eq!(route(&rules, &format!("https://{host}")), "direct", "NO_PROXY={list:?}, {host}");
            }
            for host in *proxied {
                assert_eq!(route(&rules, &format!("https://{host}")), "http://proxy:3128", "NO_PROXY={list:?}, {host}");
            }
        }
        // `no_proxy` before `NO_PROXY`, as curl reads them; empty counts as unset.
        let both = rules(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "a.example"), ("NO_PROXY", "b.example")]);
        assert_eq!(route(&both, "https://a.example"), "direct");
        assert_eq!(route(&both, "https://b.example"), "http://p:1");
        let empty = rules(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", ""), ("NO_PROXY", "b.example")]);
        assert_eq!(route(&empty, "https://b.example"), "direct");
    }

    #[test]
    fn the_rules_debug_shows_no_proxy_url() {
        let text =
            format!("{:?}", rules(&[("HTTPS_PROXY", "http://user:hunter2@proxy:3128"), ("NO_PROXY", "a.example")]));
        assert!(text.contains("HTTPS_PROXY") && text.contains("a.example"), "{text}");
        assert!(!text.contains("hunter2") && !text.contains("proxy:3128"), "{text}");
    }
}
