//! A real Prometheus server scrapes the exporter, and its query API returns the counts.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::process::{ExporterProcess, PATIENCE, get, prometheus_tool, try_get};

/// A Prometheus server, killed when dropped.
struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn prometheus_scrapes_the_counts() {
    let binary = prometheus_tool("prometheus");
    let exporter = ExporterProcess::start(&["--emulator", "--interval", "1", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: workspace\n    static_configs:\n      - targets: ['{}']\n",
            exporter.addr
        ),
    )
    .unwrap();
    let port = free_port();
    let _prometheus = Prometheus(
        Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );

    let url = format!("http://127.0.0.1:{port}/api/v1/query?query=huaweicloud_workspace_desktops");
    let start = Instant::now();
    let result = loop {
        // Connection refused until Prometheus listens: keep asking.
        if let Ok((200, text)) = try_get(&url, None).await {
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if let Some(result) = body["data"]["result"].as_array().filter(|r| r.len() == 4) {
                break result.clone();
            }
        }
        assert!(
            start.elapsed() < PATIENCE,
            "Prometheus never had the counts; exporter: {:?}",
            exporter.stderr_so_far()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut statuses = Vec::new();
    let mut total = 0.0;
    for series in &result {
        let metric = &series["metric"];
        assert_eq!(metric["project_id"], "5f0c6a1e9b7d4c2a8e3f1b0d7a6c9e21");
        assert_eq!(metric["region"], "cn-north-4");
        assert_eq!(metric["job"], "workspace");
        statuses.push(metric["connect_status"].as_str().unwrap().to_owned());
        total += series["value"][1].as_str().unwrap().parse::<f64>().unwrap();
    }
    statuses.sort();
    assert_eq!(statuses, ["CONNECTED", "DISCONNECTED", "REGISTERED", "UNREGISTER"]);
    assert_eq!(total, 200.0);

    let (_, up) = get(&format!("http://127.0.0.1:{port}/api/v1/query?query=huaweicloud_workspace_up"), None).await;
    assert!(up.contains("\"value\":[") && up.contains(",\"1\"]"), "{up}");
}
