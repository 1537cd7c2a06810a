//! Exit codes, and the one line a person reads when something fails.

use workspace_blocking::Error;

/// Success.
pub(crate) const OK: u8 = 0;
/// The output could not be written.
pub(crate) const OUTPUT: u8 = 1;
/// Usage or invalid input: nothing was sent.
pub(crate) const USAGE: u8 = 2;
/// Missing or invalid configuration or credentials.
pub(crate) const CONFIG: u8 = 3;
/// The service answered with an error.
pub(crate) const SERVICE: u8 = 4;
/// Network failure or timeout.
pub(crate) const NETWORK: u8 = 5;
/// A response that could not be understood.
pub(crate) const INVALID_RESPONSE: u8 = 6;

/// The exit code of an error.
pub(crate) fn code(error: &Error) -> u8 {
    match error.last_error() {
        Error::InvalidRequest(_) => USAGE,
        Error::Config(_) | Error::Signing(_) => CONFIG,
        Error::Service(_) | Error::Paging(_) => SERVICE,
        Error::Transport(_) => NETWORK,
        Error::InvalidResponse(_) => INVALID_RESPONSE,
        _ => SERVICE,
    }
}
