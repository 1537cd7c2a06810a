//! The behavioural suite and bad input, over scripted responses, run through the blocking client.

workspace_testkit::behaviour_suite!(workspace_testkit::Blocking);
