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
        // Latent stage: the ring runs in every state so the aligned dry signal is always there.
        self.delay_dry(left, right);
        match state {
            SwitchState::Bypassed => {
                left.copy_from_slice(&self.dry_left[..n]);
                right.copy_from_slice(&self.dry_right[..n]);
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

    /// Writes the block delayed by the current delay into `dry_left`/`dry_right` and records
    /// the block into the ring.
    #[inline]
    fn delay_dry(&mut self, left: &[f32], right: &[f32]) {
        let capacity = self.ring_left.len();
        let delay = self.delay;
        let mut pos = self.ring_pos;
        for i in 0..left.len() {
            if delay == 0 {
                self.dry_left[i] = left[i];
                self.dry_right[i] = right[i];
            } else {
                // The frame written `delay` frames ago (at `delay == capacity`, the slot about to
                // be overwritten).
                let read = if pos >= delay { pos - delay } else { pos + capacity - delay };
                self.dry_left[i] = self.ring_left[read];
                self.dry_right[i] = self.ring_right[read];
            }
            self.ring_left[pos] = left[i];
            self.ring_right[pos] = right[i];
            pos += 1;
            if pos == capacity {
                pos = 0;
            }
        }
        self.ring_pos = pos;
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
}
