//! `--web.config.file`: TLS and basic authentication in the format of Prometheus's
//! exporter-toolkit, so that the file node_exporter reads serves here too.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

use crate::basic_auth::BasicAuth;
use crate::yaml_file::{self, Fields, FileError};

/// The web configuration: TLS when `tls_server_config` is there, and the users of basic
/// authentication when `basic_auth_users` is. The file is read once, at the start.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// The TLS server configuration, with the certificate and key read.
    pub tls: Option<Arc<ServerConfig>>,
    /// The users and their bcrypt hashes; empty when every request is let in.
    pub users: BasicAuth,
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig").field("tls", &self.tls.is_some()).field("users", &self.users).finish()
    }
}

/// The client certificate policies, as exporter-toolkit names them, that this exporter applies.
const CLIENT_AUTH_TYPES: [&str; 3] = ["NoClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"];

impl WebConfig {
    /// Reads the file at `path`, its certificate, key and client CA files included (a relative
    /// path is taken from the file's directory), and checks the password hashes.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let yaml = yaml_file::load(path)?;
        let root = Fields::new(path, "", &yaml)?;
        root.only(&["tls_server_config", "basic_auth_users", "http_server_config"])?;
        if root.value("http_server_config").is_some() {
            return Err(root.error("http_server_config", None, "is not supported by this exporter (HTTP/1.1 only)"));
        }
        let tls = root.mapping("tls_server_config")?.map(|tls| tls_config(&tls)).transpose()?;
        let users = match root.mapping("basic_auth_users")? {
            Some(users) => BasicAuth::from_fields(&users)?,
            None => BasicAuth::default(),
        };
        Ok(Self { tls, users })
    }
}

/// `tls_server_config`: `cert_file`, `key_file`, optionally `client_ca_file`,
/// `client_auth_type` and `min_version`.
fn tls_config(tls: &Fields<'_>) -> Result<Arc<ServerConfig>, FileError> {
    tls.only(&["cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"])?;
    let auth_type = tls.string("client_auth_type")?;
    if let Some(other) = auth_type.as_deref().filter(|t| !CLIENT_AUTH_TYPES.contains(t)) {
        return Err(tls.error(
            "client_auth_type",
            Some(other),
            format!("must be one of {}", CLIENT_AUTH_TYPES.join(", ")),
        ));
    }
    let required = |key: &str| tls.file_path(key)?.ok_or_else(|| tls.error(key, None, "is required"));
    let (cert_file, key_file) = (required("cert_file")?, required("key_file")?);
    let certs = CertificateDer::pem_file_iter(&cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| unreadable(tls, "cert_file", &cert_file, &e))?;
    if certs.is_empty() {
        return Err(tls.error("cert_file", Some(&cert_file.display().to_string()), "holds no PEM certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(&key_file).map_err(|e| unreadable(tls, "key_file", &key_file, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match tls.string("min_version")?.as_deref() {
        None | Some("TLS12") => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Some("TLS13") => &[&rustls::version::TLS13],
        Some(other) => {
            return Err(tls.error(
                "min_version",
                Some(other),
                "must be TLS12 or TLS13 (TLS 1.0 and 1.1 are not offered)",
            ));
        }
    };
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(|e| tls.error("min_version", None, format!("cannot be used: {e}")))?;
    let ca_file = tls.file_path("client_ca_file")?;
    let builder = match (auth_type.as_deref().unwrap_or("NoClientCert"), ca_file) {
        ("NoClientCert", None) => builder.with_no_client_auth(),
        ("NoClientCert", Some(_)) => {
            return Err(tls.error(
                "client_auth_type",
                auth_type.as_deref(),
                "must be VerifyClientCertIfGiven or RequireAndVerifyClientCert when client_ca_file is given",
            ));
        }
        (verify @ ("VerifyClientCertIfGiven" | "RequireAndVerifyClientCert"), Some(ca_file)) => {
            let mut roots = RootCertStore::empty();
            let cas = CertificateDer::pem_file_iter(&ca_file)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| unreadable(tls, "client_ca_file", &ca_file, &e))?;
            let (added, _) = roots.add_parsable_certificates(cas);
            if added == 0 {
                return Err(tls.error(
                    "client_ca_file",
                    Some(&ca_file.display().to_string()),
                    "holds no usable CA certificate",
                ));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider));
            let verifier =
                if verify == "VerifyClientCertIfGiven" { verifier.allow_unauthenticated() } else { verifier };
            let verifier =
                verifier.build().map_err(|e| tls.error("client_ca_file", None, format!("cannot be used: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
        ("VerifyClientCertIfGiven" | "RequireAndVerifyClientCert", None) => {
            return Err(tls.error(
                "client_ca_file",
                None,
                format!("is required with client_auth_type {}", auth_type.unwrap_or_default()),
            ));
        }
        (other, _) => {
            return Err(tls.error(
                "client_auth_type",
                Some(other),
                format!("must be one of {}", CLIENT_AUTH_TYPES.join(", ")),
            ));
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        tls.error("key_file", Some(&key_file.display().to_string()), format!("does not match cert_file: {e}"))
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn unreadable(tls: &Fields<'_>, key: &str, path: &Path, e: &rustls_pki_types::pem::Error) -> FileError {
    tls.error(key, Some(&path.display().to_string()), format!("cannot be read as PEM: {e}"))
}
