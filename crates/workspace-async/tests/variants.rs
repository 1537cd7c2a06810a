//! Every behaviour the documentation leaves open, with the async client against the emulator.

workspace_testkit::variants_suite!(workspace_testkit::Async);
