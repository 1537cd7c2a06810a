//! Lists the connected desktops of a fleet, and counts desktops per status, with the blocking
//! client. Runs against an in-process emulator, or against the endpoint in `WORKSPACE_ENDPOINT`
//! with `HUAWEICLOUD_SDK_PROJECT_ID`, `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`.
//!
//! ```text
//! cargo run -p workspace-blocking --example blocking
//! ```

use workspace_blocking::types::ConnectStatus;
use workspace_blocking::{Client, Credentials};
use workspace_blocking::{ClientOptions, Query};
use workspace_emulator::{Emulator, EmulatorConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_emulator, client) = client()?;

    println!("connected desktops:");
    for desktop in client.items(&Query::new().connect_status(ConnectStatus::Connected).limit(100)) {
        let d = desktop?;
        let users: Vec<&str> = d.user_names().collect();
        println!("  {:<16} {}", d.desktop_name.as_deref().unwrap_or("?"), users.join(", "));
    }
    for status in ConnectStatus::KNOWN {
        let page = client.send(&Query::new().connect_status(status.clone()).limit(0))?;
        println!("{status:<13} {}", page.total_count().unwrap_or(0));
    }
    Ok(())
}

/// A client for the real service when configured, else for a local emulator.
fn client() -> Result<(Option<Emulator>, Client), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok();
    if let (Some(endpoint), Some(project), Some(ak), Some(sk)) = (
        env("WORKSPACE_ENDPOINT"),
        env("HUAWEICLOUD_SDK_PROJECT_ID"),
        env("HUAWEICLOUD_SDK_AK"),
        env("HUAWEICLOUD_SDK_SK"),
    ) {
        let client = Client::new(
            ClientOptions::builder()
                .endpoint(endpoint)
                .project_id(project)
                .credentials(Credentials::ak_sk(ak, sk)?)
                .build()?,
        )?;
        return Ok((None, client));
    }
    let emulator = Emulator::start(EmulatorConfig::default().desktops(40))?;
    eprintln!("(using a local emulator at {})", emulator.base_url());
    let client = Client::new(emulator.client_options()?.build()?)?;
    Ok((Some(emulator), client))
}
