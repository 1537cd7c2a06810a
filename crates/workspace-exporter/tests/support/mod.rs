//! What the tests share.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod exposition;
pub mod process;
