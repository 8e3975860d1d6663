//! The feedback path: everything between the read heads and the record head.
//!
//! Per sample and channel, what gets recorded into the delay line is
//!
//! ```text
//! record = safety_limit( saturate( tone( input_routed + loop_gain · echo_routed ) ) )
//! ```
//!
//! - **routing** (stereo or ping-pong): in ping-pong the mono sum of the input enters the left
//!   line only and each line's echo is fed back into the *other* line, so echoes alternate
//!   L, R, L, … The switch is a smoothed blend of the two routing matrices; both are doubly
//!   stochastic, so every blend has gain ≤ 1 and switching can neither click nor grow the loop;
//! - **tone**: a high-pass then a low-pass TPT one-pole (bilinear, pre-warped, stable under fast
//!   modulation). Sitting in the record path, they colour the first echo once and every further
//!   repeat once more, like a tape echo's record/playback chain. At the ends of their ranges they
//!   are *off* (a smoothed blend to the unfiltered signal), so "flat" is exactly flat;
//! - **saturation**: a blend towards a soft clipper with unity small-signal gain whose output
//!   magnitude never exceeds its input's, so it can only take energy out of the loop;
//! - **safety limit**: transparent below +6 dBFS, a soft ceiling at +12 dBFS. With feedback
//!   at 100 % and a musician still playing, the loop content would otherwise build up without
//!   bound; this keeps the state bounded whatever the settings;
//! - **freeze** fades the input out, the loop gain to exactly 1 and the tone and saturation out,
//!   so the loop recirculates unchanged.
//!
//! Every magnitude response in the loop is ≤ 1 (one-pole filters and their blends with the dry
//! signal, the routing matrices, the clipper), so with feedback ≤ 100 % the loop cannot grow;
//! the limiter covers the rest (interpolator ripple, input added on top of a full loop).

use crate::core::one_pole::{tpt_gain, OnePole};
use crate::denormal::flush;
use crate::smoothing::{LinearSmoother, RAMP_MS_DEFAULT};

/// Low cut (loop high-pass) cutoff range in Hz; at the bottom the high-pass is off.
pub const LOW_CUT_HZ_RANGE: (f32, f32) = (20.0, 2000.0);
/// High cut (loop low-pass) cutoff range in Hz; at the top the low-pass is off.
pub const HIGH_CUT_HZ_RANGE: (f32, f32) = (200.0, 20000.0);
/// Below this level the safety limiter is an exact identity (+6 dBFS).
pub const SAFETY_KNEE: f32 = 2.0;
/// The loop content never exceeds this magnitude (+12 dBFS).
pub const SAFETY_CEILING: f32 = 4.0;
/// Ramp time for cutoff sweeps (in octaves, so a sweep sounds even).
const CUTOFF_RAMP_MS: f32 = RAMP_MS_DEFAULT;

/// Tone-filter coefficients for one sample, shared by both channels (stateless design).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneCoefficients {
    /// TPT integrator gain `g/(1+g)` of the high-pass, `g = tan(π·fc/fs)`.
    pub high_pass_gain: f32,
    /// How much of the high-pass is applied: 0 = off (bypass), 1 = fully filtered.
    pub high_pass_amount: f32,
    /// TPT integrator gain of the low-pass.
    pub low_pass_gain: f32,
    /// How much of the low-pass is applied: 0 = off (bypass), 1 = fully filtered.
    pub low_pass_amount: f32,
}

impl ToneCoefficients {
    /// Coefficients that leave the signal untouched.
    pub const FLAT: Self =
        Self { high_pass_gain: 0.0, high_pass_amount: 0.0, low_pass_gain: 1.0, low_pass_amount: 0.0 };
}

/// The TPT one-pole loop gain `G = g/(1+g)` for a cutoff in Hz (the engine's one one-pole
/// design, with the SVF's frequency clamp rule).
pub fn one_pole_gain(cutoff_hz: f32, sample_rate: f32) -> f32 {
    tpt_gain(cutoff_hz as f64, sample_rate as f64) as f32
}

/// One channel's tone stage: high-pass then low-pass, each blended with its input.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoopTone {
    /// The high-pass is `x − lowpass(x)`; this is that low-pass.
    high_pass_core: OnePole<f32>,
    /// The low-pass proper.
    low_pass: OnePole<f32>,
}

impl LoopTone {
    /// Filters one sample. The filters always run, even when blended out, so that turning one
    /// on starts from a settled state instead of from silence.
    #[inline]
    pub fn process(&mut self, x: f32, c: &ToneCoefficients) -> f32 {
        // x − a·LP(x): a = 1 is the high-pass, a = 0 is the input; |H| ≤ 1 for every a.
        let after_high_pass = x - c.high_pass_amount * self.high_pass_core.lowpass(x, c.high_pass_gain);
        let low = self.low_pass.lowpass(after_high_pass, c.low_pass_gain);
        after_high_pass + c.low_pass_amount * (low - after_high_pass)
    }

    /// Clears both filters.
    pub fn reset(&mut self) {
        self.high_pass_core.reset();
        self.low_pass.reset();
    }
}

/// Soft clipper: the [3/2] Padé approximant of `tanh`, `x(27 + x²)/(27 + 9x²)`, which reaches
/// exactly ±1 with zero slope at |x| = 3 and is held there. Unity slope at 0 and `|y| ≤ |x|`
/// everywhere (so it never adds loop gain); no `exp` call.
#[inline]
pub fn soft_clip(x: f32) -> f32 {
    if x.abs() >= 3.0 {
        x.signum()
    } else {
        let x2 = x * x;
        // The clamp only removes rounding above 1 right below |x| = 3.
        (x * (27.0 + x2) / (27.0 + 9.0 * x2)).clamp(-1.0, 1.0)
    }
}

/// Blends `x` towards [`soft_clip`]`(x)` by `amount` (0 = clean, 1 = fully saturated).
#[inline]
pub fn saturate(x: f32, amount: f32) -> f32 {
    if amount <= 0.0 {
        x
    } else {
        x + amount * (soft_clip(x) - x)
    }
}

/// Identity up to [`SAFETY_KNEE`], then a soft knee (matching slope) to [`SAFETY_CEILING`].
#[inline]
pub fn safety_limit(x: f32) -> f32 {
    let magnitude = x.abs();
    if magnitude <= SAFETY_KNEE {
        x
    } else {
        let room = SAFETY_CEILING - SAFETY_KNEE;
        let over = (magnitude - SAFETY_KNEE) / room;
        // soft_clip has unity slope at 0 and saturates at 1 for over ≥ 3.
        (SAFETY_KNEE + room * soft_clip(over)).copysign(x)
    }
}

/// The plain targets of the feedback path, taken from the stage settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedbackTargets {
    /// Loop gain, 0..1.
    pub feedback: f32,
    /// Loop high-pass cutoff in Hz ([`LOW_CUT_HZ_RANGE`], bottom = off).
    pub low_cut_hz: f32,
    /// Loop low-pass cutoff in Hz ([`HIGH_CUT_HZ_RANGE`], top = off).
    pub high_cut_hz: f32,
    /// Saturation blend, 0..1.
    pub saturation: f32,
    /// Ping-pong routing instead of straight stereo.
    pub ping_pong: bool,
    /// Freeze: recirculate at unity, ignore the input.
    pub freeze: bool,
}

/// The feedback path of both channels with its smoothed parameters.
#[derive(Debug, Clone)]
pub struct FeedbackPath {
    /// Sample rate, for the cutoff → coefficient design.
    sample_rate: f32,
    /// Loop gain 0..1.
    feedback: LinearSmoother,
    /// 0 = stereo routing, 1 = ping-pong; in between while switching.
    ping_pong: LinearSmoother,
    /// 0 = normal, 1 = frozen; in between while switching.
    freeze: LinearSmoother,
    /// Saturation blend 0..1.
    saturation: LinearSmoother,
    /// High-pass cutoff in log2(Hz).
    low_cut_log2: LinearSmoother,
    /// High-pass blend: 0 while the cutoff sits at the bottom of its range (off).
    low_cut_amount: LinearSmoother,
    /// Low-pass cutoff in log2(Hz).
    high_cut_log2: LinearSmoother,
    /// Low-pass blend: 0 while the cutoff sits at the top of its range (off).
    high_cut_amount: LinearSmoother,
    /// Current filter coefficients; recomputed only while a cutoff is ramping.
    tone: ToneCoefficients,
    /// Left and right tone filters.
    filters: [LoopTone; 2],
}

impl Default for FeedbackPath {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedbackPath {
    /// A path at rest with flat tone (no allocation).
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            feedback: LinearSmoother::new(0.0),
            ping_pong: LinearSmoother::new(0.0),
            freeze: LinearSmoother::new(0.0),
            saturation: LinearSmoother::new(0.0),
            low_cut_log2: LinearSmoother::new(LOW_CUT_HZ_RANGE.0.log2()),
            low_cut_amount: LinearSmoother::new(0.0),
            high_cut_log2: LinearSmoother::new(HIGH_CUT_HZ_RANGE.1.log2()),
            high_cut_amount: LinearSmoother::new(0.0),
            tone: ToneCoefficients::FLAT,
            filters: [LoopTone::default(); 2],
        }
    }

    /// Sets ramp times for `sample_rate`.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        for s in self.smoothers_mut() {
            s.set_ramp(sample_rate, RAMP_MS_DEFAULT);
        }
        self.low_cut_log2.set_ramp(sample_rate, CUTOFF_RAMP_MS);
        self.high_cut_log2.set_ramp(sample_rate, CUTOFF_RAMP_MS);
        self.update_tone();
    }

    /// All smoothers, for bulk operations.
    fn smoothers_mut(&mut self) -> [&mut LinearSmoother; 8] {
        [
            &mut self.feedback,
            &mut self.ping_pong,
            &mut self.freeze,
            &mut self.saturation,
            &mut self.low_cut_log2,
            &mut self.low_cut_amount,
            &mut self.high_cut_log2,
            &mut self.high_cut_amount,
        ]
    }

    /// Sets the smoothing targets (cheap; no allocation).
    pub fn set_targets(&mut self, t: &FeedbackTargets) {
        let low_cut = t.low_cut_hz.clamp(LOW_CUT_HZ_RANGE.0, LOW_CUT_HZ_RANGE.1);
        let high_cut = t.high_cut_hz.clamp(HIGH_CUT_HZ_RANGE.0, HIGH_CUT_HZ_RANGE.1);
        self.feedback.set_target(t.feedback.clamp(0.0, 1.0));
        self.ping_pong.set_target(if t.ping_pong { 1.0 } else { 0.0 });
        self.freeze.set_target(if t.freeze { 1.0 } else { 0.0 });
        self.saturation.set_target(t.saturation.clamp(0.0, 1.0));
        self.low_cut_log2.set_target(low_cut.log2());
        self.low_cut_amount.set_target(if low_cut <= LOW_CUT_HZ_RANGE.0 { 0.0 } else { 1.0 });
        self.high_cut_log2.set_target(high_cut.log2());
        self.high_cut_amount.set_target(if high_cut >= HIGH_CUT_HZ_RANGE.1 { 0.0 } else { 1.0 });
    }

    /// Jumps every smoother to its target (first settings after prepare/reset).
    pub fn snap(&mut self) {
        for s in self.smoothers_mut() {
            let target = s.target();
            s.reset(target);
        }
        self.update_tone();
    }

    /// Clears the filters and snaps the smoothers.
    pub fn reset(&mut self) {
        for f in &mut self.filters {
            f.reset();
        }
        self.snap();
    }

    /// Recomputes the tone coefficients from the smoothers' current values.
    fn update_tone(&mut self) {
        self.tone = ToneCoefficients {
            high_pass_gain: one_pole_gain(self.low_cut_log2.current().exp2(), self.sample_rate),
            high_pass_amount: self.low_cut_amount.current(),
            low_pass_gain: one_pole_gain(self.high_cut_log2.current().exp2(), self.sample_rate),
            low_pass_amount: self.high_cut_amount.current(),
        };
    }

    /// Whether the loop is (or is becoming) frozen: the tail is then infinite.
    pub fn is_frozen(&self) -> bool {
        self.freeze.current() > 0.0 || self.freeze.target() > 0.0
    }

    /// The highest loop gain currently in effect or ramped to (1 while frozen).
    pub fn worst_case_gain(&self) -> f32 {
        if self.is_frozen() {
            1.0
        } else {
            self.feedback.current().max(self.feedback.target())
        }
    }

    /// One sample of both channels: takes the dry input and the echoes just read, returns what
    /// to record into the left and right lines.
    #[inline]
    pub fn process(&mut self, dry: [f32; 2], echo: [f32; 2]) -> [f32; 2] {
        if self.low_cut_log2.is_smoothing()
            || self.high_cut_log2.is_smoothing()
            || self.low_cut_amount.is_smoothing()
            || self.high_cut_amount.is_smoothing()
        {
            self.low_cut_log2.next();
            self.high_cut_log2.next();
            self.low_cut_amount.next();
            self.high_cut_amount.next();
            self.update_tone();
        }
        let freeze = self.freeze.next();
        let ping_pong = self.ping_pong.next();
        let feedback = self.feedback.next();
        let saturation = self.saturation.next();
        let parameters = LoopParameters::new(freeze, ping_pong, feedback, saturation, self.tone);
        self.record(&parameters, dry, echo)
    }

    /// The loop's parameters for a whole block, when none of them moves (every smoother
    /// settled); `None` while any ramps. [`record`](Self::record) with them computes exactly
    /// what [`process`](Self::process) does sample by sample.
    pub fn settled(&self) -> Option<LoopParameters> {
        let smoothers = [
            &self.feedback,
            &self.ping_pong,
            &self.freeze,
            &self.saturation,
            &self.low_cut_log2,
            &self.low_cut_amount,
            &self.high_cut_log2,
            &self.high_cut_amount,
        ];
        if smoothers.iter().any(|s| s.is_smoothing()) {
            return None;
        }
        Some(LoopParameters::new(
            self.freeze.current(),
            self.ping_pong.current(),
            self.feedback.current(),
            self.saturation.current(),
            self.tone,
        ))
    }

    /// One sample of both channels with the parameters given: routing, loop gain, tone,
    /// saturation and the safety limit. The one place the record path's arithmetic is written.
    #[inline(always)]
    pub fn record(&mut self, p: &LoopParameters, dry: [f32; 2], echo: [f32; 2]) -> [f32; 2] {
        Self::record_with(&mut self.filters, p, dry, echo)
    }

    /// The left and right tone filters' states, for a block loop that keeps them in local
    /// variables ([`record_with`](Self::record_with)) and stores them back afterwards.
    pub fn tone_filters_mut(&mut self) -> &mut [LoopTone; 2] {
        &mut self.filters
    }

    /// [`record`](Self::record) with the tone filters' states passed in.
    #[inline(always)]
    pub fn record_with(
        filters: &mut [LoopTone; 2],
        p: &LoopParameters,
        dry: [f32; 2],
        echo: [f32; 2],
    ) -> [f32; 2] {
        // Stereo: L→L, R→R. Ping-pong: mono input into L only, echoes cross over.
        let mono = 0.5 * (dry[0] + dry[1]);
        let input =
            [p.unfrozen * (p.straight * dry[0] + p.ping_pong * mono), p.unfrozen * p.straight * dry[1]];
        let returned =
            [p.straight * echo[0] + p.ping_pong * echo[1], p.straight * echo[1] + p.ping_pong * echo[0]];
        let mut record = [0.0; 2];
        for ch in 0..2 {
            let summed = input[ch] + p.loop_gain * returned[ch];
            let toned = filters[ch].process(summed, &p.tone);
            record[ch] = flush(safety_limit(saturate(toned, p.saturation)));
        }
        record
    }
}

/// The record path's parameters for one sample (or for a settled block), derived from the
/// smoothed freeze, ping-pong, feedback and saturation values and the tone coefficients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopParameters {
    /// `1 − freeze`: how much input enters and how much tone and saturation apply.
    unfrozen: f32,
    /// Gain of the echo returned into the loop (1 when frozen).
    loop_gain: f32,
    /// Saturation blend, faded out by freeze.
    saturation: f32,
    /// Weight of the stereo routing (`1 − ping_pong`).
    straight: f32,
    /// Weight of the ping-pong routing.
    ping_pong: f32,
    /// Tone coefficients with their amounts faded out by freeze.
    tone: ToneCoefficients,
}

impl LoopParameters {
    /// Derives the parameters from the smoothed values.
    #[inline(always)]
    fn new(freeze: f32, ping_pong: f32, feedback: f32, saturation: f32, tone: ToneCoefficients) -> Self {
        let unfrozen = 1.0 - freeze;
        // Written so that both ends are exact: `feedback` when not frozen, 1 when frozen.
        let loop_gain = if freeze == 0.0 { feedback } else { 1.0 - unfrozen * (1.0 - feedback) };
        let mut tone = tone;
        tone.high_pass_amount *= unfrozen;
        tone.low_pass_amount *= unfrozen;
        Self {
            unfrozen,
            loop_gain,
            saturation: saturation * unfrozen,
            straight: 1.0 - ping_pong,
            ping_pong,
            tone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_clip_is_unity_at_zero_bounded_and_never_amplifies() {
        let mut previous = -2.0;
        for i in -4000..=4000 {
            let x = i as f32 * 0.001;
            let y = soft_clip(x);
            assert!(y.abs() <= x.abs() + 1e-7, "{x}: {y}");
            assert!(y.abs() <= 1.0);
            assert!(y >= previous - 1e-7, "not monotonic at {x}");
            previous = y;
        }
        let slope = (soft_clip(1e-3) - soft_clip(-1e-3)) / 2e-3;
        assert!((slope - 1.0).abs() < 1e-3);
        assert_eq!(soft_clip(10.0), 1.0);
    }

    #[test]
    fn safety_limit_is_identity_below_knee_and_bounded() {
        for i in 0..=200 {
            let x = i as f32 * 0.01;
            assert_eq!(safety_limit(x), x);
            assert_eq!(safety_limit(-x), -x);
        }
        assert!(safety_limit(1e9) <= SAFETY_CEILING);
        assert!(safety_limit(-1e9) >= -SAFETY_CEILING);
        // Continuous slope at the knee.
        let d = (safety_limit(SAFETY_KNEE + 1e-3) - SAFETY_KNEE) / 1e-3;
        assert!((d - 1.0).abs() < 1e-2, "{d}");
    }
}
