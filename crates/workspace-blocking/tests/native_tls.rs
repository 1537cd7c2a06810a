//! The built-in transport with the feature `native-tls` and without `rustls`: the handshake is
//! the platform's library's, and its failure is a connection failure (so that calls fail over).
#![cfg(not(feature = "rustls"))]

use std::io::{Read, Write};
use std::net::TcpListener;

use workspace_blocking::{ClientOptions, Credentials, Transport, TransportErrorKind, UreqTransport};

#[test]
fn the_handshake_is_native_tls_and_its_failure_is_a_connection_failure() {
    // A server that answers a TLS hello with plain HTTP: no TLS library can agree with it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    let options = ClientOptions::builder()
        .endpoint(format!("https://127.0.0.1:{port}"))
        .project_id("p")
        .credentials(Credentials::token("t0ken").unwrap())
        .build()
        .unwrap();
    let transport = UreqTransport::new(&options).unwrap();
    let request = http::Request::get(format!("https://127.0.0.1:{port}/")).body(Vec::new()).unwrap();
    let e = transport.send(request).unwrap_err();
    server.join().unwrap();
    assert_eq!(e.kind(), TransportErrorKind::Connect, "{e}");
    assert!(e.to_string().contains("native-tls"), "the platform's library shook hands: {e}");
}
