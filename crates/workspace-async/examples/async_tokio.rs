//! The async client on tokio: reads every connected desktop as a stream while three counts run
//! concurrently, against an in-process emulator.
//!
//! ```text
//! cargo run -p workspace-async --example async_tokio
//! ```

use workspace_async::types::ConnectStatus;
use workspace_async::{Client, Query};
use workspace_emulator::{Emulator, EmulatorConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default().desktops(500))?;
    let client = Client::new(emulator.client_options()?.build()?)?;

    let counts: Vec<_> = ConnectStatus::KNOWN
        .iter()
        .map(|status| {
            let client = client.clone();
            let status = status.clone();
            tokio::spawn(async move {
                let page = client.send(&Query::new().connect_status(status.clone()).limit(0)).await;
                (status, page.map(|p| p.total_count().unwrap_or(0)))
            })
        })
        .collect();

    let mut items = client.items(&Query::new().connect_status(ConnectStatus::Connected).limit(50));
    let mut connected = 0;
    while let Some(desktop) = items.next().await {
        desktop?;
        connected += 1;
    }
    println!("read {connected} connected desktops in pages of 50");
    for task in counts {
        let (status, count) = task.await?;
        println!("{status:<13} {}", count?);
    }
    Ok(())
}
