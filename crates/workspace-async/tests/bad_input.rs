//! Every invalid input is refused before anything is sent, with the field, the value and the rule.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/shared/bad_input.rs"]
#[allow(dead_code, unreachable_pub)]
mod bad_input;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bad_input::{
    check_odd_query_sent, check_refused, empty_page, invalid_items_query, invalid_queries, odd_query, options,
};
use workspace_async::{Client, TransportError};

#[tokio::test]
async fn invalid_requests_name_field_value_and_rule() {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    // No runtime's timer is needed (nothing is retried), so these run without the `reqwest` feature.
    let client = Client::builder(options().build().unwrap())
        .sleep(|_| std::future::ready(()))
        .transport(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Err(TransportError::other("must not be called")) }
        })
        .build()
        .unwrap();
    for (query, field, value) in invalid_queries() {
        check_refused(&client.send(&query).await.unwrap_err(), field, value);
    }
    let (query, field, value) = invalid_items_query();
    check_refused(&client.items(&query).next().await.unwrap().unwrap_err(), field, value);
    assert_eq!(sent.load(Ordering::SeqCst), 0, "nothing was sent");
}

/// Only the documented rules of this operation are enforced: any other name or status is sent as
/// given, encoded as the official SDK encodes it, and the service decides.
#[tokio::test]
async fn names_and_statuses_the_documentation_does_not_forbid_are_sent_as_given() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    // No runtime's timer is needed (nothing is retried), so these run without the `reqwest` feature.
    let client = Client::builder(options().build().unwrap())
        .sleep(|_| std::future::ready(()))
        .transport(move |r: http::Request<Vec<u8>>| {
            log.lock().unwrap().push(r.uri().query().unwrap_or("").to_owned());
            async { Ok(empty_page()) }
        })
        .build()
        .unwrap();
    client.send(&odd_query()).await.unwrap();
    check_odd_query_sent(&seen);
}
