//! The exporter and Prometheus's tools as processes, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a process is given to start, stop or show a result.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The exporter program, started with `args`; killed when dropped if still running.
pub struct ExporterProcess {
    child: Child,
    /// The `host:port` it serves on.
    pub addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

/// The path of the exporter program.
pub const EXPORTER: &str = env!("CARGO_BIN_EXE_workspace-exporter");

impl ExporterProcess {
    /// Starts it and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> Self {
        let mut command = Command::new(EXPORTER);
        command.args(args);
        Self::start_command(command)
    }

    /// Starts `command`, which runs the exporter (in the end: a shell may `exec` it), and waits
    /// for its `listening on` line.
    pub fn start_command(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the exporter starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        let mut seen = Vec::new();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    let found = line
                        .split_once(" msg=\"listening on ")
                        .and_then(|(_, rest)| rest.split_once("://"))
                        .and_then(|(_, rest)| rest.split_once("/metrics"))
                        .map(|(addr, _)| addr.to_owned());
                    seen.push(line);
                    if let Some(addr) = found {
                        break addr;
                    }
                }
                _ => panic!("the exporter ended before listening: {seen:?} ({:?})", child.wait()),
            }
        };
        let stderr = Arc::new(Mutex::new(seen));
        let sink = Arc::clone(&stderr);
        let reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, addr, stderr, reader: Some(reader) }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it wrote on stderr so far, for a message while it runs; what it wrote in all comes
    /// from [`terminate`](Self::terminate), once the reader has read to the end.
    pub fn stderr_so_far(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM, waits for it to end, then for its stderr to be read to the end; returns
    /// its exit status and every line it wrote on stderr.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let sent = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("kill runs");
        assert!(sent.success());
        let status = wait(&mut self.child, "the exporter to stop after SIGTERM");
        self.join_reader();
        let lines = std::mem::take(&mut *self.stderr.lock().unwrap());
        (status, lines)
    }

    /// Waits for the thread that reads stderr, which ends when the process closed it.
    fn join_reader(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the stderr reader does not panic");
        }
    }
}

impl Drop for ExporterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.join_reader();
    }
}

/// Waits for `child` to end, at most [`PATIENCE`].
pub fn wait(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return status;
        }
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The path of a tool of Debian's `prometheus` package; fails, saying how to install it,
/// when it is missing.
pub fn prometheus_tool(name: &str) -> String {
    let path = format!("/usr/bin/{name}");
    let found = std::path::Path::new(&path).exists();
    let on_path = Command::new(name).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    match (found, on_path) {
        (true, _) => path,
        (false, true) => name.to_owned(),
        (false, false) => panic!(
            "{name} is not installed; this test needs it. Install it with: \
             apt-get update && apt-get install -y --no-install-recommends prometheus"
        ),
    }
}

/// Fetches `url` (a plain-HTTP GET), returning the status and body; panics if it cannot.
pub async fn get(url: &str, accept: Option<&str>) -> (u16, String) {
    try_get(url, accept).await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// Fetches `url` (a plain-HTTP GET) with these request headers, returning the status, the
/// `Content-Encoding` and the body as it came; panics if it cannot.
pub async fn get_raw(url: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, Vec<u8>) {
    let url = url.to_owned();
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
        let mut request = agent.get(&url);
        for (k, v) in &headers {
            request = request.header(k, v);
        }
        let mut response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let encoding = response.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.body_mut().read_to_vec().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        (response.status().as_u16(), encoding, body)
    })
    .await
    .expect("the request ran")
}

/// Fetches `url` (a plain-HTTP GET), returning the status and body, or why it could not.
pub async fn try_get(url: &str, accept: Option<&str>) -> Result<(u16, String), String> {
    let (url, accept) = (url.to_owned(), accept.map(str::to_owned));
    tokio::task::spawn_blocking(move || {
        let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
        let mut request = agent.get(&url);
        if let Some(accept) = &accept {
            request = request.header("accept", accept);
        }
        let mut response = request.call().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
        Ok((status, body))
    })
    .await
    .expect("the request ran")
}
