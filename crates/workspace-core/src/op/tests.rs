//! The operations against the simulated service: their protocol (tickets, `Done`, the window of
//! requests in flight) and their results whatever order the answers come back in.

use std::time::{Duration, UNIX_EPOCH};

use http::{Request, Response};
use proptest::prelude::*;
use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest};

use super::*;
use crate::client::ClientCore;
use crate::encoding::decode;
use crate::sim::Service;
use crate::{ClientOptions, Credentials, Query, StatusCounts};

fn core(concurrency: usize) -> ClientCore {
    let options = ClientOptions::builder()
        .endpoint("https://workspace.cn-north-4.myhuaweicloud.com")
        .project_id("p")
        .credentials(Credentials::ak_sk("ak", "sk").expect("test keys"))
        .concurrency(concurrency)
        .jitter_seed(1)
        .build()
        .expect("test options");
    ClientCore::new(options)
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_011_200)
}

/// The simulated service's answer to `request`, as the wire carries it.
fn answer(service: &Service, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let pairs = request.uri().query().unwrap_or("").split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode(k).into_owned(), decode(v).into_owned())
    });
    let asked = ListDesktopsConnectStatusRequest::from_query_pairs(pairs).expect("the SDK sends valid queries");
    let page = service.serve(&asked).into_response();
    Response::new(serde_json::to_vec(&page).expect("a page serializes"))
}

/// Runs `op` to its end, answering the requests in flight in the order `pick` chooses (an index
/// into those in flight, taken modulo their number); the outputs, and the most requests that were
/// in flight at once.
fn run<O: Operation>(mut op: O, service: &Service, mut pick: impl FnMut() -> usize) -> (Vec<O::Output>, usize) {
    let (mut out, mut in_flight, mut most) = (Vec::new(), Vec::new(), 0);
    loop {
        match op.step(now()) {
            Step::Send(ticket, request) => {
                in_flight.push((ticket, answer(service, &request)));
                most = most.max(in_flight.len());
            }
            Step::Await => {
                assert!(!in_flight.is_empty(), "Await with nothing in flight");
                let (ticket, response) = in_flight.swap_remove(pick() % in_flight.len());
                op.complete(ticket, Ok(response), now()).expect("its own ticket");
            }
            Step::Sleep(_) => panic!("nothing fails here"),
            Step::Yield(item) => out.push(item),
            Step::Done => return (out, most),
        }
    }
}

#[test]
fn a_ticket_of_another_operation_is_refused_and_done_stays_done() {
    let core = core(4);
    let mut a = SendOp::new(&core, &Query::new());
    let mut b = SendOp::new(&core, &Query::new());
    let (Step::Send(ta, _), Step::Send(tb, _)) = (a.step(now()), b.step(now())) else { panic!("both send") };
    let page = || Ok(Response::new(br#"{"desktops":[],"total_count":0}"#.to_vec()));
    assert!(a.complete(tb, page(), now()).is_err(), "b's ticket");
    a.complete(ta, page(), now()).expect("a's own ticket");
    assert!(matches!(a.step(now()), Step::Yield(Ok(_))));
    for _ in 0..3 {
        assert!(matches!(a.step(now()), Step::Done));
    }
}

#[test]
fn an_invalid_query_yields_its_error_and_sends_nothing() {
    let service = Service::fleet(10, |_| ConnectStatus::Connected);
    let (out, most) = run(FleetOp::new(&core(4), &Query::new().user_name("")), &service, || 0);
    assert_eq!((out.len(), most), (1, 0));
    assert!(matches!(&out[0], Err(crate::Error::InvalidRequest(_))));
}

#[test]
fn one_request_while_the_credentials_are_unproven_then_the_window() {
    let service = Service::fleet(5000, |i| ConnectStatus::KNOWN[i % 4].clone());
    let core = core(3);
    let mut op = FleetOp::new(&core, &Query::new().limit(500));
    let Step::Send(first, request) = op.step(now()) else { panic!("a probe") };
    assert!(matches!(op.step(now()), Step::Await), "nothing more before the first answer");
    op.complete(first, Ok(answer(&service, &request)), now()).expect("its ticket");
    let (out, most) = run(op, &service, || 0);
    assert_eq!(most, 3, "the options' concurrency once a request was accepted");
    assert_eq!(out.iter().filter(|d| d.is_ok()).count(), 5000);
}

#[test]
fn a_count_whose_totals_ignore_the_filters_reads_and_counts() {
    let service = Service::fleet(300, |i| ConnectStatus::KNOWN[i % 3].clone()).unfiltered_totals(true);
    let (out, _) = run(CountOp::new(&core(4), &Query::new()), &service, || 0);
    let counts = out.into_iter().next().expect("one output").expect("counts");
    let expected = StatusCounts { total: 300, unregister: 100, registered: 100, connected: 100, disconnected: 0 };
    assert_eq!(counts, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever order the answers come back in, a whole read delivers each desktop once, and no
    /// more requests are in flight than the window allows.
    #[test]
    fn a_whole_read_is_whole_whatever_the_order_of_the_answers(
        n in 0usize..3000,
        limit in prop::sample::select(vec![7u32, 100, 640, 2000]),
        concurrency in 1usize..6,
        order in prop::collection::vec(any::<usize>(), 1..64),
    ) {
        let service = Service::fleet(n, |i| ConnectStatus::KNOWN[i % 4].clone());
        let mut k = 0;
        let (out, most) = run(FleetOp::new(&core(concurrency), &Query::new().limit(limit)), &service, || {
            k += 1;
            order[k % order.len()]
        });
        let ids: Vec<String> = out.into_iter().map(|d| d.expect("no error").id().to_owned()).collect();
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        prop_assert_eq!((ids.len(), unique.len()), (n, n));
        prop_assert!(most <= concurrency);
    }
}
