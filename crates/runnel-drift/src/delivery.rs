//! When the capture side last delivered frames into the channel, published so that the playback
//! side can time its fill without ever pairing one delivery's frames with another's time.

use std::sync::atomic::{fence, AtomicU64, Ordering};

/// The longest wait since a delivery the timed fill counts: a capture that stalled must not
/// make the channel look ever fuller.
const MAX_SINCE_NS: u64 = 1_000_000_000;

/// The capture side's delivery time, shared between its callback (the writer) and the playback
/// callback (the reader).
///
/// The timed fill is "frames queued + frames that have arrived at the capture device since its
/// last delivery" (see [`crate::FrameSource::fill_frames`]). Read naively — the queue, then the
/// time — it is wrong whenever the playback side reads while a delivery is under way: the queue
/// already holds the new frames (or some of them) while the time is still the previous
/// delivery's, so the fill comes out up to a period too high. On a busy machine that happened in
/// a few percent of the reads at start-up, exactly while the corrector learns its target, and a
/// target learnt high made a corrector between two devices on one clock repeat frames later.
/// Here the writer marks a delivery as under way before it commits frames and stamps it when
/// done (a sequence lock, the stamp being the sequence); the reader takes the fill only when no
/// delivery began or ended while it looked at the queue, and otherwise reports none.
#[derive(Debug, Default)]
pub struct DeliveryClock {
    /// The last delivery's time in nanoseconds (on the host's clock) shifted left by one; the
    /// low bit set while a delivery is under way.
    state: AtomicU64,
}

impl DeliveryClock {
    /// A clock that has seen no delivery yet (its time is 0).
    pub const fn new() -> Self {
        Self { state: AtomicU64::new(0) }
    }

    /// The writer: a delivery begins (call before the first frame is committed).
    pub fn begin(&self) {
        let state = self.state.load(Ordering::Relaxed);
        self.state.store(state | 1, Ordering::Relaxed);
        // The mark must be visible before any of the delivery's frames are.
        fence(Ordering::Release);
    }

    /// The writer: the delivery is committed; `arrival_ns` is when its frames were at the
    /// device (the callback's start is the best the host knows).
    pub fn end(&self, arrival_ns: u64) {
        self.state.store(arrival_ns << 1, Ordering::Release);
    }

    /// The time of the last completed delivery, nanoseconds (0 before the first).
    pub fn last_delivery_ns(&self) -> u64 {
        self.state.load(Ordering::Acquire) >> 1
    }

    /// The reader: the frames `queued` reports plus the frames that have arrived at the capture
    /// device since the last delivery (`now_ns` minus its time, at `frames_per_ns`, at most a
    /// second's worth); `None` when a delivery was under way or completed while `queued` looked.
    pub fn timed_fill(&self, now_ns: u64, frames_per_ns: f64, queued: impl FnOnce() -> usize) -> Option<f64> {
        let before = self.state.load(Ordering::Acquire);
        let frames = queued();
        // The queue's count must be read before the second look at the state.
        fence(Ordering::Acquire);
        let after = self.state.load(Ordering::Relaxed);
        if before != after || before & 1 == 1 {
            return None;
        }
        let since = now_ns.saturating_sub(before >> 1).min(MAX_SINCE_NS);
        Some(frames as f64 + since as f64 * frames_per_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_is_timed_from_the_last_completed_delivery() {
        let clock = DeliveryClock::new();
        clock.begin();
        clock.end(1_000_000);
        // 48 frames per millisecond; 2 ms after the delivery, 100 frames queued.
        let fill = clock.timed_fill(3_000_000, 48e-6, || 100);
        assert!((fill.unwrap() - 196.0).abs() < 1e-9, "{fill:?}");
        assert_eq!(clock.last_delivery_ns(), 1_000_000);
    }

    #[test]
    fn no_fill_while_a_delivery_is_under_way_or_ends_during_the_look() {
        let clock = DeliveryClock::new();
        clock.end(1_000_000);
        clock.begin();
        assert_eq!(clock.timed_fill(2_000_000, 48e-6, || 150), None, "a delivery under way");
        clock.end(2_000_000);
        assert!(clock.timed_fill(2_000_000, 48e-6, || 150).is_some());
        // A delivery that begins while the reader counts the queue.
        let fill = clock.timed_fill(3_000_000, 48e-6, || {
            clock.begin();
            200
        });
        assert_eq!(fill, None);
        // One that begins and ends while it counts.
        clock.end(3_000_000);
        let fill = clock.timed_fill(4_000_000, 48e-6, || {
            clock.begin();
            clock.end(3_500_000);
            250
        });
        assert_eq!(fill, None);
    }

    #[test]
    fn a_stalled_capture_counts_at_most_a_second() {
        let clock = DeliveryClock::new();
        clock.end(0);
        let fill = clock.timed_fill(60_000_000_000, 48e-6, || 0).unwrap();
        assert!((fill - 48_000.0).abs() < 1e-6, "{fill}");
    }

    /// A writer thread delivering 64-frame periods into a counter as fast as it can, a reader
    /// timing the fill meanwhile: whenever the reader gets a fill, it is the queue as of a
    /// completed delivery, never one with part of the next in it.
    #[test]
    fn concurrent_reads_never_see_a_delivery_half_done() {
        use std::sync::atomic::AtomicUsize;
        use std::sync::Arc;
        const PERIOD: usize = 64;
        const DELIVERIES: u64 = 200_000;
        let clock = Arc::new(DeliveryClock::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (clock, queued) = (clock.clone(), queued.clone());
            std::thread::spawn(move || {
                for delivery in 1..=DELIVERIES {
                    clock.begin();
                    // Frames committed one at a time, as a per-frame push does.
                    for _ in 0..PERIOD {
                        queued.fetch_add(1, Ordering::Relaxed);
                    }
                    // The "time" is the delivery's number: the queue it stamps is PERIOD times it.
                    clock.end(delivery);
                }
            })
        };
        let (mut timed, mut refused) = (0u64, 0u64);
        while !writer.is_finished() {
            match clock.timed_fill(0, 0.0, || queued.load(Ordering::Relaxed)) {
                Some(fill) => {
                    let delivery = clock.last_delivery_ns();
                    // The fill's queue is a whole number of periods (at now 0, `since` is 0).
                    assert_eq!(fill as usize % PERIOD, 0, "a fill of {fill} after delivery {delivery}");
                    timed += 1;
                }
                None => refused += 1,
            }
        }
        writer.join().unwrap();
        println!("{timed} fills timed, {refused} refused while a delivery was under way");
        assert!(timed > 0);
    }
}
