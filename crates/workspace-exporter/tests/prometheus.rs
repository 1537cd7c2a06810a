//! A real Prometheus server scrapes the exporter: its query API returns the counts, and every
//! expression of the shipped dashboard and alerting rules returns data.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
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
    let exporter = ExporterProcess::start(&["--emulator", "--interval", "1", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let (_prometheus, port) = prometheus(
        dir.path(),
        &format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: workspace\n    static_configs:\n      - targets: ['{}']\n",
            exporter.addr
        ),
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

/// Starts Prometheus on a free port with this configuration; returns it and its port.
fn prometheus(dir: &Path, config: &str) -> (Prometheus, u16) {
    let path = dir.join("prometheus.yml");
    std::fs::write(&path, config).unwrap();
    let port = free_port();
    let child = Command::new(prometheus_tool("prometheus"))
        .arg(format!("--config.file={}", path.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    (Prometheus(child), port)
}

/// `deploy/` in the repository.
fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

/// Every PromQL expression of the dashboard: each panel's queries, and the selector of each
/// `label_values(...)` variable.
fn dashboard_expressions() -> Vec<String> {
    let text = std::fs::read_to_string(deploy().join("grafana/workspace.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            found.push(target["expr"].as_str().unwrap().to_owned());
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if let Some(query) = variable["query"]["query"].as_str() {
            let inner = query.strip_prefix("label_values(").and_then(|q| q.rsplit_once(',')).unwrap().0;
            found.push(inner.to_owned());
        }
    }
    assert!(found.len() >= 8, "{found:?}");
    found
}

/// Each alerting rule's expression with its final comparison made a `bool` one, so that it
/// returns data whether or not the alert would fire; every rule must end with a comparison to
/// a number.
fn rule_expressions() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(deploy().join("prometheus/alerts.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
    let mut found = Vec::new();
    for group in docs[0]["groups"].as_vec().unwrap() {
        for rule in group["rules"].as_vec().unwrap() {
            let name = rule["alert"].as_str().unwrap().to_owned();
            let expr = rule["expr"].as_str().unwrap().trim();
            let (left, number) = expr.rsplit_once(' ').unwrap();
            assert!(number.parse::<f64>().is_ok(), "{name}: ends with a number");
            let left = left.trim_end();
            let op = [">=", "<=", "==", "!=", ">", "<"].into_iter().find(|op| left.ends_with(op));
            assert!(op.is_some(), "{name}: ends with a comparison to a number");
            found.push((name, format!("{left} bool {number}")));
        }
    }
    assert_eq!(found.len(), 5, "{found:?}");
    found
}

/// `expr` as Grafana sends it with every project and region selected.
fn substituted(expr: &str) -> String {
    expr.replace("$project_id", ".*")
        .replace("$region", ".*")
        .replace("$__rate_interval", "15s")
        .replace("$__range", "1m")
        .replace("$__interval", "1s")
}

#[tokio::test]
async fn every_dashboard_and_rule_expression_returns_data() {
    let exporter = ExporterProcess::start(&[
        "--emulator",
        "--interval",
        "1",
        "--per-desktop",
        "--transitions",
        "--listen",
        "127.0.0.1:0",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let rules = deploy().join("prometheus/alerts.yml").canonicalize().unwrap();
    let (_prometheus, port) = prometheus(
        dir.path(),
        &format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - '{}'\nscrape_configs:\n  - job_name: workspace-exporter\n    static_configs:\n      - targets: ['{}']\n",
            rules.display(),
            exporter.addr
        ),
    );
    let mut expressions: Vec<(String, String)> =
        dashboard_expressions().into_iter().map(|e| (format!("dashboard: {e}"), substituted(&e))).collect();
    expressions.extend(rule_expressions().into_iter().map(|(name, e)| (format!("rule {name}"), e)));

    // Wait, bounded, until each expression has returned data once (the range functions need a
    // few scrapes, transitions a few polls).
    let start = Instant::now();
    let mut missing: Vec<(String, String)> = expressions;
    while !missing.is_empty() {
        let mut still = Vec::new();
        for (name, expr) in missing {
            let url =
                format!("http://127.0.0.1:{port}/api/v1/query?query={}", utf8_percent_encode(&expr, NON_ALPHANUMERIC));
            match try_get(&url, None).await {
                Ok((200, text)) => {
                    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(body["status"], "success", "{name}: {text}");
                    if body["data"]["result"].as_array().is_none_or(Vec::is_empty) {
                        still.push((name, expr));
                    }
                }
                // Not up yet.
                Ok((_, _)) | Err(_) => still.push((name, expr)),
            }
        }
        missing = still;
        assert!(start.elapsed() < 2 * PATIENCE, "no data from: {missing:#?}; exporter: {:?}", exporter.stderr_so_far());
        if !missing.is_empty() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    // Prometheus loaded the rules and evaluates them without error.
    let (status, text) = get(&format!("http://127.0.0.1:{port}/api/v1/rules"), None).await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rules: Vec<&serde_json::Value> =
        body["data"]["groups"].as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().unwrap()).collect();
    assert_eq!(rules.len(), 5, "{text}");
    for rule in rules {
        assert_eq!(rule["health"], "ok", "{rule}");
    }
}
