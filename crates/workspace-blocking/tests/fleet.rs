//! Fleet-scale reads against the emulator, through the blocking client.

workspace_testkit::fleet_suite!(workspace_testkit::Blocking);
