//! The documented bounds of the API, in one place.
//!
//! Validation reads every bound from here, so a relaxed service limit is a one-line change. These
//! are the only rules the documentation states for this operation; nothing else is refused.

/// The largest `offset` the service accepts.
pub const MAX_OFFSET: u32 = 2000;
/// The largest `limit` the service accepts.
pub const MAX_LIMIT: u32 = 2000;
/// The `limit` the service applies when none is sent.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most user names one request may filter on.
pub const MAX_USER_NAMES: usize = 100;
/// The longest project id accepted (real ones are 32 hex digits; the bound keeps a path segment
/// and a header value sane).
pub const MAX_PROJECT_ID_LEN: usize = 64;
/// The most items one query can reach: the last `offset` plus one last page of `limit`.
pub const QUERY_WINDOW: u64 = MAX_OFFSET as u64 + MAX_LIMIT as u64;
