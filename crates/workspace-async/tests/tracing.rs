//! What tracing shows, through the async client; alone in its test binary (see the suite).

workspace_testkit::tracing_suite!(workspace_testkit::Async);
