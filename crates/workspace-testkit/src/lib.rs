//! The conformance suites both clients run, written once against the [`Driver`] trait.
//!
//! A suite is a module of generic functions `fn name<D: Driver>()` and a macro that expands into
//! one `#[test]` per function in the calling test file, so both clients run literally the same
//! tests:
//!
//! ```ignore
//! workspace_testkit::emulator_suite!(workspace_testkit::Async);
//! ```
//!
//! Features: `blocking` and `async` bring the [`Blocking`] and `Async` drivers, `emulator` the
//! suites and fixtures against the emulator. Without features, the kit is the behavioural
//! suite's data ([`scenarios`]) and the [`Driver`] trait, which the core's reference driver uses.
//! [`shells`] checks the programs' completion scripts and man pages with the real bash and
//! man-db. The kit is never published, and only ever a dev-dependency.
#![forbid(unsafe_code)]

#[cfg(feature = "async")]
mod asynchronous;
pub mod bad_input;
#[cfg(feature = "blocking")]
mod blocking;
mod driver;
#[cfg(feature = "emulator")]
pub mod fault_matrix;
#[cfg(feature = "emulator")]
pub mod privacy;
pub mod scenarios;
#[cfg(feature = "emulator")]
pub mod setup;
pub mod shells;
pub mod suites;
#[cfg(feature = "emulator")]
pub mod variants;

#[cfg(feature = "async")]
pub use asynchronous::Async;
#[cfg(feature = "blocking")]
pub use blocking::Blocking;
pub use driver::{Driver, FleetRun, IdsRead, Listing, SleepHook, StubTransport, Watch, collect_ids, page_ids};
