//! Where requests go: one of the documented regions, or any base URL.

use std::fmt;
use std::net::IpAddr;

use http::Uri;
use http::uri::{Authority, Scheme};

use crate::error::ConfigError;

/// The regions where Workspace is documented, by id.
pub const REGIONS: [&str; 18] = [
    "cn-east-3",
    "cn-north-4",
    "cn-south-1",
    "cn-southwest-2",
    "la-south-2",
    "sa-brazil-1",
    "la-north-2",
    "ap-southeast-3",
    "cn-north-9",
    "ap-southeast-1",
    "cn-east-5",
    "me-east-1",
    "af-south-1",
    "tr-west-1",
    "cn-north-11",
    "af-north-1",
    "ap-southeast-2",
    "eu-west-101",
];

/// The scheme and authority requests are sent to, such as `https://workspace.cn-north-4.myhuaweicloud.com`.
///
/// `https` is required, except for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), where
/// `http` is allowed so that tests can run against a local emulator.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
}

impl Endpoint {
    /// The endpoint of a documented region, such as `cn-north-4`.
    pub fn region(id: &str) -> Result<Self, ConfigError> {
        if !REGIONS.contains(&id) {
            let rule = format!("is unknown; the known regions are {}", REGIONS.join(", "));
            return Err(ConfigError::invalid("region", id, rule));
        }
        Self::parse(&format!("https://workspace.{id}.myhuaweicloud.com"))
    }

    /// An endpoint from a base URL: `https://host[:port]`, or `http://` on a loopback host.
    /// A trailing `/` is allowed; a path, query, user info or other scheme is refused.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::invalid("endpoint", url, why);
        let uri: Uri = url.parse().map_err(|_| bad("is not a valid URL"))?;
        let scheme = uri.scheme().cloned().ok_or_else(|| bad("has no scheme (use https://)"))?;
        let authority = uri.authority().cloned().ok_or_else(|| bad("has no host"))?;
        if authority.as_str().contains('@') {
            // The URL is not echoed: user info may hold a password.
            return Err(ConfigError::invalid_secret("endpoint", "must not contain user info (user:password@)"));
        }
        if authority.host().is_empty() {
            return Err(bad("has no host"));
        }
        check_host_and_port(&authority).map_err(|why| bad(&why))?;
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(bad("must not have a path or query (give only scheme, host and port)"));
        }
        if scheme == Scheme::HTTP {
            if !is_loopback(authority.host()) {
                return Err(bad("uses http, which is allowed only for loopback hosts; use https"));
            }
        } else if scheme != Scheme::HTTPS {
            return Err(bad("must use https (or http on a loopback host)"));
        }
        Ok(Self { scheme, authority })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }

    /// The host, without a port.
    pub fn host(&self) -> &str {
        self.authority.host()
    }

    /// The port the URL gave, if any (always in 1..=65535).
    pub fn port(&self) -> Option<u16> {
        self.authority.port_u16()
    }

    /// The `Host` header: the host, with the port when the URL gave one.
    pub fn host_header(&self) -> &str {
        self.authority.as_str()
    }

    /// The base URL, such as `https://workspace.cn-north-4.myhuaweicloud.com`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// An absolute URI on this endpoint for a path and query that are already encoded.
    pub(crate) fn uri(&self, path_and_query: &str) -> Result<Uri, ConfigError> {
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| ConfigError::invalid("endpoint", self.base_url(), format!("cannot form a URL: {e}")))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({self})")
    }
}

impl std::str::FromStr for Endpoint {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Self::parse(s)
    }
}

/// Refuses an authority that could not be taken exactly as written: a port out of range, empty or
/// not a number (an HTTP library would silently send to the default port instead), or a host
/// with characters no DNS name or IP literal has.
fn check_host_and_port(authority: &Authority) -> Result<(), String> {
    let host = authority.host();
    let port = authority.as_str().strip_prefix(host).ok_or("has a host that cannot be read exactly")?;
    let ip_literal = host.starts_with('[');
    let valid_host = if ip_literal {
        host.ends_with(']') && host[1..host.len() - 1].parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if !valid_host {
        return Err(format!("has a host ({host:?}) that is not a DNS name or an IP address"));
    }
    match port.strip_prefix(':') {
        None if port.is_empty() => Ok(()),
        Some(digits)
            if !digits.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match digits.parse::<u32>() {
                Ok(1..=65535) => Ok(()),
                _ => Err(format!("has port {digits}, which is not between 1 and 65535")),
            }
        }
        _ => Err(format!("has a port ({port:?}) that is not a number between 1 and 65535")),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The global IAM endpoint, for regions without one of their own.
const GLOBAL_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The regions with an IAM endpoint of their own (`https://iam.{region}.myhuaweicloud.com`), as
/// the official SDKs' table lists them. Of Workspace's regions, `cn-north-11`, `af-north-1` and
/// `eu-west-101` are not in it and use the global endpoint, as the official SDKs do.
const REGIONAL_IAM: [&str; 26] = [
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
    "tr-west-1",
];

/// The IAM endpoint of `region`: its own where the official SDKs' table has one, else the global
/// endpoint.
pub(crate) fn iam_endpoint(region: &str) -> Result<Endpoint, ConfigError> {
    if REGIONAL_IAM.contains(&region) {
        Endpoint::parse(&format!("https://iam.{region}.myhuaweicloud.com"))
    } else {
        Endpoint::parse(GLOBAL_IAM_ENDPOINT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_parsed_endpoint_is_exactly_what_was_written(s in "(https?|ftp|HTTPS)://[a-z0-9.:\\[\\]_%-]{0,24}(:[0-9]{0,7})?/?") {
            if let Ok(e) = Endpoint::parse(&s) {
                prop_assert!(s.contains(e.host_header()), "{} not in {}", e.host_header(), s);
                prop_assert_eq!(Endpoint::parse(&e.base_url()).ok(), Some(e.clone()));
                let written = s.trim_end_matches('/').rsplit_once(':').map(|(_, p)| p).unwrap_or("");
                if let Some(port) = e.port() {
                    prop_assert_eq!(written, port.to_string());
                }
            }
        }

        #[test]
        fn ports_are_taken_exactly_or_refused(port in 0u32..200_000) {
            let parsed = Endpoint::parse(&format!("http://127.0.0.1:{port}"));
            if (1..=65535).contains(&port) {
                prop_assert_eq!(parsed.unwrap().port(), Some(port as u16));
            } else {
                prop_assert!(parsed.is_err());
            }
        }
    }

    #[test]
    fn every_region_has_its_endpoint() {
        for id in REGIONS {
            let e = Endpoint::region(id).unwrap();
            assert_eq!(e.host_header(), format!("workspace.{id}.myhuaweicloud.com"));
            assert_eq!(e.scheme(), "https");
        }
        let err = Endpoint::region("mars-1").unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { what, value: Some(v), origin: crate::ConfigOrigin::Code, .. } if what == "region" && v == "mars-1"),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(err.contains("region \"mars-1\" is unknown") && err.contains("cn-north-4, cn-south-1"), "{err}");
    }

    #[test]
    fn custom_urls() {
        let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((e.host(), e.host_header()), ("127.0.0.1", "127.0.0.1:8080"));
        assert_eq!(Endpoint::parse("https://example.com:8443/").unwrap().host_header(), "example.com:8443");
        assert!(Endpoint::parse("http://localhost:1").is_ok());
        assert!(Endpoint::parse("http://[::1]:1").is_ok());
        for (bad, why) in [
            ("http://example.com", "allowed only for loopback"),
            ("ftp://example.com", "must use https"),
            ("https://user:pw@example.com", "must not contain user info"),
            ("https://example.com/v2", "must not have a path"),
            ("https://example.com/?a=b", "must not have a path"),
            ("example.com", "has no scheme"),
            ("https://exa mple.com", "not a valid URL"),
            ("http://127.0.0.1:99999", "port 99999, which is not between 1 and 65535"),
            ("http://localhost:65536", "port 65536"),
            ("https://127.0.0.1:70000", "port 70000"),
            ("https://example.com:0", "not a number between 1 and 65535"),
            ("https://example.com:080", "not a number between 1 and 65535"),
            ("https://example.com:", "not a number"),
            ("https://exa_mple.com", "not a DNS name"),
        ] {
            let err = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(!err.contains("pw"), "{err}");
        }
    }

    #[test]
    fn endpoints_by_region_as_the_official_table_has_them() {
        assert_eq!(iam_endpoint("cn-north-4").unwrap().host_header(), "iam.cn-north-4.myhuaweicloud.com");
        assert_eq!(iam_endpoint("tr-west-1").unwrap().host_header(), "iam.tr-west-1.myhuaweicloud.com");
        for global in ["cn-north-11", "af-north-1", "eu-west-101", "my-private-region"] {
            assert_eq!(iam_endpoint(global).unwrap().host_header(), "iam.myhuaweicloud.com", "{global}");
        }
        let regional = REGIONS.iter().filter(|r| REGIONAL_IAM.contains(r)).count();
        assert_eq!(regional, 15, "15 of Workspace's 18 regions have a regional IAM endpoint");
    }
}
