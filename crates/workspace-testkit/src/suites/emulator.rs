//! One client against the emulator over real HTTP: filters and paging, the fault matrix,
//! configuration end to end, what errors show, and the proxy variables. Run it with
//! [`emulator_suite!`](crate::emulator_suite).

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use workspace_core::types::ConnectStatus;
use workspace_core::{Credentials, Error, Query, RetryPolicy, TransportErrorKind};
use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig, Fault, FaultRule};

use crate::driver::{Driver, page_ids};
use crate::{fault_matrix, privacy, setup};

/// Items, a status filter and a user name filter through a fleet of 1,500.
pub fn filters_and_paging_through_a_fleet<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(1500).seed(3)).expect("the emulator starts");
    let fleet = emu.desktops();
    let c = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let ids: Vec<String> =
        driver.items(&c, &Query::new().limit(333)).map(|d| d.expect("a desktop").id().to_owned()).collect();
    assert_eq!(ids.len(), 1500);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1500);
    assert_eq!(ids, fleet.iter().map(|d| d.desktop_id.clone()).collect::<Vec<_>>());

    let connected: Vec<_> = driver
        .items(&c, &Query::new().connect_status(ConnectStatus::Connected).limit(2000))
        .collect::<Result<_, _>>()
        .expect("the connected desktops");
    assert!(connected.iter().all(|d| d.connect_status == Some(ConnectStatus::Connected)));
    assert_eq!(connected.len(), fleet.iter().filter(|d| d.connect_status == "CONNECTED").count());

    let name = fleet[10].user_names().next().expect("a user").to_owned();
    let page = driver.send(&c, &Query::new().user_name(name.clone())).expect("a page");
    assert!(page.desktops().iter().all(|d| d.user_names().any(|n| n == name)));
    assert!(page.request_id().is_some());
}

/// A wrong secret key: one 401 `APIGW.0301`, with the service's message, never retried.
pub fn a_wrong_key_gets_401_and_is_not_retried<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).expect("the emulator starts");
    let credentials = Credentials::ak_sk(DEMO_AK, "wrong-secret").expect("credentials");
    let c = driver.client(setup::options(&emu).credentials(credentials).build().expect("options")).expect("a client");
    let err = driver.send(&c, &Query::new()).expect_err("refused");
    let service = err.as_service_error().expect("a service error");
    assert_eq!((service.status().as_u16(), service.code()), (401, "APIGW.0301"));
    assert!(err.to_string().contains("verify aksk signature fail"), "{err}");
    assert_eq!(emu.stats().requests, 1);
}

/// A body that stalls at every attempt: each attempt ends at the attempt timeout, and the call
/// ends with the timeout after the policy's 3 attempts.
pub fn a_body_that_stalls_at_every_attempt_ends_with_a_timeout<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).expect("the emulator starts");
    emu.push_faults([FaultRule::new(Fault::stall(Duration::from_secs(3600)), 3)]);
    let options = setup::options(&emu).attempt_timeout(Duration::from_millis(300)).build().expect("options");
    let c = driver.client(options).expect("a client");
    let err = driver.send(&c, &Query::new()).expect_err("timed out");
    let Error::Transport(t) = err.last_error() else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 3);
}

/// A clock ten hours behind: corrected once, and remembered for the next call.
pub fn a_clock_ten_hours_off_is_corrected_once_and_remembered<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).expect("the emulator starts");
    let options = setup::options(&emu).clock(|| SystemTime::now() - Duration::from_secs(36_000));
    let c = driver.client(options.build().expect("options")).expect("a client");
    assert!(driver.send(&c, &Query::new()).is_ok());
    assert!(driver.send(&c, &Query::new()).is_ok());
    assert_eq!((emu.stats().requests, emu.stats().auth_failures), (3, 1));
}

/// Bad input never reaches the service.
pub fn bad_input_is_refused_before_anything_is_sent<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default()).expect("the emulator starts");
    let c = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let err = driver.send(&c, &Query::new().limit(5000)).expect_err("refused");
    assert_eq!(err.to_string(), "invalid limit 5000: must be between 0 and 2000");
    let err = driver.send(&c, &Query::new().offset(2001)).expect_err("refused");
    assert_eq!(err.to_string(), "invalid offset 2001: must be between 0 and 2000");
    let first = driver.items(&c, &Query::new().user_name("")).next().expect("an error first");
    assert!(matches!(first, Err(Error::InvalidRequest(_))), "{first:?}");
    assert_eq!(emu.stats().requests, 0);
}

/// A response larger than the options' cap is a transport error naming the cap.
pub fn a_response_larger_than_the_cap_is_refused<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(100)).expect("the emulator starts");
    let capped = setup::options(&emu).max_response_bytes(2000);
    let c = driver.client(capped.clone().retry_policy(RetryPolicy::disabled()).build().expect("options"));
    let err = driver.send(&c.expect("a client"), &Query::new().limit(100)).expect_err("too large");
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.as_response_too_large().map(|r| r.limit()), Some(2000), "{err:?}");
    assert!(err.to_string().contains("response larger than 2000 bytes"), "{err}");
    let small = driver.client(capped.build().expect("options")).expect("a client");
    assert!(driver.send(&small, &Query::new().limit(0)).is_ok(), "a small page passes");
}

/// Only `HUAWEICLOUD_SDK_AK`, `_SK` and a region: the project is discovered at the first call.
pub fn only_ak_sk_and_a_region_are_enough<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(30)).expect("the emulator starts");
    let client = driver.client(setup::options_from_environment(&emu)).expect("a client");
    assert_eq!(client.project_id(), None, "not known before the first call");
    let n = driver.items(&client, &Query::new()).collect::<Result<Vec<_>, _>>().expect("every desktop").len();
    assert_eq!(n, 30);
    assert_eq!(client.project_id().expect("discovered").as_str(), emu.project_id());
    // One discovery, then one page.
    assert_eq!(emu.stats().pages_served, 1);
}

/// An unreachable first endpoint: the call fails over, and the next call starts with the good one.
pub fn an_unreachable_endpoint_fails_over_and_the_next_call_starts_with_the_good_one<D: Driver>() {
    let driver = D::new();
    let dead = setup::dead_url();
    let live = Emulator::start(EmulatorConfig::default().desktops(12)).expect("the emulator starts");
    let client = driver.client(setup::options_failing_over(&dead, &live)).expect("a client");
    for _ in 0..2 {
        assert_eq!(driver.send(&client, &Query::new()).expect("a page").total_count(), Some(12));
    }
    assert_eq!(live.stats().requests, 2);
}

/// Every row of the fault matrix.
pub fn every_row_of_the_fault_matrix<D: Driver>() {
    let driver = D::new();
    let mut failures = Vec::new();
    for row in fault_matrix::rows() {
        let (emu, options, clock) = fault_matrix::start(&row);
        let client = driver.client(options.to_builder().clock(clock).build().expect("options")).expect("a client");
        let emu = fault_matrix::serving(&row, emu);
        let outcome = driver.send(&client, &Query::new().limit(10)).map(|p| p.desktops().len() as u64);
        failures.extend(fault_matrix::check(&row, outcome, emu.map_or(0, |e| e.stats().requests)).err());
    }
    assert!(failures.is_empty(), "{}: {}", D::NAME, failures.join("\n"));
}

/// Desktops added or removed in front while paging: no desktop read twice, and paging ends.
pub fn a_fleet_that_grows_or_shrinks_while_paging_ends_without_repeats<D: Driver>() {
    let driver = D::new();
    let emu = Emulator::start(EmulatorConfig::default().desktops(300)).expect("the emulator starts");
    let client = driver.client(setup::options(&emu).build().expect("options")).expect("a client");
    let original = emu.desktops();
    for shift in [setup::Shift::Grow, setup::Shift::Shrink] {
        emu.replace_fleet(original.clone());
        let mut pages_read = 0;
        let pages = driver.pages(&client, &Query::new().limit(50)).inspect(|_| {
            pages_read += 1;
            if pages_read == 2 {
                emu.replace_fleet(setup::shifted(&original, shift));
            }
            assert!(pages_read <= 20, "paging ends");
        });
        let seen = page_ids(pages).expect("every page");
        assert_eq!(seen.len(), seen.iter().collect::<HashSet<_>>().len(), "{shift:?}: no desktop twice");
    }
}

/// No failure a transport can meet shows a user name of the query, in any text of the error.
pub fn no_failure_shows_a_user_name<D: Driver>() {
    let driver = D::new();
    let mut failures = Vec::new();
    for (name, failure) in privacy::text_rows() {
        let (_emu, options) = privacy::text_setup(failure);
        let client = driver.client(options).expect("a client");
        failures.extend(privacy::check_texts(name, driver.send(&client, &privacy::marked_query())).err());
    }
    assert!(failures.is_empty(), "{}: {}", D::NAME, failures.join("\n"));
}

/// The child of [`privacy::run_proxy_cases`]: one call with the variables its parent gave.
pub fn one_call_with_the_parents_variables<D: Driver>() {
    let Some(setup) = privacy::ChildSetup::from_env() else { return };
    let driver = D::new();
    let client = driver.client(setup.options()).expect("a client");
    privacy::report(driver.send(&client, &privacy::marked_query()));
}

/// The emulator suite for a driver: one `#[test]` per function of this module. The proxy test
/// runs each case in a child process of the calling test binary, with the variables of the case;
/// `tls` says whether the client can tunnel `https`. The calling test binary needs the client's
/// built-in transport.
///
/// ```ignore
/// workspace_testkit::emulator_suite!(workspace_testkit::Blocking);
/// ```
#[macro_export]
macro_rules! emulator_suite {
    ($driver:ty) => {
        $crate::__suite_tests!($driver, emulator:
            filters_and_paging_through_a_fleet,
            a_wrong_key_gets_401_and_is_not_retried,
            a_body_that_stalls_at_every_attempt_ends_with_a_timeout,
            a_clock_ten_hours_off_is_corrected_once_and_remembered,
            bad_input_is_refused_before_anything_is_sent,
            a_response_larger_than_the_cap_is_refused,
            only_ak_sk_and_a_region_are_enough,
            an_unreachable_endpoint_fails_over_and_the_next_call_starts_with_the_good_one,
            every_row_of_the_fault_matrix,
            a_fleet_that_grows_or_shrinks_while_paging_ends_without_repeats,
            no_failure_shows_a_user_name,
        );

        #[test]
        fn loopback_endpoints_never_reach_a_proxy_and_no_proxy_is_honoured() {
            $crate::privacy::run_proxy_cases(
                "one_call_with_the_parents_variables",
                cfg!(any(feature = "rustls", feature = "native-tls")),
            );
        }

        #[test]
        #[ignore = "a child of loopback_endpoints_never_reach_a_proxy_and_no_proxy_is_honoured"]
        fn one_call_with_the_parents_variables() {
            $crate::suites::emulator::one_call_with_the_parents_variables::<$driver>();
        }
    };
}
