//! The proxy variables, with the built-in transport: loopback endpoints never use a proxy, and
//! `NO_PROXY` is read as curl reads it. Each case runs in a child process with its own variables.
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

use workspace_async::Client;

#[test]
fn loopback_endpoints_never_reach_a_proxy_and_no_proxy_is_honoured() {
    privacy::run_proxy_cases(
        "one_call_with_the_parents_variables",
        cfg!(any(feature = "rustls", feature = "native-tls")),
    );
}

#[tokio::test]
#[ignore = "a child of loopback_endpoints_never_reach_a_proxy_and_no_proxy_is_honoured"]
async fn one_call_with_the_parents_variables() {
    let Some(setup) = privacy::ChildSetup::from_env() else { return };
    let client = Client::new(setup.options()).unwrap();
    privacy::report(client.send(&privacy::marked_query()).await);
}
