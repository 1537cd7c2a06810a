//! No transport failure shows a user name: the text of every error, and of each of its sources,
//! is free of the query's user names whatever failed.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/privacy.rs"]
#[allow(dead_code, unreachable_pub)]
mod privacy;

#[path = "../../../tests/shared/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;

#[path = "../../../tests/shared/fault_matrix.rs"]
#[allow(dead_code, unreachable_pub)]
mod fault_matrix;

use workspace_blocking::{Client, UreqTransport};
use workspace_emulator::{Emulator, EmulatorConfig};

#[test]
fn no_failure_shows_a_user_name() {
    let mut failures = Vec::new();
    for (name, failure) in privacy::text_rows() {
        let (_emu, options) = privacy::text_setup(failure);
        let client = Client::new(options).unwrap();
        failures.extend(privacy::check_texts(name, client.send(&privacy::marked_query())).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_agent_that_refuses_http_shows_no_user_name() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().https_only(true).build());
    let options = setup::options(&emu).retry_policy(workspace_blocking::RetryPolicy::disabled()).build().unwrap();
    let client = Client::builder(options).transport(UreqTransport::from_agent(agent)).build().unwrap();
    privacy::check_texts("an https-only agent", client.send(&privacy::marked_query())).unwrap();
}
