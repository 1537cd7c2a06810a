//! Polling on the interval: one poll at a time, failures reported and slowed when they will not
//! pass by themselves.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, sleep_until};
use workspace_exporter::Exporter;

use crate::report::report;

/// The least wait after an error that polling again will not mend (401, 403, other 4xx):
/// five refused AK/SK signatures in a row lock the key for five minutes.
const PERMANENT_ERROR_WAIT: Duration = Duration::from_secs(15 * 60);

/// Polls now, then every `interval` from the start of the previous poll (at once when a poll
/// took longer), forever.
pub(crate) async fn run(exporter: Arc<Exporter>, interval: Duration) {
    let mut failures = 0u64;
    loop {
        let started = Instant::now();
        let wait = match exporter.poll_once().await {
            Ok(()) => {
                if failures > 0 {
                    report(&format!("poll succeeded after {failures} failed"));
                }
                failures = 0;
                interval
            }
            Err(e) => {
                failures += 1;
                let (wait, why) = if e.is_permanent() {
                    (interval.max(PERMANENT_ERROR_WAIT), "this error will not pass by itself; ")
                } else {
                    (interval, "")
                };
                report(&format!(
                    "poll failed ({failures} in a row), {why}trying again in {} s: {e}",
                    wait.as_secs_f64()
                ));
                wait
            }
        };
        sleep_until(started + wait).await;
    }
}
