//! What tracing shows of failing and succeeding calls: attempts and decisions, never a secret and
//! never a user name. Alone in its test binary: tracing caches per call site whether anyone
//! listens, so a test running beside it without a subscriber could hide its events.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use workspace_blocking::{ClientOptions, Query};

use workspace_blocking::{Client, Credentials};
use workspace_emulator::{Emulator, EmulatorConfig, KeyPair};

/// Collects everything a `fmt` subscriber writes.
#[test]
fn tracing_shows_attempts_and_decisions_but_no_secret_and_no_user_name() {
    const SK: &str = "temporary-secret-key-value";
    const TOKEN: &str = "temporary-security-token-value";
    let emu =
        Emulator::start(EmulatorConfig::default().desktops(20).keys(vec![KeyPair::temporary("TMPAK", SK, TOKEN)]))
            .unwrap();
    emu.push_faults([workspace_emulator::FaultRule::new(workspace_emulator::Fault::status(503), 1)]);
    let user = emu.desktops()[3].user_names().next().unwrap().to_owned();
    let captured = setup::Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let good = Client::builder(
            ClientOptions::builder()
                .endpoint(emu.base_url())
                .project_id(emu.project_id())
                .credentials(Credentials::temporary("TMPAK", SK, TOKEN).unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
        assert!(good.send(&Query::new().user_name(user.clone())).is_ok());
        let bad = Client::builder(
            ClientOptions::builder()
                .endpoint(emu.base_url())
                .project_id(emu.project_id())
                .credentials(Credentials::temporary("TMPAK", "wrong-secret-key-value", TOKEN).unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
        assert!(bad.send(&Query::new().user_name(user.clone())).is_err());
    });
    let text = captured.text();
    for expected in [
        "attempt=1",
        "status=503",
        "retrying",
        "status=200",
        "request_id=",
        "status=401",
        "giving up",
        "APIGW.0301",
        "latency_ms=",
    ] {
        assert!(text.contains(expected), "tracing output lacks {expected}:\n{text}");
    }
    for secret in [SK, TOKEN, "wrong-secret-key-value", user.as_str()] {
        assert!(!text.contains(secret), "tracing output shows {secret}:\n{text}");
    }
}
