#![allow(clippy::unwrap_used, missing_docs)]
#[path = "../../workspace-testkit/src/setup.rs"]
#[allow(dead_code, unreachable_pub)]
mod setup;
use std::time::Duration;
use workspace_async::{Client, Query};
use workspace_emulator::{Emulator, EmulatorConfig, Fault, FaultRule};
fn client(emu: &Emulator) -> Client {
    Client::new(setup::options(emu).build().unwrap()).unwrap()
}
#[tokio::test]
async fn dropping_the_future_cancels_the_call() {
    let emu = Emulator::start(EmulatorConfig::default().desktops(5)).unwrap();
    emu.push_faults([FaultRule::new(Fault::delay(Duration::from_secs(3600)), 1)]);
    let c = client(&emu);
    let query = Query::new();
    let call = c.send(&query);
    tokio::pin!(call);
    // Polled until its request is with the emulator, which holds the answer back for an hour.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while emu.stats().requests == 0 {
        assert!(std::time::Instant::now() < deadline, "the request never reached the emulator");
        tokio::select! {
            r = &mut call => panic!("the call cannot end before its delayed answer: {r:?}"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
    drop(call);
    // The emulator sees the client go away before its answer is written.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while emu.stats().abandoned != 1 {
        assert!(std::time::Instant::now() < deadline, "the emulator never saw the call abandoned: {:?}", emu.stats());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The client is still usable; the next request is answered normally.
    assert_eq!(c.send(&Query::new()).await.unwrap().total_count(), Some(5));
}
