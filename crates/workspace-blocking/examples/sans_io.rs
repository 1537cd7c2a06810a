//! Drives the sans-IO core by hand with any HTTP library (here ureq, used directly): the core
//! builds and signs each request, decides retries and waits, and parses every response; the
//! loop only moves bytes and time.
//!
//! ```text
//! cargo run -p workspace-blocking --example sans_io
//! ```

use std::time::SystemTime;

use workspace_core::op::{Operation, PagesOp, Step};
use workspace_core::{AttemptTimeout, ClientCore, Query, TransportError};
use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default().desktops(230))?;
    emulator.push_faults([FaultRule::new(Fault::status(503), 1)]); // the first request fails once
    let options = emulator.client_options()?.build()?;
    // The same options value a client takes; the core holds what the calls learn.
    let core = ClientCore::new(options);
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());

    // Paging sends one request at a time, so this loop never has two in flight.
    let mut op = PagesOp::new(&core, &Query::new().limit(100));
    loop {
        match op.step(SystemTime::now()) {
            Step::Send(ticket, req) => {
                println!("-> {} {}", req.method(), req.uri().path_and_query().map(|p| p.as_str()).unwrap_or(""));
                // The whole exchange is limited by the attempt's timeout, which the core sets.
                let timeout = req.extensions().get::<AttemptTimeout>().map(|t| t.0);
                let req = agent.configure_request(req).timeout_global(timeout).build();
                let outcome = agent
                    .run(req)
                    .and_then(|r| {
                        let (parts, mut body) = r.into_parts();
                        Ok(http::Response::from_parts(parts, body.read_to_vec()?))
                    })
                    .map_err(TransportError::io);
                op.complete(ticket, outcome, SystemTime::now())?;
            }
            Step::Sleep(d) => {
                println!("   waiting {d:?} before retrying");
                std::thread::sleep(d);
            }
            Step::Yield(page) => {
                let page = page?;
                println!("<- {} desktops (total {:?})", page.desktops().len(), page.total_count());
            }
            Step::Await => unreachable!("one request at a time"),
            Step::Done => return Ok(()),
        }
    }
}
