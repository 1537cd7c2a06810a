//! The async client against the emulator over real HTTP.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use std::collections::HashSet;
use std::pin::Pin;
use std::time::Duration;
use workspace_async::Query;

use futures_core::Stream;
use workspace_async::types::ConnectStatus;
use workspace_async::{Client, Credentials, Error, RetryPolicy, TransportErrorKind};
use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig, Fault, FaultRule};

fn client(emu: &Emulator) -> Client {
    Client::new(setup::options(emu).build().unwrap()).unwrap()
}

/// Polls a stream to its end without a helper crate.
async fn collect<S: Stream + Unpin>(mut s: S) -> Vec<S::Item> {
    let mut out = Vec::new();
    while let Some(x) = std::future::poll_fn(|cx| Pin::new(&mut s).poll_next(cx)).await {
        out.push(x);
    }
    out
}

#[tokio::test]
async fn filters_and_paging_through_a_fleet() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500).seed(3)).unwrap();
    let fleet = emu.desktops();
    let c = client(&emu);
    let items = collect(c.items(&Query::new().limit(333))).await;
    let ids: Vec<String> = items.into_iter().map(|d| d.unwrap().desktop_id.unwrap()).collect();
    assert_eq!(ids.len(), 1500);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1500);
    assert_eq!(ids, fleet.iter().map(|d| d.desktop_id.clone()).collect::<Vec<_>>());

    let mut connected = c.items(&Query::new().connect_status(ConnectStatus::Connected).limit(2000));
    let mut n = 0;
    while let Some(d) = connected.next().await {
        assert_eq!(d.unwrap().connect_status, Some(ConnectStatus::Connected));
        n += 1;
    }
    assert_eq!(n, fleet.iter().filter(|d| d.connect_status == "CONNECTED").count());

    let name = fleet[10].user_names().next().unwrap().to_owned();
    let page = c.send(&Query::new().user_name(name.clone())).await.unwrap();
    assert!(page.desktops().iter().all(|d| d.user_names().any(|n| n == name)));
    assert!(page.request_id().is_some());
}

#[tokio::test]
async fn a_wrong_key_gets_401_and_is_not_retried() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let c = Client::new(
        setup::options(&emu).credentials(Credentials::ak_sk(DEMO_AK, "wrong-secret").unwrap()).build().unwrap(),
    )
    .unwrap();
    let err = c.send(&Query::new()).await.unwrap_err();
    let service = err.as_service_error().unwrap();
    assert_eq!((service.status().as_u16(), service.code()), (401, "APIGW.0301"));
    assert_eq!(emu.stats().requests, 1);
}

#[tokio::test]
async fn a_503_then_success_is_recovered_by_retry() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::status(503), 2)]);
    let page = client(&emu).send(&Query::new()).await.unwrap();
    assert_eq!(page.total_count(), Some(5));
    assert_eq!(emu.stats().requests, 3);
}

#[tokio::test]
async fn a_stalled_body_is_ended_by_the_timeout_then_retried() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_secs(3600)), 1)]);
    let c = Client::new(setup::options(&emu).attempt_timeout(Duration::from_millis(300)).build().unwrap()).unwrap();
    assert_eq!(c.send(&Query::new()).await.unwrap().total_count(), Some(5));
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_secs(3600)), 3)]);
    let err = c.send(&Query::new()).await.unwrap_err();
    let Error::Transport(t) = err.last_error() else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 3);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let c = Client::new(setup::options(&emu).retry_policy(RetryPolicy::disabled()).build().unwrap()).unwrap();
    emu.stop();
    let err = c.send(&Query::new()).await.unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Connect, "{err}");
}

#[tokio::test]
async fn dropping_the_future_cancels_the_call() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_secs(3600)), 1)]);
    let c = client(&emu);
    let query = Query::new();
    let call = c.send(&query);
    tokio::pin!(call);
    // Polled until its request is with the emulator, which holds the answer back for an hour.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while emu.stats().requests == 0 {
        assert!(std::time::Instant::now() < deadline, "the request never reached the emulator");
        tokio::select! {
            r = &mut call => panic!("the call cannot end before its delayed answer: {r:?}"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
    drop(call);
    // The emulator sees the client go away before its answer is written.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while emu.stats().abandoned != 1 {
        assert!(std::time::Instant::now() < deadline, "the emulator never saw the call abandoned: {:?}", emu.stats());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The client is still usable; the next request is answered normally.
    assert_eq!(c.send(&Query::new()).await.unwrap().total_count(), Some(5));
}

#[tokio::test]
async fn pages_can_move_into_a_task() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_static<T: 'static>(_: &T) {}
    let emu = Emulator::start(EmulatorConfig::default().desktops(40)).unwrap();
    let c = client(&emu);
    let pages = c.pages(&Query::new().limit(7));
    assert_send(&pages);
    assert_static(&pages);
    let query = Query::new();
    let send_future = c.send(&query);
    assert_send(&send_future);
    drop(send_future);
    let count = tokio::spawn(async move { collect(pages).await.len() }).await.unwrap();
    assert_eq!(count, 8, "pages of 7 overlapping by 2: 40 desktops in 8 pages");
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let c = client(&emu);
    let err = c.send(&Query::new().offset(2001)).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid offset 2001: must be between 0 and 2000");
    assert_eq!(emu.stats().requests, 0);
}

#[tokio::test]
async fn a_response_larger_than_the_cap_is_refused() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(100)).unwrap();
    let options = setup::options(&emu).max_response_bytes(2000).retry_policy(RetryPolicy::disabled()).build().unwrap();
    let err = Client::new(options).unwrap().send(&Query::new().limit(100)).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().contains("2000"), "{err}");
    let small = setup::options(&emu).max_response_bytes(2000).build().unwrap();
    assert!(Client::new(small).unwrap().send(&Query::new().limit(0)).await.is_ok(), "a small page passes");
}
