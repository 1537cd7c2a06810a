//! The behavioural suite and bad input, over scripted responses, run through the async client.

workspace_testkit::behaviour_suite!(workspace_testkit::Async);
