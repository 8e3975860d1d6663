//! Injected faults, for tests: a thread stopped the way a slow disk or an overloaded CPU stops
//! it, so that the counters and the audio that follows can be checked against a known cause.

use std::time::Duration;

/// A test hook: the thread it is given to stops for `duration` once `after` has passed since
/// that thread's clock started (the recorder's writer, or the playback callback that runs the
/// engine). `None` wherever it is taken means no fault, as in normal use.
#[derive(Debug, Clone, Copy)]
pub struct Stall {
    /// When the stall starts.
    pub after: Duration,
    /// How long it lasts.
    pub duration: Duration,
}

impl Stall {
    /// How much of the stall is left at `elapsed` (zero before it starts and after it ended).
    pub fn remaining(&self, elapsed: Duration) -> Duration {
        if elapsed < self.after {
            Duration::ZERO
        } else {
            (self.after + self.duration).saturating_sub(elapsed)
        }
    }

    /// Sleeps for what is left of the stall at `elapsed` (once it is due; afterwards nothing is
    /// left, so it happens once). On an audio thread this is exactly the fault being simulated.
    pub fn wait_if_due(&self, elapsed: Duration) {
        let remaining = self.remaining(elapsed);
        if !remaining.is_zero() {
            std::thread::sleep(remaining);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_window_counts() {
        let stall = Stall { after: Duration::from_millis(100), duration: Duration::from_millis(40) };
        assert_eq!(stall.remaining(Duration::from_millis(99)), Duration::ZERO);
        assert_eq!(stall.remaining(Duration::from_millis(100)), Duration::from_millis(40));
        assert_eq!(stall.remaining(Duration::from_millis(130)), Duration::from_millis(10));
        assert_eq!(stall.remaining(Duration::from_millis(140)), Duration::ZERO);
    }
}
