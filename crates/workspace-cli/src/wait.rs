//! The wait between two polls of `watch`, which ends early when the reader of stdout goes away,
//! so that `wks ... watch | head` ends even when nothing changes.

use std::time::Duration;

/// Waits for `d`; true when the reader of stdout went away meanwhile (a closed pipe or socket).
/// On Unix it polls stdout for an error or hang-up; elsewhere it only sleeps.
pub(crate) fn reader_gone_within(d: Duration) -> bool {
    #[cfg(unix)]
    return unix::reader_gone_within(d);
    #[cfg(not(unix))]
    {
        std::thread::sleep(d);
        false
    }
}

#[cfg(unix)]
mod unix {
    use std::time::{Duration, Instant};

    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use rustix::io::Errno;

    pub(super) fn reader_gone_within(d: Duration) -> bool {
        let stdout = std::io::stdout();
        let end = Instant::now() + d;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            // No event is asked for: poll reports only an error or a hang-up (or an invalid fd).
            let mut fds = [PollFd::new(&stdout, PollFlags::empty())];
            let Ok(timeout) = Timespec::try_from(left) else {
                std::thread::sleep(left);
                return false;
            };
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => {}
                Ok(_) if fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP) => return true,
                Err(Errno::INTR) => {}
                // Not something poll can watch: wait the rest of the time.
                Ok(_) | Err(_) => {
                    std::thread::sleep(left);
                    return false;
                }
            }
        }
    }
}
