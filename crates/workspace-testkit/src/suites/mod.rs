//! The suites: generic functions, one per test, each run for a [`Driver`](crate::Driver) by the
//! macro of its suite, which expands into one `#[test]` per function in the calling test file.

pub mod behaviour;
#[cfg(feature = "emulator")]
pub mod emulator;
#[cfg(feature = "emulator")]
pub mod fleet;
#[cfg(feature = "emulator")]
pub mod tracing;
#[cfg(feature = "emulator")]
pub mod variants;

/// One `#[test]` per name, each calling the suite's function of that name for the driver.
#[doc(hidden)]
#[macro_export]
macro_rules! __suite_tests {
    ($driver:ty, $suite:ident: $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::suites::$suite::$name::<$driver>();
            }
        )*
    };
}
