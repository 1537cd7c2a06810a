//! What the clients' tests against the emulator share: options with the demo credentials or from
//! the environment, and what the tracing suite needs.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use workspace_config::{ConfigLoader, MapEnvironment};
use workspace_core::{ClientOptions, ClientOptionsBuilder, Credentials, RetryPolicy};
use workspace_emulator::{DEMO_AK, DEMO_SK, Desktop, Emulator, EmulatorConfig, Fault, FaultRule, KeyPair};

/// Options against `emu` with its demo credentials, the standard policy with short waits.
pub fn options(emu: &Emulator) -> ClientOptionsBuilder {
    emu.client_options()
        .expect("the emulator's credentials")
        .retry_policy(RetryPolicy::standard().with_backoff(Duration::from_millis(1), Duration::from_millis(1)))
}

/// Options as `HUAWEICLOUD_SDK_*` variables alone give them: the demo keys, region `cn-north-4`
/// served by `emu`, and the project discovered from `emu` as IAM.
pub fn options_from_environment(emu: &Emulator) -> ClientOptions {
    let env = MapEnvironment::new()
        .var("HUAWEICLOUD_SDK_AK", DEMO_AK)
        .var("HUAWEICLOUD_SDK_SK", DEMO_SK)
        .var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", &emu.base_url())
        .var("HUAWEICLOUD_SDK_IAM_ENDPOINT", &emu.base_url());
    let explicit = ClientOptions::builder().region("cn-north-4");
    ConfigLoader::with_environment(env).load(explicit).expect("the environment is enough").into_options()
}

/// Options from the environment whose region's endpoints are `dead_url` (nothing listens) then
/// `live`, without retries: only failover can reach `live`.
pub fn options_failing_over(dead_url: &str, live: &Emulator) -> ClientOptions {
    let env = MapEnvironment::new()
        .var("HUAWEICLOUD_SDK_AK", DEMO_AK)
        .var("HUAWEICLOUD_SDK_SK", DEMO_SK)
        .var("HUAWEICLOUD_SDK_PROJECT_ID", live.project_id())
        .var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", &format!("{dead_url},{}", live.base_url()));
    let explicit = ClientOptions::builder().region("cn-north-4").retry_policy(RetryPolicy::disabled());
    ConfigLoader::with_environment(env).load(explicit).expect("the environment is enough").into_options()
}

/// A URL where nothing listens: a port that was bound, then let go.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", listener.local_addr().expect("addr"))
}

/// A change of the fleet while it is being paged through.
#[derive(Clone, Copy, Debug)]
pub enum Shift {
    /// Ten new desktops in front: items move onto the next page.
    Grow,
    /// The first twenty desktops removed: items move back onto pages already read.
    Shrink,
}

/// The fleet `original` after `shift`.
pub fn shifted(original: &[Desktop], shift: Shift) -> Vec<Desktop> {
    match shift {
        Shift::Grow => {
            let mut fleet: Vec<Desktop> = original[..10]
                .iter()
                .map(|d| Desktop { desktop_id: format!("new-{}", d.desktop_id), ..d.clone() })
                .collect();
            fleet.extend(original.iter().cloned());
            fleet
        }
        Shift::Shrink => original[20..].to_vec(),
    }
}

/// The temporary credentials of [`tracing_emulator`].
pub const TMP_AK: &str = "TMPAK";
/// Their secret key.
pub const TMP_SK: &str = "temporary-secret-key-value";
/// Their security token.
pub const TMP_TOKEN: &str = "temporary-security-token-value";
/// A secret key that is wrong for [`TMP_AK`].
pub const WRONG_SK: &str = "wrong-secret-key-value";

/// An emulator that knows only the temporary credentials and answers the first request with a
/// 503, and a user name of its fleet.
pub fn tracing_emulator() -> (Emulator, String) {
    let keys = vec![KeyPair::temporary(TMP_AK, TMP_SK, TMP_TOKEN)];
    let emu = Emulator::start(EmulatorConfig::default().desktops(20).keys(keys)).expect("the emulator starts");
    emu.push_faults([FaultRule::new(Fault::status(503), 1)]);
    let user = emu.desktops()[3].user_names().next().expect("a user").to_owned();
    (emu, user)
}

/// Options against `emu` with the temporary credentials and the secret key `sk`.
pub fn temporary_options(emu: &Emulator, sk: &str) -> ClientOptions {
    ClientOptions::builder()
        .endpoint(emu.base_url())
        .project_id(emu.project_id())
        .credentials(Credentials::temporary(TMP_AK, sk, TMP_TOKEN).expect("valid credentials"))
        .build()
        .expect("options")
}

/// Checks what a call that was retried after a 503 and one refused with a 401 traced: attempts,
/// statuses, decisions and ids, but no secret and no user name.
pub fn check_trace(text: &str, user: &str) {
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
    for secret in [TMP_SK, TMP_TOKEN, WRONG_SK, user] {
        assert!(!text.contains(secret), "tracing output shows {secret}:\n{text}");
    }
}

/// A `tracing` writer that keeps what was written, to look for what must never be there.
#[derive(Clone, Debug, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// A subscriber of every level that writes here, without colours.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish()
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
