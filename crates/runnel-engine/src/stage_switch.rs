//! Click-free, latency-aligned on/off switching of a stage.
//!
//! Turning a stage off or on is a crossfade between the stage's input (dry) and its output
//! (processed), so that neither a delay line full of echoes nor a filter's sudden phase shift
//! produces a step. When a stage is fully off it is not processed at all (no CPU), and it is
//! reset before it fades back in, so stale echoes from minutes ago never reappear.
//!
//! # Latency
//! A stage whose output lags its input by `L` samples (a look-ahead limiter, a linear-phase
//! filter) would comb-filter against an undelayed dry copy during the fade. So the dry path runs
//! through a ring of exactly `L` frames, always (on, off and fading): dry and processed signals
//! are aligned to the sample, and the switch's latency is `L` whether the stage is on or off, so
//! a host's delay compensation never changes on a toggle. The ring also holds the last `L` input
//! frames, which is what a reset stage needs to be *primed* with before it fades back in: it
//! processes them (output discarded) so its own look-ahead is full and its first output sample
//! is already the right one. For `L = 0` none of this costs anything: no ring, no priming.
//!
//! A stage whose latency is a setting (a limiter's lookahead) or counts only while it is on
//! (the dynamics stages, so that an off limiter adds no latency) reports its current latency
//! after each `apply`; the ring is sized for its [`max_latency_samples`](Stage::max_latency_samples)
//! and the dry path follows ([`sync_latency`](StageSwitch::sync_latency)). A stage fading out
//! keeps its latency until the fade is over, so the fade itself stays aligned; the one jump
//! of the dry path's delay is the latency change the host is told about.

use crate::smoothing::LinearSmoother;
use crate::stage::Stage;

/// Crossfade time for stage on/off switches.
pub const SWITCH_FADE_MS: f32 = 10.0;

/// What the switch does with its stage for the current block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchState {
    /// Fully off: the stage is skipped; the output is the (aligned) dry signal.
    Bypassed,
    /// Fully on: the stage processes in place.
    Active,
    /// Fading in or out: the aligned dry signal is crossfaded with the stage's output.
    Fading,
}

/// The per-stage on/off crossfader with its latency-aligned dry path.
#[derive(Debug, Clone, Default)]
pub struct StageSwitch {
    /// 0 = bypassed, 1 = fully active; ramps linearly between.
    wet_amount: LinearSmoother,
    /// Whether the next `set_enabled` should jump (right after prepare/reset).
    snap_next: bool,
    /// Set when the stage went from fully off to fading in: it is reset and primed first.
    needs_stage_reset: bool,
    /// The dry path's memory: the last `max_latency` input frames, left channel (empty for a
    /// stage that never has latency).
    ring_left: Vec<f32>,
    /// Right channel counterpart of `ring_left`.
    ring_right: Vec<f32>,
    /// Slot of `ring_left`/`ring_right` the next frame is written to (the oldest frame held).
    ring_pos: usize,
    /// The dry path's current delay in frames (≤ the ring's length): the stage's latency.
    delay: usize,
    /// The aligned dry signal of the current block (and the priming buffer); `max_block` long.
    dry_left: Vec<f32>,
    /// Right channel counterpart of `dry_left`.
    dry_right: Vec<f32>,
}

impl StageSwitch {
    /// A switch that starts enabled. Call [`prepare()`](Self::prepare) before use.
    pub fn new() -> Self {
        Self { wet_amount: LinearSmoother::new(1.0), snap_next: true, ..Default::default() }
    }

    /// Allocates the dry buffers for blocks of up to `max_block` frames and a dry-path delay of
    /// up to `max_latency` frames (the stage's largest latency), then resets; the delay starts
    /// at `max_latency` until [`sync_latency`](Self::sync_latency) says otherwise.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize, max_latency: u32) {
        self.wet_amount.set_ramp(sample_rate, SWITCH_FADE_MS);
        self.dry_left = vec![0.0; max_block];
        self.dry_right = vec![0.0; max_block];
        self.ring_left = vec![0.0; max_latency as usize];
        self.ring_right = vec![0.0; max_latency as usize];
        self.delay = max_latency as usize;
        self.reset();
    }

    /// Follows the stage's current latency (call after the stage's `apply`). While the stage
    /// fades out, its latency is kept until the fade is over, so dry and processed signals stay
    /// aligned during the fade. Never above the ring's length.
    #[inline]
    pub fn sync_latency<S: Stage + ?Sized>(&mut self, stage: &S) {
        let latency = (stage.latency_samples() as usize).min(self.ring_left.len());
        let fading_out = self.wet_amount.target() == 0.0 && self.state() == SwitchState::Fading;
        if !(fading_out && latency < self.delay) {
            self.delay = latency;
        }
    }

    /// Ends any fade and silences the dry path; the next `set_enabled` takes effect without a
    /// fade.
    pub fn reset(&mut self) {
        let target = self.wet_amount.target();
        self.wet_amount.reset(target);
        self.snap_next = true;
        self.needs_stage_reset = false;
        self.ring_left.fill(0.0);
        self.ring_right.fill(0.0);
        self.ring_pos = 0;
    }

    /// The delay of the dry path, equal to the stage's latency (see
    /// [`sync_latency`](Self::sync_latency)): the latency of the switched stage, on or off.
    pub fn latency_samples(&self) -> u32 {
        self.delay as u32
    }

    /// Sets whether the stage should be heard.
    pub fn set_enabled(&mut self, enabled: bool) {
        let target = if enabled { 1.0 } else { 0.0 };
        if self.snap_next {
            self.wet_amount.reset(target);
            self.snap_next = false;
            return;
        }
        if enabled && self.state() == SwitchState::Bypassed {
            self.needs_stage_reset = true;
        }
        self.wet_amount.set_target(target);
    }

    /// What happens to the stage in the next block.
    pub fn state(&self) -> SwitchState {
        if self.wet_amount.is_smoothing() {
            SwitchState::Fading
        } else if self.wet_amount.current() == 0.0 {
            SwitchState::Bypassed
        } else {
            SwitchState::Active
        }
    }

    /// Samples of output that can follow silent input: the stage's tail while it is audible,
    /// the dry path's delay while it is off.
    pub fn tail_samples<S: Stage + ?Sized>(&self, stage: &S) -> Option<u32> {
        if self.state() == SwitchState::Bypassed {
            Some(self.latency_samples())
        } else {
            stage.tail_samples()
        }
    }

    /// Runs `stage` on the block (at most `max_block` frames) with the switch applied: skipped
    /// when off, in place when on, crossfaded with the aligned dry signal while fading. A stage
    /// fading back in from fully off is reset and primed first.
    #[inline]
    pub fn run<S: Stage + ?Sized>(&mut self, stage: &mut S, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len()).min(self.dry_left.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        self.sync_latency(stage);
        if std::mem::take(&mut self.needs_stage_reset) {
            stage.reset();
            self.prime(stage);
        }
        let state = self.state();
        if self.ring_left.is_empty() {
            // No latency: the dry signal is the block itself.
            match state {
                SwitchState::Bypassed => {}
                SwitchState::Active => stage.process(left, right),
                SwitchState::Fading => {
                    self.dry_left[..n].copy_from_slice(left);
                    self.dry_right[..n].copy_from_slice(right);
                    stage.process(left, right);
                    self.crossfade(left, right);
                }
            }
            return;
        }
        // Latent stage: the ring records in every state so the aligned dry signal is always
        // there. The dry block itself is only needed while fading, or while off with a
        // non-zero delay (off with no delay, the block already is the dry signal).
        let dry_needed = match state {
            SwitchState::Active => false,
            SwitchState::Bypassed => self.delay > 0,
            SwitchState::Fading => true,
        };
        self.delay_dry(left, right, dry_needed);
        match state {
            SwitchState::Bypassed => {
                if self.delay > 0 {
                    left.copy_from_slice(&self.dry_left[..n]);
                    right.copy_from_slice(&self.dry_right[..n]);
                }
            }
            SwitchState::Active => stage.process(left, right),
            SwitchState::Fading => {
                stage.process(left, right);
                self.crossfade(left, right);
            }
        }
        // A fade-out that just ended releases the latency it held.
        self.sync_latency(stage);
    }

    /// Writes the block delayed by the current delay into `dry_left`/`dry_right` (when
    /// `dry_needed`) and records the block into the ring.
    ///
    /// Block-wise: frame `i` of the delayed block is the ring's frame written `delay − i` frames
    /// before the block for `i < delay` (the ring still holds it: a block overwrites only slots
    /// younger than that), and the block's own frame `i − delay` after. The ring then takes the
    /// block's last `capacity` frames. Plain copies, so the result is the same as the
    /// frame-by-frame read-then-write, bit for bit.
    #[inline]
    fn delay_dry(&mut self, left: &[f32], right: &[f32], dry_needed: bool) {
        let n = left.len();
        let capacity = self.ring_left.len();
        let start = self.ring_pos;
        if dry_needed {
            let delay = self.delay;
            let from_ring = delay.min(n);
            let read = (start + capacity - delay) % capacity;
            copy_from_ring(&self.ring_left, read, &mut self.dry_left[..from_ring]);
            copy_from_ring(&self.ring_right, read, &mut self.dry_right[..from_ring]);
            self.dry_left[from_ring..n].copy_from_slice(&left[..n - from_ring]);
            self.dry_right[from_ring..n].copy_from_slice(&right[..n - from_ring]);
        }
        let kept = n.min(capacity);
        let write = (start + n - kept) % capacity;
        copy_into_ring(&mut self.ring_left, write, &left[n - kept..]);
        copy_into_ring(&mut self.ring_right, write, &right[n - kept..]);
        self.ring_pos = (start + n) % capacity;
    }

    /// Blends the processed block with the dry one in `dry_left`/`dry_right`, advancing the
    /// fade one step per frame.
    #[inline]
    fn crossfade(&mut self, left: &mut [f32], right: &mut [f32]) {
        for i in 0..left.len() {
            let wet = self.wet_amount.next();
            let dry = 1.0 - wet;
            left[i] = left[i] * wet + self.dry_left[i] * dry;
            right[i] = right[i] * wet + self.dry_right[i] * dry;
        }
    }

    /// Feeds the freshly reset stage the last `latency` input frames (oldest first, in chunks of
    /// at most `max_block`), discarding its output, so the frames it will output next are the
    /// ones a never-switched stage would. Bounded: `latency / max_block` calls.
    fn prime<S: Stage + ?Sized>(&mut self, stage: &mut S) {
        let latency = self.delay;
        let capacity = self.ring_left.len();
        let chunk = self.dry_left.len();
        if latency == 0 || chunk == 0 {
            return;
        }
        let oldest = self.ring_pos + capacity - latency;
        let mut done = 0;
        while done < latency {
            let n = chunk.min(latency - done);
            for i in 0..n {
                let k = (oldest + done + i) % capacity;
                self.dry_left[i] = self.ring_left[k];
                self.dry_right[i] = self.ring_right[k];
            }
            stage.process(&mut self.dry_left[..n], &mut self.dry_right[..n]);
            done += n;
        }
    }
}

/// Copies `out.len()` (≤ the ring's length) frames out of `ring`, starting at slot `start` and
/// wrapping at the end.
#[inline]
fn copy_from_ring(ring: &[f32], start: usize, out: &mut [f32]) {
    let first = (ring.len() - start).min(out.len());
    let (head, tail) = out.split_at_mut(first);
    head.copy_from_slice(&ring[start..start + first]);
    tail.copy_from_slice(&ring[..tail.len()]);
}

/// Copies `data` (≤ the ring's length frames) into `ring`, starting at slot `start` and wrapping
/// at the end.
#[inline]
fn copy_into_ring(ring: &mut [f32], start: usize, data: &[f32]) {
    let first = (ring.len() - start).min(data.len());
    ring[start..start + first].copy_from_slice(&data[..first]);
    ring[..data.len() - first].copy_from_slice(&data[first..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineSettings;

    /// Inverts polarity (the worst case for a hard switch) with `latency` samples of delay, and
    /// counts its calls.
    struct Inverter {
        /// Delay line of the stage (one channel is enough for these tests).
        line: Vec<f32>,
        /// `process` calls so far.
        calls: usize,
        /// `reset` calls so far.
        resets: usize,
    }

    impl Inverter {
        fn new(latency: usize) -> Self {
            Self { line: vec![0.0; latency], calls: 0, resets: 0 }
        }
    }

    impl Stage for Inverter {
        fn name(&self) -> &'static str {
            "Inverter"
        }
        fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}
        fn reset(&mut self) {
            self.line.fill(0.0);
            self.resets += 1;
        }
        fn apply(&mut self, _settings: &EngineSettings) {}
        fn is_enabled(&self, _settings: &EngineSettings) -> bool {
            true
        }
        fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
            self.calls += 1;
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let x = -*l;
                *l = if self.line.is_empty() {
                    x
                } else {
                    self.line.push(x);
                    self.line.remove(0)
                };
                *r = -*r;
            }
        }
        fn latency_samples(&self) -> u32 {
            self.line.len() as u32
        }
        fn tail_samples(&self) -> Option<u32> {
            Some(self.line.len() as u32)
        }
    }

    #[test]
    fn switching_off_crossfades_to_dry_then_skips() {
        let mut stage = Inverter::new(0);
        let mut sw = StageSwitch::new();
        sw.prepare(1000.0, 32, 0); // 10 ms fade = 10 samples
        sw.set_enabled(true);
        sw.set_enabled(false);
        let mut l = [1.0f32; 32];
        let mut r = [1.0f32; 32];
        sw.run(&mut stage, &mut l, &mut r);
        for w in l.windows(2) {
            assert!((w[1] - w[0]).abs() <= 0.2 + 1e-6, "step {:?}", w);
        }
        assert_eq!(l[31], 1.0);
        assert_eq!(sw.state(), SwitchState::Bypassed);
        sw.run(&mut stage, &mut l, &mut r);
        assert_eq!(stage.calls, 1, "a bypassed stage is not processed");
    }

    #[test]
    fn switching_back_on_resets_the_stage_once() {
        let mut stage = Inverter::new(0);
        let mut sw = StageSwitch::new();
        sw.prepare(1000.0, 4, 0);
        sw.set_enabled(false);
        sw.set_enabled(true);
        assert_eq!(sw.state(), SwitchState::Fading);
        let (mut l, mut r) = ([0.0f32; 4], [0.0f32; 4]);
        sw.run(&mut stage, &mut l, &mut r);
        sw.run(&mut stage, &mut l, &mut r);
        assert_eq!(stage.resets, 1);
    }

    #[test]
    fn latent_stage_is_aligned_on_off_and_while_fading() {
        // A 3-sample inverting delay, switched off and on again: the output is ±x[n−3] at
        // every sample, blended by the fade: never a mix of x[n] and x[n−3].
        let latency = 3;
        let mut stage = Inverter::new(latency);
        let mut sw = StageSwitch::new();
        sw.prepare(1000.0, 8, latency as u32); // 10-sample fades
        assert_eq!(sw.latency_samples(), 3);
        sw.set_enabled(true);
        let input: Vec<f32> = (0..96).map(|i| 1.0 + i as f32).collect();
        let mut output = Vec::new();
        let mut states = Vec::new();
        for (block, chunk) in input.chunks(8).enumerate() {
            match block {
                3 => sw.set_enabled(false),
                7 => sw.set_enabled(true),
                _ => {}
            }
            let state = sw.state();
            let (mut l, mut r) = (chunk.to_vec(), chunk.to_vec());
            sw.run(&mut stage, &mut l, &mut r);
            output.extend_from_slice(&l);
            states.extend(std::iter::repeat_n(state, 8));
        }
        for n in 0..input.len() {
            let delayed = if n >= latency { input[n - latency] } else { 0.0 };
            match states[n] {
                SwitchState::Active => assert_eq!(output[n], -delayed, "sample {n}"),
                SwitchState::Bypassed => assert_eq!(output[n], delayed, "sample {n}"),
                // (1 − w)·x[n−3] + w·(−x[n−3]) with w a multiple of 1/10 (10-sample fade):
                // any x[n] in the mix would break that.
                SwitchState::Fading => {
                    let tenths = 10.0 * (1.0 - output[n] / delayed) / 2.0;
                    assert!((tenths - tenths.round()).abs() < 1e-3, "sample {n}: {}", output[n]);
                }
            }
        }
        // Fading back in, the reset stage was primed with the last 3 inputs: the first faded-in
        // sample already carries the inverted x[n−3] (a cold stage would output 0 there).
        let start = 7 * 8;
        let wet_weight = 0.1; // first step of a 10-sample fade
        let want = (1.0 - wet_weight) * input[start - latency] - wet_weight * input[start - latency];
        assert!((output[start] - want).abs() < 1e-4, "{} vs {want}", output[start]);
        assert_eq!(stage.resets, 1);
    }

    /// The block-wise dry path equals the frame-by-frame one (read the frame written `delay`
    /// frames ago, then write), bit for bit, for every delay up to the ring's length, blocks
    /// shorter and longer than the ring, and blocks in which only the ring is recorded.
    #[test]
    fn block_wise_dry_path_equals_frame_by_frame() {
        let mut seed = 0x9e37_79b9u32;
        let mut next = move |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize % bound
        };
        for capacity in [1usize, 3, 64, 100] {
            let mut switch = StageSwitch::new();
            switch.prepare(48_000.0, 256, capacity as u32);
            let mut ring = [vec![0.0f32; capacity], vec![0.0f32; capacity]];
            let mut pos = 0;
            let mut frame = 0.0f32;
            for round in 0..300 {
                let n = 1 + next(256);
                switch.delay = next(capacity + 1);
                let left: Vec<f32> = (0..n).map(|i| frame + i as f32).collect();
                let right: Vec<f32> = left.iter().map(|x| -0.5 * x).collect();
                frame += n as f32;
                let dry_needed = round % 3 != 0;
                switch.delay_dry(&left, &right, dry_needed);
                for (i, (l, r)) in left.iter().zip(&right).enumerate() {
                    let read = (pos + capacity - switch.delay) % capacity;
                    let expected = if switch.delay == 0 { [*l, *r] } else { [ring[0][read], ring[1][read]] };
                    if dry_needed {
                        assert_eq!(
                            [switch.dry_left[i], switch.dry_right[i]],
                            expected,
                            "round {round} frame {i}"
                        );
                    }
                    ring[0][pos] = *l;
                    ring[1][pos] = *r;
                    pos = (pos + 1) % capacity;
                }
                assert_eq!(switch.ring_pos, pos);
                assert_eq!([&switch.ring_left, &switch.ring_right], [&ring[0], &ring[1]]);
            }
        }
    }
}
