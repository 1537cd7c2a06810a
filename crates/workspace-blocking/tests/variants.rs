//! Every behaviour the documentation leaves open, with the blocking client against the emulator.

workspace_testkit::variants_suite!(workspace_testkit::Blocking);
