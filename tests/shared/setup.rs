//! What the clients' tests against the emulator share: options with the demo credentials, and a
//! writer that captures `tracing` output (included with `#[path]`).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use workspace_core::{ClientOptions, ClientOptionsBuilder, Credentials, RetryPolicy};
use workspace_emulator::{DEMO_AK, DEMO_SK, Emulator};

/// Options against `emu` with its demo credentials, the standard policy with short waits.
pub fn options(emu: &Emulator) -> ClientOptionsBuilder {
    ClientOptions::builder()
        .endpoint(emu.base_url())
        .project_id(emu.project_id())
        .credentials(Credentials::ak_sk(DEMO_AK, DEMO_SK).expect("demo keys"))
        .retry_policy(RetryPolicy::standard().with_backoff(Duration::from_millis(1), Duration::from_millis(1)))
}

/// A `tracing` writer that keeps what was written, to look for what must never be there.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
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
