//! The exporter against the emulator, polls driven one by one.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use workspace_core::{ClientOptions, Credentials};
use workspace_emulator::{DEMO_AK, Emulator, EmulatorConfig, Fault, FaultRule};

use workspace_exporter::{Encoding, Exporter, Exposer, Format, Settings};

use support::exposition::{samples, sum, value};

const FLEET: usize = 200;

fn emulator(churn: f64) -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(FLEET).churn(churn)).unwrap()
}

fn options(emu: &Emulator) -> ClientOptions {
    emu.client_options().unwrap().build().unwrap()
}

#[tokio::test]
async fn counts_take_five_requests_a_poll_and_a_scrape_none() {
    // No churn here: a change between the five requests makes the totals disagree, and then
    // the client counts by reading the fleet, with more requests.
    let emu = emulator(0.0);
    let exporter = Exporter::new(options(&emu), Settings::default().region("cn-north-4")).unwrap();
    let text = exporter.render(Format::Text);
    assert!(samples(&text, "huaweicloud_workspace_desktops", &[]).is_empty(), "no counts before a poll");
    assert_eq!(value(&text, "huaweicloud_workspace_up", &[]), 0.0);
    assert!(
        samples(&text, "huaweicloud_workspace_last_success_timestamp_seconds", &[]).is_empty(),
        "no time of a last success before one: {text}"
    );

    for poll in 1..=3u64 {
        exporter.poll_once().await.unwrap();
        assert_eq!(emu.stats().requests, 5 * poll, "five limit=0 requests a poll");
    }
    let text = exporter.render(Format::Text);
    for _ in 0..10 {
        exporter.render(Format::OpenMetrics);
    }
    assert_eq!(emu.stats().requests, 15, "a scrape never calls the service");

    let labels = [("project_id", emu.project_id()), ("region", "cn-north-4")];
    assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &labels), FLEET as f64);
    for status in ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"] {
        value(&text, "huaweicloud_workspace_desktops", &[("connect_status", status)]);
    }
    assert!(samples(&text, "huaweicloud_workspace_desktops", &[("connect_status", "other")]).is_empty());
    assert_eq!(value(&text, "huaweicloud_workspace_up", &labels), 1.0);
    assert_eq!(value(&text, "huaweicloud_workspace_api_requests_total", &[("status", "200")]), 15.0);
    assert!(value(&text, "huaweicloud_workspace_last_success_timestamp_seconds", &[]) > 1.7e9);
    assert!(samples(&text, "huaweicloud_workspace_desktop_status", &[]).is_empty(), "per desktop is off by default");
}

#[tokio::test]
async fn counts_sum_to_the_fleet_while_it_churns() {
    let emu = emulator(50.0);
    let exporter = Exporter::new(options(&emu), Settings::default()).unwrap();
    for _ in 0..5 {
        exporter.poll_once().await.unwrap();
        let text = exporter.render(Format::Text);
        assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &[]), FLEET as f64, "{text}");
    }
}

#[tokio::test]
async fn transitions_and_each_desktop_come_from_successive_fleet_reads() {
    let emu = emulator(1.0);
    let settings = Settings::default().per_desktop(true).transitions(true);
    let exporter = Exporter::new(options(&emu), settings).unwrap();
    exporter.poll_once().await.unwrap();
    let baseline = exporter.render(Format::Text);
    assert_eq!(
        sum(&baseline, "huaweicloud_workspace_status_transitions_total", &[]),
        0.0,
        "the first poll is the baseline"
    );
    assert_eq!(samples(&baseline, "huaweicloud_workspace_desktop_status", &[]).len(), FLEET);

    // Force changes between polls: twenty desktops connect, one takes a status the
    // documentation does not list.
    let desktops = emu.desktops();
    let disconnected: Vec<_> = desktops.iter().filter(|d| d.connect_status == "DISCONNECTED").take(21).collect();
    for d in &disconnected[..20] {
        assert!(emu.set_status(&d.desktop_id, "CONNECTED"));
    }
    let odd = &disconnected[20].desktop_id;
    assert!(emu.set_status(odd, "MAINTENANCE"));
    exporter.poll_once().await.unwrap();

    let text = exporter.render(Format::Text);
    let connected =
        sum(&text, "huaweicloud_workspace_status_transitions_total", &[("from", "DISCONNECTED"), ("to", "CONNECTED")]);
    assert!(connected >= 19.0, "the forced changes are counted (churn may add some): {connected}");
    assert!(
        sum(&text, "huaweicloud_workspace_status_transitions_total", &[("from", "DISCONNECTED"), ("to", "other")])
            >= 1.0
    );
    assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &[]), FLEET as f64);
    assert!(value(&text, "huaweicloud_workspace_desktops", &[("connect_status", "other")]) >= 1.0);
    assert_eq!(value(&text, "huaweicloud_workspace_desktop_status", &[("desktop_id", odd)]), -1.0, "another status");
    for d in &disconnected[..20] {
        let status = value(&text, "huaweicloud_workspace_desktop_status", &[("desktop_id", &d.desktop_id)]);
        assert!(status == 2.0 || status == 3.0, "CONNECTED (or moved again by churn): {status}");
    }
    assert_eq!(value(&text, "huaweicloud_workspace_desktop_info", &[("desktop_id", odd)]), 1.0);
    assert!(!text.contains("MAINTENANCE"), "no status as a label value");

    // The series of each desktop are the same set however its status moved.
    let series = |text: &str| {
        let mut names: Vec<String> = ["huaweicloud_workspace_desktop_status", "huaweicloud_workspace_desktop_info"]
            .iter()
            .flat_map(|name| {
                samples(text, name, &[]).into_iter().map(|(line, _)| line.rsplit_once(' ').unwrap().0.to_owned())
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(series(&baseline), series(&text), "the same series before and after the changes");
    assert_eq!(series(&text).len(), 2 * FLEET, "two series per desktop");
    let info = samples(&text, "huaweicloud_workspace_desktop_info", &[]);
    assert!(info.iter().all(|(line, _)| line.contains("desktop_name=\"")), "the name is on the info metric");
    assert!(
        samples(&text, "huaweicloud_workspace_desktop_status", &[])
            .iter()
            .all(|(line, _)| !line.contains("desktop_name"))
    );
}

#[tokio::test]
async fn desktops_that_appear_or_disappear_are_transitions_from_or_to_absent() {
    let emu = emulator(0.0);
    let exporter = Exporter::new(options(&emu), Settings::default().transitions(true)).unwrap();
    exporter.poll_once().await.unwrap();
    let mut fleet = emu.desktops();
    let gone = fleet.pop().unwrap();
    emu.replace_fleet(fleet);
    exporter.poll_once().await.unwrap();
    let text = exporter.render(Format::Text);
    let labels = [("from", gone.connect_status.as_str()), ("to", "absent")];
    assert_eq!(value(&text, "huaweicloud_workspace_status_transitions_total", &labels), 1.0);
    assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &[]), (FLEET - 1) as f64);
    assert!(samples(&text, "huaweicloud_workspace_desktop_status", &[]).is_empty(), "per desktop is its own switch");
}

#[tokio::test]
async fn a_failed_poll_keeps_the_last_counts_with_up_at_zero_until_it_recovers() {
    let emu = emulator(1.0);
    let exporter = Exporter::new(options(&emu), Settings::default()).unwrap();
    exporter.poll_once().await.unwrap();
    let before = exporter.render(Format::Text);
    assert!(exporter.is_up());

    // Enough 503s for every attempt of all five requests.
    emu.push_faults([FaultRule::new(Fault::status(503), 15)]);
    let err = exporter.poll_once().await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    let during = exporter.render(Format::Text);
    assert!(!exporter.is_up());
    assert_eq!(value(&during, "huaweicloud_workspace_up", &[]), 0.0);
    assert_eq!(value(&during, "huaweicloud_workspace_poll_failures_total", &[]), 1.0);
    assert!(value(&during, "huaweicloud_workspace_api_requests_total", &[("status", "503")]) >= 3.0);
    assert!(value(&during, "huaweicloud_workspace_api_errors_total", &[("error_code", "APIGW.0201")]) >= 3.0);
    for status in ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"] {
        let labels = [("connect_status", status)];
        assert_eq!(
            value(&during, "huaweicloud_workspace_desktops", &labels),
            value(&before, "huaweicloud_workspace_desktops", &labels),
            "the last good counts stay"
        );
    }
    assert_eq!(
        value(&during, "huaweicloud_workspace_last_success_timestamp_seconds", &[]),
        value(&before, "huaweicloud_workspace_last_success_timestamp_seconds", &[])
    );

    emu.clear_faults();
    exporter.poll_once().await.unwrap();
    let after = exporter.render(Format::Text);
    assert_eq!(value(&after, "huaweicloud_workspace_up", &[]), 1.0);
    assert_eq!(sum(&after, "huaweicloud_workspace_desktops", &[]), FLEET as f64);
}

#[tokio::test]
async fn refused_credentials_are_permanent_and_never_shown() {
    let emu = emulator(1.0);
    let secret = "not-the-demo-secret-key-4711";
    let options = options(&emu).to_builder().credentials(Credentials::ak_sk(DEMO_AK, secret).unwrap()).build().unwrap();
    let exporter = Exporter::new(options, Settings::default()).unwrap();
    let err = exporter.poll_once().await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let text = exporter.render(Format::Text);
    assert_eq!(value(&text, "huaweicloud_workspace_up", &[]), 0.0);
    assert!(samples(&text, "huaweicloud_workspace_last_success_timestamp_seconds", &[]).is_empty(), "{text}");
    assert!(value(&text, "huaweicloud_workspace_api_errors_total", &[("error_code", "APIGW.0301")]) >= 1.0);
    for shown in
        [text, exporter.render(Format::OpenMetrics), err.to_string(), format!("{err:?}"), format!("{exporter:?}")]
    {
        assert!(!shown.contains(secret), "the secret key leaked: {shown}");
    }
}

#[tokio::test]
async fn odd_names_cannot_break_the_exposition() {
    let emu = emulator(0.0);
    let mut fleet = emu.desktops();
    fleet[0].desktop_name = "a \"quoted\\\" name\nwith a newline".into();
    emu.replace_fleet(fleet);
    let exporter = Exporter::new(options(&emu), Settings::default().per_desktop(true)).unwrap();
    exporter.poll_once().await.unwrap();
    let text = exporter.render(Format::Text);
    assert!(text.contains(r#"desktop_name="a \"quoted\\\" name\nwith a newline""#), "{text}");
    assert_eq!(samples(&text, "huaweicloud_workspace_desktop_status", &[]).len(), FLEET);
}

#[tokio::test]
async fn scrapes_share_one_rendering_per_poll() {
    let emu = emulator(0.0);
    let exporter = Arc::new(Exporter::new(options(&emu), Settings::default().per_desktop(true)).unwrap());
    exporter.poll_once().await.unwrap();
    let exposer = Exposer::new(vec![Arc::clone(&exporter)]);
    let (first, second) = (exposer.exposition(), exposer.exposition());
    assert!(Arc::ptr_eq(&first, &second), "two scrapes, one rendering");
    for format in [Format::OpenMetrics, Format::Text] {
        for encoding in [Encoding::Identity, Encoding::Gzip] {
            let (a, _) = first.body(format, encoding);
            let (b, _) = second.body(format, encoding);
            assert_eq!(a.as_ptr(), b.as_ptr(), "{format:?} {encoding:?}: the same bytes");
        }
    }
    let requests = emu.stats().requests;
    for _ in 0..10 {
        exposer.exposition();
    }
    assert_eq!(emu.stats().requests, requests, "a scrape never calls the service");

    exporter.poll_once().await.unwrap();
    exposer.refresh();
    assert!(!Arc::ptr_eq(&first, &exposer.exposition()), "each poll renders anew");
    assert_eq!(*exporter.polls().borrow(), 2);
    let text = exposer.render(Format::Text);
    assert_eq!(sum(&text, "huaweicloud_workspace_desktops", &[]), FLEET as f64);
    assert_eq!(
        value(&text, "huaweicloud_workspace_exporter_build_info", &[("version", env!("CARGO_PKG_VERSION"))]),
        1.0
    );
}
