//! What tracing shows, through the blocking client; alone in its test binary (see the suite).

workspace_testkit::tracing_suite!(workspace_testkit::Blocking);
