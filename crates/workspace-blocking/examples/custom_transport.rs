//! Brings your own HTTP stack: a `Transport` written over a plain `TcpStream` (HTTP/1.1, one
//! connection per request, no TLS: enough for a loopback emulator). Any HTTP client can be
//! plugged in the same way; the SDK still signs, retries and pages.
//!
//! ```text
//! cargo run -p workspace-blocking --example custom_transport
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use workspace_blocking::Query;

use http::{Request, Response};
use workspace_blocking::{Client, Transport, TransportError};
use workspace_emulator::{Emulator, EmulatorConfig};

/// HTTP/1.1 over a fresh TCP connection per request.
#[derive(Debug)]
struct PlainHttp;

impl Transport for PlainHttp {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let authority = request.uri().authority().ok_or_else(|| TransportError::other("no host"))?.to_string();
        let mut stream = TcpStream::connect(&authority).map_err(TransportError::connect)?;
        let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let mut head = format!("{} {target} HTTP/1.1\r\nconnection: close\r\n", request.method());
        for (name, value) in request.headers() {
            let value = value.to_str().map_err(TransportError::other)?;
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", request.body().len()));
        stream.write_all(head.as_bytes()).map_err(TransportError::io)?;
        stream.write_all(request.body()).map_err(TransportError::io)?;

        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(TransportError::io)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| TransportError::io("bad status line"))?;
        let mut response = Response::builder().status(status);
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(TransportError::io)?;
            let Some((name, value)) = line.trim_end().split_once(':') else { break };
            response = response.header(name.trim(), value.trim());
        }
        let mut body = Vec::new();
        reader.read_to_end(&mut body).map_err(TransportError::io)?;
        response.body(body).map_err(TransportError::other)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default().desktops(25))?;
    let client = Client::builder(emulator.client_options()?.build()?).transport(PlainHttp).build()?;
    let n = client.items(&Query::new().limit(10)).collect::<Result<Vec<_>, _>>()?.len();
    println!("read {n} desktops over a hand-written transport, in pages of 10");
    Ok(())
}
