//! The blocking client against the emulator over real HTTP.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

use std::collections::HashSet;
use std::time::Duration;
use workspace_blocking::Query;

use workspace_blocking::types::ConnectStatus;
use workspace_blocking::{Client, Credentials, Error, RetryPolicy, TransportErrorKind};
use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig, Fault, FaultRule};

fn client(emu: &Emulator) -> Client {
    Client::new(setup::options(emu).build().unwrap()).unwrap()
}

#[test]
fn filters_and_paging_through_a_fleet() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500).seed(3)).unwrap();
    let fleet = emu.desktops();
    let c = client(&emu);
    let ids: Vec<String> = c.items(&Query::new().limit(333)).map(|d| d.unwrap().desktop_id.unwrap()).collect();
    assert_eq!(ids.len(), 1500);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1500);
    assert_eq!(ids, fleet.iter().map(|d| d.desktop_id.clone()).collect::<Vec<_>>());

    let connected: Vec<_> =
        c.items(&Query::new().connect_status(ConnectStatus::Connected).limit(2000)).collect::<Result<_, _>>().unwrap();
    assert_eq!(connected.len(), fleet.iter().filter(|d| d.connect_status == "CONNECTED").count());

    let name = fleet[10].user_names().next().unwrap().to_owned();
    let page = c.send(&Query::new().user_name(name.clone())).unwrap();
    assert!(page.desktops().iter().all(|d| d.user_names().any(|n| n == name)));
    assert!(page.request_id().is_some());
}

#[test]
fn a_wrong_key_gets_401_and_is_not_retried() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let c = Client::new(
        setup::options(&emu).credentials(Credentials::ak_sk(DEMO_AK, "wrong-secret").unwrap()).build().unwrap(),
    )
    .unwrap();
    let err = c.send(&Query::new()).unwrap_err();
    let service = err.as_service_error().unwrap();
    assert_eq!((service.status().as_u16(), service.code()), (401, "APIGW.0301"));
    assert!(err.to_string().contains("verify aksk signature fail"), "{err}");
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn a_503_then_success_is_recovered_by_retry() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::status(503), 2)]);
    let page = client(&emu).send(&Query::new()).unwrap();
    assert_eq!(page.total_count(), Some(5));
    assert_eq!(emu.stats().requests, 3);
}

#[test]
fn a_stalled_body_is_ended_by_the_timeout_then_retried() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_secs(3600)), 1)]);
    let c = Client::new(setup::options(&emu).attempt_timeout(Duration::from_millis(300)).build().unwrap()).unwrap();
    let page = c.send(&Query::new()).unwrap();
    assert_eq!(page.total_count(), Some(5));
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_secs(3600)), 3)]);
    let err = c.send(&Query::new()).unwrap_err();
    let Error::Transport(t) = err.last_error() else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    assert_eq!(err.attempts(), 3);
}

#[test]
fn connection_refused_is_a_connect_error() {
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let c = Client::new(setup::options(&emu).retry_policy(RetryPolicy::disabled()).build().unwrap()).unwrap();
    emu.stop();
    let err = c.send(&Query::new()).unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Connect, "{err}");
}

#[test]
fn a_clock_ten_hours_off_is_corrected_once_and_remembered() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let options = setup::options(&emu).clock(|| std::time::SystemTime::now() - Duration::from_secs(36_000));
    let c = Client::new(options.build().unwrap()).unwrap();
    assert!(c.send(&Query::new()).is_ok());
    assert!(c.send(&Query::new()).is_ok());
    assert_eq!((emu.stats().requests, emu.stats().auth_failures), (3, 1));
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let c = client(&emu);
    let err = c.send(&Query::new().limit(5000)).unwrap_err();
    assert_eq!(err.to_string(), "invalid limit 5000: must be between 0 and 2000");
    let err = c.items(&Query::new().user_name("")).next().unwrap().unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    assert_eq!(emu.stats().requests, 0);
}

#[test]
fn the_client_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
    let emu = Emulator::start(EmulatorConfig::default().desktops(50)).unwrap();
    let c = client(&emu);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.items(&Query::new().limit(7)).count())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 50);
    }
}

#[test]
fn a_response_larger_than_the_cap_is_refused() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(100)).unwrap();
    let options = setup::options(&emu).max_response_bytes(2000).retry_policy(RetryPolicy::disabled()).build().unwrap();
    let err = Client::new(options).unwrap().send(&Query::new().limit(100)).unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.as_response_too_large().map(|r| r.limit()), Some(2000), "{err:?}");
    assert!(err.to_string().contains("response larger than 2000 bytes"), "{err}");
    let small = setup::options(&emu).max_response_bytes(2000).build().unwrap();
    assert!(Client::new(small).unwrap().send(&Query::new().limit(0)).is_ok(), "a small page passes");
}
