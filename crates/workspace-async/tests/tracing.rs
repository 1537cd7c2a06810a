//! What tracing shows of failing and succeeding calls: attempts and decisions, never a secret and
//! never a user name. Alone in its test binary: tracing caches per call site whether anyone
//! listens, so a test running beside it without a subscriber could hide its events.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use workspace_async::{ClientOptions, Query};

use workspace_async::{Client, Credentials};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator, EmulatorConfig};

#[tokio::test(flavor = "current_thread")]
async fn tracing_shows_no_secret_and_no_user_name() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(20)).unwrap();
    let user = emu.desktops()[3].user_names().next().unwrap().to_owned();
    let captured = setup::Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let build = |sk: &str| {
        Client::builder(
            ClientOptions::builder()
                .endpoint(emu.base_url())
                .project_id(emu.project_id())
                .credentials(Credentials::ak_sk(DEMO_AK, sk).unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
    };
    assert!(build(DEMO_SK).send(&Query::new().user_name(user.clone())).await.is_ok());
    assert!(build("wrong-secret").send(&Query::new().user_name(user.clone())).await.is_err());
    let text = captured.text();
    assert!(text.contains("status=200") && text.contains("status=401"), "{text}");
    for secret in [DEMO_SK, "wrong-secret", user.as_str()] {
        assert!(!text.contains(secret), "tracing output shows {secret}:\n{text}");
    }
}
