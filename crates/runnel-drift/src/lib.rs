//! Clock-drift correction between two audio devices.
//!
//! A capture device and a playback device on different clocks never run at exactly the same
//! rate: a few tens of parts per million apart is normal for USB interfaces, so the channel
//! between them slowly fills up or runs dry. Left alone, it eventually overflows (frames
//! discarded) or underflows (silence inserted): a click by design. [`DriftSlip`] watches how
//! full the channel is, averaged over many periods so the interleaving of the two callbacks
//! does not count as drift, and when the average has wandered from its target it *slips*: it
//! drops or repeats a few frames, crossfading from the stream as it was to the stream shifted
//! by the slip over a whole period, so the seam is a short raised-cosine blend instead of a
//! step. Every slipped frame is counted.
//!
//! An xrun or a late callback is not drift: the fill *steps* (a stalled playback callback
//! leaves the capture side's frames of the stall queued), and slipping that back a few frames
//! at a time would hold the longer round trip for seconds, with a crossfade in every period.
//! [`DriftSlip::resync`] tells the corrector so: it lets the restarted stream settle, measures
//! the fill afresh and drops any excess at once, in one crossfaded jump.
//!
//! Everything is allocated in [`DriftSlip::new`]; [`DriftSlip::read`] only copies.

mod delivery;

pub use delivery::DeliveryClock;

/// Where the frames come from: the capture side of the channel.
pub trait FrameSource {
    /// Frames ready to be read now.
    fn available_frames(&self) -> usize;
    /// How full the channel is for drift purposes, in frames, or `None` when the source cannot
    /// tell now (its writer was delivering: [`DeliveryClock::timed_fill`]); a read without a
    /// fill is made but not averaged. By default the frames ready; a source that knows when its
    /// writer last ran should add the frames that have arrived at the writer's device since
    /// (time since the write × rate): then the figure no longer jumps by a period with the
    /// order in which the two callbacks happen to run, and only real drift moves it.
    fn fill_frames(&self) -> Option<f64> {
        Some(self.available_frames() as f64)
    }
    /// Reads `frames` frames into the first `frames` samples of each of `channels` (one slice
    /// per channel), filling what it cannot deliver with silence; returns the frames delivered.
    fn read_into(&mut self, channels: &mut [Vec<f32>], frames: usize) -> usize;
}

/// The most frames one slip moves. Small slips keep the crossfaded seam short and mild (a slip
/// of 16 frames at 48 kHz shifts the stream by a third of a millisecond).
pub const MAX_SLIP_FRAMES: usize = 16;

/// How the average fill follows the measured fill per callback (an exponential average over
/// about 64 callbacks, long enough to ignore callback interleaving).
const FILL_AVERAGE_WEIGHT: f64 = 1.0 / 64.0;
/// Fills (reads that had one) whose plain mean becomes the target.
const CALIBRATION_CALLBACKS: usize = 64;
/// Reads a resync lets pass before it measures: after an xrun cpal restarts the playback
/// stream and refills its two-period buffer at once, so the first reads see the fill swing by
/// periods.
const RESYNC_SETTLE_READS: usize = 8;
/// Fills whose plain mean a resync compares with the target, after settling: at least this
/// many, over at least [`RESYNC_MEASURE_FRAMES`] of reading.
const RESYNC_MEASURE_READS: usize = 8;
/// The least a resync measures the fill over, in frames read (170 ms at 48 kHz): the timed fill
/// of one read carries the callbacks' wake-up jitter (tens of frames on a busy machine, whatever
/// the period), so small periods need more reads for the same accuracy of the jump.
const RESYNC_MEASURE_FRAMES: usize = 8192;
/// The longest resync jump, in periods (a longer excess is left to the slips).
const MAX_JUMP_PERIODS: usize = 4;

/// What one read did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Frames the source could not deliver (played as silence).
    pub missing_frames: usize,
    /// Frames skipped to catch up with a faster capture clock.
    pub dropped_frames: usize,
    /// Frames repeated to wait for a slower capture clock.
    pub repeated_frames: usize,
    /// Frames dropped at once after a discontinuity ([`DriftSlip::resync`]).
    pub resync_dropped_frames: usize,
}

/// A resync in progress: the reads since it was asked for and their fills.
#[derive(Debug, Clone, Copy)]
struct Resync {
    /// Reads since [`DriftSlip::resync`].
    reads: usize,
    /// Fills measured after settling.
    fills: usize,
    /// Frames read while measuring.
    frames_measured: usize,
    /// The sum of the fills measured after settling.
    fill_sum: f64,
}

/// The drift corrector for one channel.
#[derive(Debug, Clone)]
pub struct DriftSlip {
    /// Frames the channel should hold on average when read: what it held over the first
    /// [`CALIBRATION_CALLBACKS`] reads (the latency it was set up with, as the two callbacks
    /// happen to interleave), `None` until then.
    target_fill: Option<f64>,
    /// Reads with a fill so far, up to [`CALIBRATION_CALLBACKS`].
    calibration_fills: usize,
    /// The average fill must leave the target by more than this before a slip.
    tolerance: f64,
    /// Average fill, in frames.
    average_fill: f64,
    /// Frames read from the source this callback, per channel (period + a slip).
    scratch: Vec<Vec<f32>>,
    /// The last [`MAX_SLIP_FRAMES`] frames read from the source, per channel, oldest first:
    /// what a repeat replays.
    history: Vec<[f32; MAX_SLIP_FRAMES]>,
    /// The resync in progress, if any.
    resync: Option<Resync>,
    /// The longest resync jump, frames.
    max_jump: usize,
    /// The stream's fault count when [`DriftSlip::follow_faults`] last saw it.
    faults_seen: u64,
}

impl DriftSlip {
    /// A corrector for `channels` channels and periods of up to `max_period` frames. The
    /// tolerance is a quarter period (at least 2 slips' worth): the fill seen at one read moves
    /// by up to a period with the callbacks' interleaving, but its average does not.
    pub fn new(channels: usize, max_period: usize) -> Self {
        Self {
            target_fill: None,
            calibration_fills: 0,
            tolerance: (max_period as f64 / 4.0).max(2.0 * MAX_SLIP_FRAMES as f64),
            average_fill: 0.0,
            scratch: vec![
                vec![0.0; max_period + (MAX_JUMP_PERIODS * max_period).max(MAX_SLIP_FRAMES)];
                channels
            ],
            history: vec![[0.0; MAX_SLIP_FRAMES]; channels],
            resync: None,
            max_jump: MAX_JUMP_PERIODS * max_period,
            faults_seen: 0,
        }
    }

    /// Follows the stream's running count of discontinuities (its xruns plus its late
    /// callbacks, as the host counts them): when it has changed since the last call, the
    /// corrector [resyncs](DriftSlip::resync). Call it before each read.
    pub fn follow_faults(&mut self, faults: u64) {
        if faults != self.faults_seen {
            self.faults_seen = faults;
            self.resync();
        }
    }

    /// Tells the corrector the stream just had a discontinuity (an xrun, a late callback):
    /// after [`RESYNC_SETTLE_READS`] reads it measures the fill over [`RESYNC_MEASURE_READS`]
    /// more (and [`RESYNC_MEASURE_FRAMES`] at least) and drops whatever exceeds the target
    /// beyond the tolerance in one crossfaded jump
    /// (up to four periods), so the round trip is back where it was within a few dozen
    /// periods. A fill that came out short is left to the slips (jumping back would replay
    /// audio already heard). Before the target is known (the first reads), it does nothing.
    pub fn resync(&mut self) {
        if self.target_fill.is_some() {
            self.resync = Some(Resync { reads: 0, fills: 0, frames_measured: 0, fill_sum: 0.0 });
        }
    }

    /// The average fill now, in frames (for status displays).
    pub fn average_fill(&self) -> f64 {
        self.average_fill
    }

    /// Fills `frames` frames of each of `out` (one slice per channel, at most as many channels
    /// as the corrector was made for, at most `max_period` frames) from `source`, slipping when
    /// the average fill has drifted.
    pub fn read(
        &mut self,
        source: &mut impl FrameSource,
        out: &mut [Vec<f32>],
        frames: usize,
    ) -> ReadOutcome {
        let available = source.available_frames();
        let fill = source.fill_frames();
        if let (Some(target), Some(resync)) = (self.target_fill, self.resync.as_mut()) {
            resync.reads += 1;
            if let (true, Some(fill)) = (resync.reads > RESYNC_SETTLE_READS, fill) {
                resync.fill_sum += fill;
                resync.fills += 1;
                resync.frames_measured += frames;
            }
            if resync.fills < RESYNC_MEASURE_READS || resync.frames_measured < RESYNC_MEASURE_FRAMES {
                return self.read_plain(source, out, frames);
            }
            let measured = resync.fill_sum / resync.fills as f64;
            self.resync = None;
            self.average_fill = measured;
            let excess = measured - target;
            if excess > self.tolerance {
                let jump = (excess.round() as usize).min(self.max_jump).min(available.saturating_sub(frames));
                if jump > 0 {
                    let missing_frames = self.read_dropping(source, out, frames, jump);
                    return ReadOutcome {
                        missing_frames,
                        resync_dropped_frames: jump,
                        ..ReadOutcome::default()
                    };
                }
            }
            return self.read_plain(source, out, frames);
        }
        let error = match (self.target_fill, fill) {
            (Some(target), Some(fill)) => {
                self.average_fill += (fill - self.average_fill) * FILL_AVERAGE_WEIGHT;
                self.average_fill - target
            }
            // No fill this time: the average stands.
            (Some(target), None) => self.average_fill - target,
            (None, None) => 0.0,
            (None, Some(fill)) => {
                self.calibration_fills += 1;
                self.average_fill += (fill - self.average_fill) / self.calibration_fills as f64;
                if self.calibration_fills == CALIBRATION_CALLBACKS {
                    self.target_fill = Some(self.average_fill);
                }
                0.0
            }
        };
        let slip = (error.abs() - self.tolerance).clamp(0.0, MAX_SLIP_FRAMES as f64).ceil() as usize;
        // A repeat needs frames to blend over; a drop needs the extra frames to be there.
        let slip = slip.min(frames / 2);
        let channels = out.len().min(self.scratch.len());
        let mut outcome = ReadOutcome::default();
        if slip > 0 && error > 0.0 && available >= frames + slip {
            let missing_frames = self.read_dropping(source, out, frames, slip);
            return ReadOutcome { missing_frames, dropped_frames: slip, ..ReadOutcome::default() };
        } else if slip > 0 && error < 0.0 {
            let new = frames - slip;
            let read = source.read_into(&mut self.scratch, new);
            outcome.missing_frames = new.saturating_sub(read);
            for ((out, x), past) in out.iter_mut().zip(&self.scratch).zip(&self.history).take(channels) {
                // The stream shifted back by `slip`: the history's last frames, then the new ones.
                let shifted =
                    |i: usize| if i < slip { past[MAX_SLIP_FRAMES - slip + i] } else { x[i - slip] };
                for i in 0..new {
                    let w = blend(i, new);
                    out[i] = x[i] * (1.0 - w) + shifted(i) * w;
                }
                for (i, y) in out[..frames].iter_mut().enumerate().skip(new) {
                    *y = shifted(i);
                }
            }
            self.remember(new);
            self.average_fill += slip as f64;
            outcome.repeated_frames = slip;
        } else {
            return self.read_plain(source, out, frames);
        }
        outcome
    }

    /// Reads `frames` frames as they come.
    fn read_plain(
        &mut self,
        source: &mut impl FrameSource,
        out: &mut [Vec<f32>],
        frames: usize,
    ) -> ReadOutcome {
        let read = source.read_into(&mut self.scratch, frames);
        for (out, x) in out.iter_mut().zip(&self.scratch) {
            out[..frames].copy_from_slice(&x[..frames]);
        }
        self.remember(frames);
        ReadOutcome { missing_frames: frames.saturating_sub(read), ..ReadOutcome::default() }
    }

    /// Reads `frames + skip` frames and plays `frames`, crossfading from the stream as it was to
    /// the stream `skip` frames later over the whole read; returns the frames the source could
    /// not deliver.
    fn read_dropping(
        &mut self,
        source: &mut impl FrameSource,
        out: &mut [Vec<f32>],
        frames: usize,
        skip: usize,
    ) -> usize {
        let read = source.read_into(&mut self.scratch, frames + skip);
        for (out, x) in out.iter_mut().zip(&self.scratch) {
            for i in 0..frames {
                let w = blend(i, frames);
                out[i] = x[i] * (1.0 - w) + x[i + skip] * w;
            }
        }
        self.remember(frames + skip);
        self.average_fill -= skip as f64;
        (frames + skip).saturating_sub(read)
    }

    /// Keeps the last frames of the `read` frames just taken from the source.
    fn remember(&mut self, read: usize) {
        for (past, x) in self.history.iter_mut().zip(&self.scratch) {
            if read >= MAX_SLIP_FRAMES {
                past.copy_from_slice(&x[read - MAX_SLIP_FRAMES..read]);
            } else {
                past.copy_within(read.., 0);
                past[MAX_SLIP_FRAMES - read..].copy_from_slice(&x[..read]);
            }
        }
    }
}

/// The crossfade's weight of the shifted stream at frame `i` of `length`: a raised cosine from
/// 0 to 1 (equal gain, since the two streams a slip blends are the same sound moments apart).
fn blend(i: usize, length: usize) -> f32 {
    let x = (i as f32 + 0.5) / length as f32;
    0.5 - 0.5 * (std::f32::consts::PI * x).cos()
}
