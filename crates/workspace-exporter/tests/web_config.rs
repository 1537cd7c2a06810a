//! `--web.config.file`: TLS with a certificate made here, basic authentication with bcrypt
//! hashes and client certificates, checked with curl.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use support::process::ExporterProcess;

/// A CA, a server certificate for `localhost` and a client certificate, as PEM files in `dir`.
struct Pki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn pki(dir: &Path) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "workspace-exporter test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names).unwrap().signed_by(&key, &ca).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (cert, key) = leaf(vec!["localhost".to_owned()]);
    let (client_cert, client_key) = leaf(vec!["prometheus.test".to_owned()]);
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    Pki {
        ca: write("ca.pem", &ca.pem()),
        cert: write("server.pem", &cert),
        key: write("server.key", &key),
        client_cert: write("client.pem", &client_cert),
        client_key: write("client.key", &client_key),
    }
}

/// The exporter with `--emulator` and this web configuration.
fn exporter(dir: &Path, web_config: &str) -> ExporterProcess {
    let path = dir.join("web.yml");
    std::fs::write(&path, web_config).unwrap();
    let path = path.to_str().unwrap().to_owned();
    ExporterProcess::start(&["--emulator", "--interval", "1", "--listen", "127.0.0.1:0", "--web.config.file", &path])
}

/// What curl got from `url` (with `localhost` resolved to the exporter's address): the HTTP
/// status (0 when there was no HTTP answer) and the body.
fn curl(exporter: &ExporterProcess, scheme: &str, args: &[&str]) -> (u16, String) {
    let port = exporter.addr.rsplit_once(':').unwrap().1;
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "60", "--resolve", &format!("localhost:{port}:127.0.0.1")])
        .args(["-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .arg(format!("{scheme}://localhost:{port}/metrics"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("curl runs (it is installed by .ci/run): {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

#[test]
fn tls_and_basic_auth_let_in_only_the_right_password() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let hash = bcrypt::hash("correct horse", 4).unwrap();
    // Relative paths are taken from the file's directory, as exporter-toolkit does.
    let exporter = exporter(
        dir.path(),
        &format!(
            "tls_server_config:\n  cert_file: server.pem\n  key_file: {}\nbasic_auth_users:\n  prometheus: '{hash}'\n",
            pki.key.display()
        ),
    );
    let ca = pki.ca.to_str().unwrap();

    let (status, body) = curl(&exporter, "https", &["--cacert", ca, "-u", "prometheus:correct horse"]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("huaweicloud_workspace_up{"), "{body}");
    // Again: the second time comes from the remembered result, with the same answer.
    assert_eq!(curl(&exporter, "https", &["--cacert", ca, "-u", "prometheus:correct horse"]).0, 200);

    for (what, args) in [
        ("a wrong password", vec!["--cacert", ca, "-u", "prometheus:wrong"]),
        ("an unknown user", vec!["--cacert", ca, "-u", "nobody:correct horse"]),
        ("no password", vec!["--cacert", ca]),
    ] {
        let (status, body) = curl(&exporter, "https", &args);
        assert_eq!(status, 401, "{what}: {body}");
        assert!(!body.contains("huaweicloud_workspace"), "{what}: {body}");
    }

    // Plain HTTP to the TLS port gets no metrics, whatever the password.
    let (status, body) = curl(&exporter, "http", &["-u", "prometheus:correct horse"]);
    assert_ne!(status, 200, "{body}");
    assert!(!body.contains("huaweicloud_workspace"), "{body}");
    // A client that does not trust the certificate does not get them either.
    let (status, body) = curl(&exporter, "https", &["-u", "prometheus:correct horse"]);
    assert_eq!(status, 0, "{body}");

    let (status, stderr) = exporter.terminate();
    assert!(status.success(), "{stderr:?}");
    assert!(stderr.iter().any(|l| l.contains("msg=\"listening on https://127.0.0.1:")), "{stderr:?}");
    assert!(!stderr.iter().any(|l| l.contains(&hash) || l.contains("correct horse")), "{stderr:?}");
}

#[test]
fn a_required_client_certificate_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let exporter = exporter(
        dir.path(),
        &format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
            pki.cert.display(),
            pki.key.display(),
            pki.ca.display()
        ),
    );
    let ca = pki.ca.to_str().unwrap();
    let (status, body) = curl(
        &exporter,
        "https",
        &["--cacert", ca, "--cert", pki.client_cert.to_str().unwrap(), "--key", pki.client_key.to_str().unwrap()],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("huaweicloud_workspace_up{"), "{body}");
    let (status, body) = curl(&exporter, "https", &["--cacert", ca]);
    assert_ne!(status, 200, "without a client certificate: {body}");
    assert!(!body.contains("huaweicloud_workspace"), "{body}");
}

#[test]
fn a_bad_web_configuration_exits_3_naming_the_field_and_never_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let run = |text: &str| {
        let path = dir.path().join("web.yml");
        std::fs::write(&path, text).unwrap();
        let out = Command::new(support::process::EXPORTER)
            .args(["--emulator", "--listen", "127.0.0.1:0", "--web.config.file", path.to_str().unwrap()])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr
    };
    let line = run("basic_auth_users:\n  alice: plain-text-secret\n");
    assert!(line.contains("basic_auth_users.alice must be a bcrypt hash"), "{line}");
    assert!(!line.contains("plain-text-secret"), "{line}");
    let line = run("tls_server_config:\n  cert_file: missing.pem\n  key_file: missing.key\n");
    assert!(line.contains("tls_server_config.cert_file") && line.contains("missing.pem"), "{line}");
    let line = run("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n");
    assert!(line.contains("client_auth_type"), "{line}");
    let line = run("basic_auth_user:\n  alice: x\n");
    assert!(line.contains("basic_auth_user is not a known field"), "{line}");
}
