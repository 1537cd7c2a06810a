//! Faults on demand: what the next requests suffer, in order.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One fault, applied to one API request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and the service's body for it (429 is `APIGW.0308`).
    Status {
        /// The HTTP status: 429, 500, 502, 503 or 504 have the service's own bodies; any other
        /// status gets a generic body.
        status: u16,
        /// The `Retry-After` header to send, in seconds (none when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Close the connection with a TCP reset, without answering.
    Reset,
    /// Answer 200 with a `Content-Length` larger than the body, then close the connection.
    Truncate,
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
    /// Answer 200, send the start of the body, then send nothing more for `ms` milliseconds.
    Stall {
        /// How long the body stalls; an hour when absent.
        #[serde(default = "an_hour_ms")]
        ms: u64,
    },
    /// Answer normally, after waiting `ms` milliseconds.
    Delay {
        /// The added latency.
        ms: u64,
    },
}

fn an_hour_ms() -> u64 {
    3_600_000
}

impl Fault {
    /// A 429 throttling answer, with `Retry-After` when given.
    pub fn throttle(retry_after: Option<u64>) -> Self {
        Fault::Status { status: 429, retry_after }
    }

    /// An answer with `status` and the service's body for it.
    pub fn status(status: u16) -> Self {
        Fault::Status { status, retry_after: None }
    }

    /// A stall of `d`.
    pub fn stall(d: Duration) -> Self {
        Fault::Stall { ms: d.as_millis() as u64 }
    }

    /// An added latency of `d`.
    pub fn delay(d: Duration) -> Self {
        Fault::Delay { ms: d.as_millis() as u64 }
    }
}

/// A fault and how many consecutive API requests it applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The fault.
    #[serde(flatten)]
    pub fault: Fault,
    /// How many requests in a row get it (at least 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// `fault` for the next `times` requests.
    pub fn new(fault: Fault, times: u32) -> Self {
        Self { fault, times: times.max(1) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form() {
        assert!(serde_json::from_str::<Vec<FaultRule>>(r#"[{"fault":"no_such_kind"}]"#).is_err());
        let rules: Vec<FaultRule> =
            serde_json::from_str(r#"[{"fault":"status","status":503,"times":2},{"fault":"reset"},{"fault":"stall"}]"#)
                .unwrap();
        assert_eq!(rules[0], FaultRule::new(Fault::status(503), 2));
        assert_eq!(rules[1], FaultRule::new(Fault::Reset, 1));
        assert_eq!(rules[2].fault, Fault::Stall { ms: 3_600_000 });
        let text = serde_json::to_string(&FaultRule::new(Fault::throttle(Some(2)), 1)).unwrap();
        assert_eq!(text, r#"{"fault":"status","status":429,"retry_after":2,"times":1}"#);
    }
}
