//! The core's hot path, each beside the baseline that bounds it, measured in the same run.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use workspace_bench::{PlainPage, page_json};
use workspace_core::op::{Operation, SendOp, Step};
use workspace_core::{ClientCore, ClientOptions, Credentials, Query, build_request, parse_response, sign};
use workspace_types::ConnectStatus;

const SK: &str = "exampleSecretKey0123456789abcdefghijklmnop";

fn options() -> ClientOptions {
    ClientOptions::builder()
        .region("cn-north-4")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        .credentials(Credentials::ak_sk("HPUAEXAMPLEAK0000001", SK).unwrap())
        .build()
        .unwrap()
}

fn signing(c: &mut Criterion) {
    let options = options();
    let now = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
    let mut g = c.benchmark_group("sign");
    g.bench_function("validate_build_sign", |b| {
        b.iter(|| {
            let q = Query::new()
                .user_names(["alice", "bob-1", "zhang_san"])
                .connect_status(ConnectStatus::Connected)
                .offset(0)
                .limit(50)
                .request()
                .unwrap();
            black_box(build_request(&options, &q, now).unwrap())
        })
    });
    let q = Query::new().user_names(["alice", "bob-1", "zhang_san"]).limit(50).request().unwrap();
    let req = build_request(&options, &q, now).unwrap();
    // The string the request's signature was computed over, from the headers it signed.
    let auth = req.headers()[http::header::AUTHORIZATION].to_str().unwrap();
    let signed = sign::parse_authorization(auth).unwrap().signed_headers;
    let sts = sign::signature_with(&req, &signed, SK).unwrap().string_to_sign;
    g.bench_function("hmac_sha256_baseline", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SK.as_bytes()).unwrap();
            mac.update(black_box(sts.as_bytes()));
            black_box(mac.finalize().into_bytes())
        })
    });
    g.finish();
}

fn parsing(c: &mut Criterion) {
    let headers = http::HeaderMap::new();
    for n in [100usize, 2000] {
        let body = page_json(n);
        let mut g = c.benchmark_group(format!("parse_{n}"));
        g.throughput(criterion::Throughput::Bytes(body.len() as u64));
        g.bench_function("sdk", |b| {
            b.iter(|| black_box(parse_response(http::StatusCode::OK, &headers, black_box(&body)).unwrap()))
        });
        g.bench_function("serde_json_value_baseline", |b| {
            b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap()))
        });
        g.bench_function("plain_struct_baseline", |b| {
            b.iter(|| black_box(serde_json::from_slice::<PlainPage>(black_box(&body)).unwrap()))
        });
        g.finish();
    }
}

fn whole_call(c: &mut Criterion) {
    let core = ClientCore::new(
        ClientOptions::builder()
            .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
            .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .credentials(Credentials::ak_sk("HPUAEXAMPLEAK0000001", SK).unwrap())
            .build()
            .unwrap(),
    );
    let body = page_json(100);
    let now = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
    let query = Query::new();
    c.bench_function("call/in_memory_100", |b| {
        b.iter(|| {
            let mut op = SendOp::new(&core, &query);
            loop {
                match op.step(now) {
                    Step::Send(ticket, _) => op.complete(ticket, Ok(http::Response::new(body.clone())), now).unwrap(),
                    Step::Yield(r) => break black_box(r.unwrap()),
                    _ => unreachable!(),
                }
            }
        })
    });
}

criterion_group!(benches, signing, parsing, whole_call);
criterion_main!(benches);
