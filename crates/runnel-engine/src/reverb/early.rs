//! Pre-delay and early reflections: one input delay line per channel, read by several taps.
//!
//! The late reverb's input is read `pre_delay` behind the input; the early reflections are a
//! sparse pattern of taps after that point, spread over `early_size · SECONDS_PER_METRE`. Left
//! and right use different patterns, so even a mono source gets a stereo early field. The pattern
//! is sparse at first and denser later, with gains falling with time, like the first reflections
//! of a room, further faded by the room's decay ([`EarlyReflections::set_decay`]). Changing
//! pre-delay or early size moves every tap; that move is a crossfade ([`ChainedCrossfade`]) so
//! it never clicks.

use super::diffuser::SchroederAllpass;
use crate::core::crossfade::ChainedCrossfade;
use crate::core::ring::{copy_samples, Ring};

/// Taps per channel.
pub const EARLY_TAPS: usize = 24;

/// Early-reflection span per metre of early size: about 1.7 times the time sound needs to
/// cross that distance, so the pattern covers the first few wall bounces of a room that big.
pub const SECONDS_PER_METRE: f32 = 0.005;

/// Longest run [`EarlyReflections::process_run`] handles at once (the reverb's control
/// interval: its runs end where its controls update).
pub const MAX_RUN: usize = crate::smoothing::CONTROL_INTERVAL;

/// A reflection pattern: (time as a fraction of the span, gain before normalisation).
type Pattern = [(f32, f32); EARLY_TAPS];

/// Builds a pattern from a seed: tap `k` sits near `√((k+½)/N)` of the span (so reflections
/// get denser with time, as the image sources of a room multiply), jittered by ±30 % of the
/// local spacing, with a random sign and a gain falling linearly to half over the span.
/// Deterministic, so left and right (different seeds) are fixed, decorrelated patterns.
const fn pattern(seed: u32) -> Pattern {
    let mut out = [(0.0f32, 0.0f32); EARLY_TAPS];
    let mut rng = seed;
    let mut k = 0;
    while k < EARLY_TAPS {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        let jitter = (rng >> 8) as f32 / (1u32 << 24) as f32 - 0.5; // −0.5..0.5
        let position = (k as f32 + 0.5 + 0.6 * jitter) / EARLY_TAPS as f32;
        let time = const_sqrt(position);
        let sign = if rng & 1 == 0 { 1.0 } else { -1.0 };
        out[k] = (time, sign * (1.0 - 0.5 * time));
        k += 1;
    }
    out
}

/// Square root by Newton's method (`f32::sqrt` is not `const`).
const fn const_sqrt(x: f32) -> f32 {
    let mut y = if x > 1.0 { x } else { 1.0 };
    let mut i = 0;
    while i < 20 {
        y = 0.5 * (y + x / y);
        i += 1;
    }
    y
}

/// Left pattern.
const LEFT_PATTERN: Pattern = pattern(0x1234_5677);

/// Right pattern: different times and signs, same envelope.
const RIGHT_PATTERN: Pattern = pattern(0x0BAD_CAFE);

/// Lengths (ms) and gains of the two short all-passes that turn each reflection into a small
/// cluster, as a real (not mirror-flat) wall scatters it: the early field then sounds smooth
/// instead of like a row of clicks, and its echo density is high from the start.
pub const SCATTER_STAGES: [(f32, f32); 2] = [(0.53, 0.6), (0.89, 0.6)];

/// Where the taps of one channel read, in samples behind the newest input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapLayout {
    /// The late reverb's input tap (the pre-delay).
    pub pre_delay: u32,
    /// Span of the early pattern, samples.
    pub span: u32,
    /// Early-reflection taps of the left channel.
    pub left: [u32; EARLY_TAPS],
    /// Early-reflection taps of the right channel.
    pub right: [u32; EARLY_TAPS],
}

impl TapLayout {
    /// The layout for a pre-delay and an early span, both in samples.
    pub fn new(pre_delay: u32, span: u32) -> Self {
        let place = |pattern: &Pattern| {
            std::array::from_fn(|k| pre_delay + (pattern[k].0 * span as f32).round() as u32)
        };
        Self { pre_delay, span, left: place(&LEFT_PATTERN), right: place(&RIGHT_PATTERN) }
    }
}

/// What the input line produces for one stereo sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct EarlyOutput {
    /// Pre-delayed left input, for the late reverb.
    pub late_left: f32,
    /// Pre-delayed right input, for the late reverb.
    pub late_right: f32,
    /// Early reflections, left.
    pub early_left: f32,
    /// Early reflections, right.
    pub early_right: f32,
}

/// What the input line produces for a run of samples, channel by channel (structure of
/// arrays, so the reverb's per-run arithmetic after it vectorises). Entries past the run's
/// length are left as they were.
#[derive(Debug, Clone, Copy)]
pub struct EarlyRun {
    /// Pre-delayed left input, for the late reverb.
    pub late_left: [f32; MAX_RUN],
    /// Pre-delayed right input, for the late reverb.
    pub late_right: [f32; MAX_RUN],
    /// Early reflections, left.
    pub early_left: [f32; MAX_RUN],
    /// Early reflections, right.
    pub early_right: [f32; MAX_RUN],
}

impl Default for EarlyRun {
    fn default() -> Self {
        Self {
            late_left: [0.0; MAX_RUN],
            late_right: [0.0; MAX_RUN],
            early_left: [0.0; MAX_RUN],
            early_right: [0.0; MAX_RUN],
        }
    }
}

/// The pre-delay / early-reflection line of both channels.
#[derive(Debug, Clone)]
pub struct EarlyReflections {
    /// Left input history.
    left: Ring,
    /// Right input history (same length).
    right: Ring,
    /// Pattern gains, normalised to unit energy per channel.
    left_pattern: [f32; EARLY_TAPS],
    /// Right pattern gains.
    right_pattern: [f32; EARLY_TAPS],
    /// Tap gains in use: the pattern faded by the room's decay at each tap's time.
    left_gains: [f32; EARLY_TAPS],
    /// Right tap gains in use.
    right_gains: [f32; EARLY_TAPS],
    /// Current / target tap layout.
    layout: ChainedCrossfade<TapLayout>,
    /// Scattering all-passes of the left early sum.
    scatter_left: [SchroederAllpass; 2],
    /// Scattering all-passes of the right early sum.
    scatter_right: [SchroederAllpass; 2],
}

impl Default for EarlyReflections {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlyReflections {
    /// An unprepared line (no allocation).
    pub fn new() -> Self {
        Self {
            left: Ring::default(),
            right: Ring::default(),
            left_pattern: normalised_gains(&LEFT_PATTERN),
            right_pattern: normalised_gains(&RIGHT_PATTERN),
            left_gains: normalised_gains(&LEFT_PATTERN),
            right_gains: normalised_gains(&RIGHT_PATTERN),
            layout: ChainedCrossfade::new(TapLayout::new(0, 0)),
            scatter_left: Default::default(),
            scatter_right: Default::default(),
        }
    }

    /// Allocates room for `max_delay` samples of pre-delay plus span, and sets the fade length.
    pub fn prepare(&mut self, sample_rate: f32, max_delay: usize, fade_samples: u32) {
        for (k, &(ms, gain)) in SCATTER_STAGES.iter().enumerate() {
            let len = (ms * 0.001 * sample_rate).round().max(1.0) as usize;
            self.scatter_left[k].prepare(len, gain);
            // Slightly longer on the right, so the clusters differ between channels.
            self.scatter_right[k].prepare(len + 1 + len / 8, gain);
        }
        // The mirror lets a run of up to `MAX_RUN` taps be read as one contiguous slice.
        self.left.allocate(max_delay + 2 + MAX_RUN, MAX_RUN);
        self.right.allocate(max_delay + 2 + MAX_RUN, MAX_RUN);
        self.layout.set_length(fade_samples);
    }

    /// Clears the history (no allocation).
    pub fn reset(&mut self) {
        self.left.clear();
        self.right.clear();
        self.scatter_left.iter_mut().chain(self.scatter_right.iter_mut()).for_each(SchroederAllpass::reset);
    }

    /// Moves to a new pre-delay and span (samples): snapped, or crossfaded if `fade`.
    pub fn set_layout(&mut self, pre_delay: u32, span: u32, fade: bool) {
        // The oldest sample held is `capacity − 1` behind the newest.
        // (less a run: `process_run` reads up to `MAX_RUN` samples further back).
        let max = self.left.capacity().saturating_sub(1 + MAX_RUN) as u32;
        let pre_delay = pre_delay.min(max);
        let span = span.min(max - pre_delay);
        let layout = TapLayout::new(pre_delay, span);
        if fade {
            self.layout.request(layout);
        } else {
            self.layout.snap(layout);
        }
    }

    /// Fades each reflection by the decay the room has at its time: a reflection arriving `τ`
    /// seconds after the pre-delay is `60·τ/T60` dB down, as it would be in a room with that
    /// reverberation time. Early and late energy then fall along one exponential envelope, so
    /// short decays sound (and measure) short from the first reflection on.
    pub fn set_decay(&mut self, t60_s: f32, sample_rate: f32) {
        let span_s = self.layout.latest().span as f32 / sample_rate;
        let per_second_db = -60.0 / t60_s.max(1e-3);
        for k in 0..EARLY_TAPS {
            let fade = |fraction: f32| 10f32.powf(per_second_db * fraction * span_s / 20.0);
            self.left_gains[k] = self.left_pattern[k] * fade(LEFT_PATTERN[k].0);
            self.right_gains[k] = self.right_pattern[k] * fade(RIGHT_PATTERN[k].0);
        }
    }

    /// Processes a run of up to [`MAX_RUN`] samples at once into `out` (one entry per sample
    /// in each of its arrays): the same values as [`tick`](Self::tick) on each sample in turn.
    /// While the layout is at rest (no crossfade), the 48 taps are read as contiguous runs and
    /// summed as vectors, tap after tap, so each sample's sum is formed in the same order as in
    /// `tick`; the scattering all-passes then run over the whole run.
    #[inline(always)]
    // Run arrays indexed by one counter: the form that vectorises.
    #[allow(clippy::needless_range_loop)]
    pub fn process_run(&mut self, left: &[f32], right: &[f32], out: &mut EarlyRun) {
        let len = left.len().min(right.len()).min(MAX_RUN);
        if len == 0 {
            return;
        }
        if !self.layout.is_at_rest() {
            for n in 0..len {
                let o = self.tick_unscattered(left[n], right[n]);
                out.late_left[n] = o.late_left;
                out.late_right[n] = o.late_right;
                out.early_left[n] = o.early_left;
                out.early_right[n] = o.early_right;
            }
        } else {
            if let (Ok(left), Ok(right)) =
                (<&[f32; MAX_RUN]>::try_from(left), <&[f32; MAX_RUN]>::try_from(right))
            {
                // A full run (the usual case): the inlined fixed-size push.
                self.left.push_run(left);
                self.right.push_run(right);
            } else {
                self.left.push_slice(&left[..len]);
                self.right.push_slice(&right[..len]);
            }
            let layout = *self.layout.from();
            // A full run (the usual case) with its length known to the compiler: fixed-size
            // vector code without loop remainders.
            if len == MAX_RUN {
                self.sum_taps(MAX_RUN, &layout, out);
            } else {
                self.sum_taps(len, &layout, out);
            }
            copy_samples(&mut out.late_left[..len], self.left.span(len + layout.pre_delay as usize, len));
            copy_samples(&mut out.late_right[..len], self.right.span(len + layout.pre_delay as usize, len));
        }
        for stage in &mut self.scatter_left {
            stage.process_run(&mut out.early_left[..len]);
        }
        for stage in &mut self.scatter_right {
            stage.process_run(&mut out.early_right[..len]);
        }
    }

    /// The early sums of a run of `len` samples already pushed, into `out.early_left` and
    /// `out.early_right`: tap after tap, so each sample's sum is formed in the same order as in
    /// `tick`. The sums stay in local arrays (registers) across the 48 taps instead of being
    /// loaded and stored back for every tap.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn sum_taps(&self, len: usize, layout: &TapLayout, out: &mut EarlyRun) {
        let mut early_left = [0.0f32; MAX_RUN];
        let mut early_right = [0.0f32; MAX_RUN];
        // Sample n of the run was pushed `len − n` pushes ago; its tap at delay d is `d` older.
        for k in 0..EARLY_TAPS {
            let taps = &self.left.span(len + layout.left[k] as usize, len)[..len];
            let gain = self.left_gains[k];
            for n in 0..len {
                early_left[n] += gain * taps[n];
            }
            let taps = &self.right.span(len + layout.right[k] as usize, len)[..len];
            let gain = self.right_gains[k];
            for n in 0..len {
                early_right[n] += gain * taps[n];
            }
        }
        copy_samples(&mut out.early_left[..len], &early_left[..len]);
        copy_samples(&mut out.early_right[..len], &early_right[..len]);
    }

    /// Pushes one input sample per channel and reads every tap (the per-sample reference of
    /// [`process_run`](Self::process_run)).
    #[cfg(test)]
    pub fn tick(&mut self, left: f32, right: f32) -> EarlyOutput {
        let mut out = self.tick_unscattered(left, right);
        out.early_left = self.scatter_left.iter_mut().fold(out.early_left, |x, stage| stage.process(x));
        out.early_right = self.scatter_right.iter_mut().fold(out.early_right, |x, stage| stage.process(x));
        out
    }

    /// [`tick`](Self::tick) before the scattering all-passes: the crossfading reads of one
    /// sample.
    #[inline]
    fn tick_unscattered(&mut self, left: f32, right: f32) -> EarlyOutput {
        self.layout.tick();
        self.left.push(left);
        self.right.push(right);
        let mut out = self.read(self.layout.from());
        if self.layout.is_fading() {
            let next = self.read(self.layout.to());
            let p = self.layout.progress();
            out.late_left += p * (next.late_left - out.late_left);
            out.late_right += p * (next.late_right - out.late_right);
            out.early_left += p * (next.early_left - out.early_left);
            out.early_right += p * (next.early_right - out.early_right);
        }
        out
    }

    /// Reads all taps of one layout.
    #[inline]
    fn read(&self, layout: &TapLayout) -> EarlyOutput {
        // Delay 0 is the sample just pushed (age 1).
        let at = |ring: &Ring, delay: u32| ring.at(delay as usize + 1);
        let left_taps = self.left.gather(&layout.left, 1);
        let right_taps = self.right.gather(&layout.right, 1);
        let mut early_left = 0.0;
        let mut early_right = 0.0;
        for k in 0..EARLY_TAPS {
            early_left += self.left_gains[k] * left_taps[k];
            early_right += self.right_gains[k] * right_taps[k];
        }
        EarlyOutput {
            late_left: at(&self.left, layout.pre_delay),
            late_right: at(&self.right, layout.pre_delay),
            early_left,
            early_right,
        }
    }
}

/// Gains of a pattern scaled to unit total energy, so an impulse's reflections carry its energy.
fn normalised_gains(pattern: &Pattern) -> [f32; EARLY_TAPS] {
    let energy: f32 = pattern.iter().map(|&(_, g)| g * g).sum();
    let scale = 1.0 / energy.sqrt();
    std::array::from_fn(|k| pattern[k].1 * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_delay_is_sample_exact_and_taps_follow() {
        let mut e = EarlyReflections::new();
        e.prepare(48_000.0, 1000, 16);
        e.set_layout(100, 200, false);
        let mut late = Vec::new();
        let mut early = Vec::new();
        for i in 0..400 {
            let o = e.tick(if i == 0 { 1.0 } else { 0.0 }, 0.0);
            late.push(o.late_left);
            early.push(o.early_left);
        }
        assert_eq!(late.iter().position(|&v| v != 0.0), Some(100));
        let first = early.iter().position(|&v| v != 0.0).unwrap();
        assert_eq!(first, 100 + (LEFT_PATTERN[0].0 * 200.0).round() as usize);
        // Unit-energy pattern through lossless all-passes (long enough run to collect it all).
        for _ in 0..4000 {
            early.push(e.tick(0.0, 0.0).early_left);
        }
        let e_sum: f32 = early.iter().map(|v| v * v).sum();
        assert!((e_sum - 1.0).abs() < 1e-3, "{e_sum}");
    }
}
