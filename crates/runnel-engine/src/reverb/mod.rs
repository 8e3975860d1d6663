//! Reverb stage: pre-delay and early reflections, input diffusion, a 16-line feedback delay
//! network with frequency-dependent absorption and random modulation, then width, wet low/high
//! cut and the dry/wet mix.
//!
//! ```text
//!  in ─┬──────────────────────────────────────────────────────────────── dry ──┐
//!      └─ pre-delay line ─┬─ early taps ─────────────── × early level ─┐       │
//!                         └─ all-pass diffusers ─ FDN (16 lines) ──────┴─ width ─ low/high cut ─ wet ─ mix ─ out
//! ```
//!
//! The decay in seconds is what an impulse response measures: each line's absorption is
//! designed from its own length (Jot), see [`absorption`]. The network is long enough for the
//! mode-density rule (total delay ≥ 0.15·T60·fs) at every decay: above the decay the Size alone
//! supports, the lines are stretched (see [`MODE_DENSITY_FACTOR`]). Changing Size, Decay (when it
//! stretches the lines), pre-delay or early size crossfades read positions, so nothing clicks.

pub(crate) mod absorption;
pub(crate) mod diffuser;
pub(crate) mod early;
pub(crate) mod fdn;
pub(crate) mod modulation;
pub(crate) mod primes;

use self::absorption::DecayProfile;
use self::diffuser::Diffuser;
use self::early::EarlyReflections;
use self::fdn::{FeedbackDelayNetwork, LateSink};
use crate::core::simd::SimdLevel;
use crate::core::svf::{prewarp, SvfCoefficients, SvfState, BUTTERWORTH_K};
use crate::denormal::DenormalGuard;
use crate::smoothing::{LinearSmoother, CONTROL_INTERVAL, RAMP_MS_DEFAULT};

pub use self::fdn::LINES;

/// Decay time (T60 of the mid band), seconds.
pub const DECAY_S_RANGE: (f32, f32) = (0.1, 30.0);
/// Default decay, seconds.
pub const DECAY_S_DEFAULT: f32 = 2.0;
/// Room size, metres (sets the delay-line lengths: mean line = mean free path of a cube of
/// that side, `2/3·size / 343 m/s`).
pub const SIZE_M_RANGE: (f32, f32) = (2.0, 60.0);
/// Default size, metres.
pub const SIZE_M_DEFAULT: f32 = 25.0;
/// Pre-delay of the whole wet signal, milliseconds.
pub const PRE_DELAY_MS_RANGE: (f32, f32) = (0.0, 500.0);
/// Default pre-delay, milliseconds.
pub const PRE_DELAY_MS_DEFAULT: f32 = 10.0;
/// Low-band decay multiplier (T60 below the low crossover = decay × this).
pub const LOW_MULT_RANGE: (f32, f32) = (0.25, 4.0);
/// Default low multiplier.
pub const LOW_MULT_DEFAULT: f32 = 1.0;
/// Low crossover, Hz.
pub const LOW_CROSSOVER_HZ_RANGE: (f32, f32) = (50.0, 1000.0);
/// Default low crossover, Hz.
pub const LOW_CROSSOVER_HZ_DEFAULT: f32 = 250.0;
/// High-band decay multiplier (T60 above the high crossover = decay × this). Capped at 1:
/// highs never outlast the mids in a real room (air absorption), and the cap keeps the loop
/// gain ≤ 1 at every frequency by construction.
pub const HIGH_MULT_RANGE: (f32, f32) = (0.1, 1.0);
/// Default high multiplier.
pub const HIGH_MULT_DEFAULT: f32 = 0.5;
/// High crossover, Hz.
pub const HIGH_CROSSOVER_HZ_RANGE: (f32, f32) = (1000.0, 16_000.0);
/// Default high crossover, Hz.
pub const HIGH_CROSSOVER_HZ_DEFAULT: f32 = 6000.0;
/// Early-reflection level, linear (0 = none, 1 = same energy as the input).
pub const EARLY_LEVEL_RANGE: (f32, f32) = (0.0, 1.0);
/// Default early level.
pub const EARLY_LEVEL_DEFAULT: f32 = 0.5;
/// Early-reflection size, metres (the pattern spans `size · 5 ms/m`).
pub const EARLY_SIZE_M_RANGE: (f32, f32) = (2.0, 50.0);
/// Default early size, metres: a 60 ms pattern, ending as the late reverb is fully dense.
pub const EARLY_SIZE_M_DEFAULT: f32 = 12.0;
/// Modulation rate, Hz (mean rate of each line's random wander).
pub const MOD_RATE_HZ_RANGE: (f32, f32) = (0.05, 5.0);
/// Default modulation rate, Hz.
pub const MOD_RATE_HZ_DEFAULT: f32 = 0.7;
/// Modulation depth, milliseconds of delay-line excursion.
pub const MOD_DEPTH_MS_RANGE: (f32, f32) = (0.0, 5.0);
/// Default depth: at most ±2 cents of pitch movement at the default rate, below chorus
/// audibility, yet several mode bandwidths of smearing over a long tail.
pub const MOD_DEPTH_MS_DEFAULT: f32 = 0.4;
/// Stereo width of the wet signal (0 = mono, 1 = as generated, 1.5 = side boosted by 50 %).
pub const WIDTH_RANGE: (f32, f32) = (0.0, 1.5);
/// Default width.
pub const WIDTH_DEFAULT: f32 = 1.0;
/// Wet low cut (12 dB/oct Butterworth high-pass), Hz.
pub const LOW_CUT_HZ_RANGE: (f32, f32) = (20.0, 2000.0);
/// Default low cut, Hz.
pub const LOW_CUT_HZ_DEFAULT: f32 = 20.0;
/// Wet high cut (12 dB/oct Butterworth low-pass), Hz.
pub const HIGH_CUT_HZ_RANGE: (f32, f32) = (1000.0, 20_000.0);
/// Default high cut, Hz.
pub const HIGH_CUT_HZ_DEFAULT: f32 = 16_000.0;
/// Dry/wet mix (0 = dry only, 1 = wet only).
pub const MIX_RANGE: (f32, f32) = (0.0, 1.0);
/// Default mix.
pub const MIX_DEFAULT: f32 = 0.3;

/// Mode-density rule: the total delay of the network is kept ≥ this × T60 × fs. Below that,
/// individual modes are resolved and ring. At the default Size (25 m, 0.78 s total) the rule
/// holds up to a 5.2 s decay; longer decays stretch all lines proportionally (up to 4.5 s total
/// at 30 s), trading the Size's character for a smooth, non-ringing tail.
pub const MODE_DENSITY_FACTOR: f32 = 0.15;
/// Speed of sound used to turn metres into seconds.
pub const SPEED_OF_SOUND_M_S: f32 = 343.0;
/// Length of one read-position crossfade (Size, Decay stretch, pre-delay, early size).
pub const CROSSFADE_MS: f32 = 40.0;
/// Ramp of the decay-shaping parameters (decay, multipliers, crossovers).
pub const DECAY_RAMP_MS: f32 = 50.0;
/// Ramp into and out of freeze.
pub const FREEZE_RAMP_MS: f32 = 50.0;
/// Lines whose absorption is redesigned per control update while the decay moves (round
/// robin): every line follows within `LINES / 4` updates (64 samples, 1.3 ms at 48 kHz) of
/// its 50 ms ramp, at a quarter of the cost of redesigning all sixteen every update.
const ABSORPTION_LINES_PER_UPDATE: usize = 4;
/// Gain of the late reverb at the output. With the size compensation below, steady white
/// noise gives roughly the input's level at the default decay.
const LATE_OUTPUT_GAIN: f32 = 0.5;
/// Mean line length (s) at which the late input gain is 1. Smaller rooms get less input,
/// larger ones more, so the level depends on the decay, not on the Size (the energy a tail
/// holds is proportional to T60 / mean line length).
const REFERENCE_MEAN_LINE_S: f32 = 0.05;

/// The best instruction set the reverb uses unless told otherwise (`set_simd_level`): AVX2.
/// Measured on a 5th-generation Xeon (R1 reverb, 256-frame blocks, user CPU time of 100 s of
/// audio): baseline 0.79 s, AVX2 0.66–0.71 s, AVX-512 0.92–1.03 s. The network's vectors are
/// 16 lanes, one AVX-512 register, yet the 512-bit code ran slower there (why was not
/// isolated: cross-half shuffles and the 512-bit clock licence are candidates), so it is not
/// picked by default; it stays available (`set_simd_level`) and bit-identical.
const DEFAULT_SIMD_CEILING: SimdLevel = SimdLevel::Avx2;

/// How dry and wet are balanced by the mix control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MixLaw {
    /// `dry = 1 − mix`, `wet = mix`: the classic dry/wet knob.
    #[default]
    Linear,
    /// `dry = cos(mix·π/2)`, `wet = sin(mix·π/2)`: constant power for uncorrelated dry and wet.
    EqualPower,
}

impl MixLaw {
    /// Every law, in display order.
    pub const ALL: [MixLaw; 2] = [MixLaw::Linear, MixLaw::EqualPower];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            MixLaw::Linear => "Dry/Wet",
            MixLaw::EqualPower => "Equal power",
        }
    }

    /// (dry, wet) gains for `mix` in 0..1.
    pub fn gains(self, mix: f32) -> (f32, f32) {
        let mix = mix.clamp(0.0, 1.0);
        match self {
            MixLaw::Linear => (1.0 - mix, mix),
            MixLaw::EqualPower => {
                let angle = mix * std::f32::consts::FRAC_PI_2;
                (angle.cos(), angle.sin())
            }
        }
    }
}

/// Every reverb control, as plain targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReverbSettings {
    /// Mid-band decay time (T60), seconds.
    pub decay_s: f32,
    /// Room size, metres: scales the delay-line lengths.
    pub size_m: f32,
    /// Delay before the wet signal starts, milliseconds.
    pub pre_delay_ms: f32,
    /// Low-band decay multiplier.
    pub low_mult: f32,
    /// Where the low multiplier takes over, Hz.
    pub low_crossover_hz: f32,
    /// High-band decay multiplier (damping; ≤ 1).
    pub high_mult: f32,
    /// Where the high multiplier takes over, Hz.
    pub high_crossover_hz: f32,
    /// Early-reflection level, linear 0..1.
    pub early_level: f32,
    /// Early-reflection size, metres.
    pub early_size_m: f32,
    /// Modulation rate, Hz.
    pub mod_rate_hz: f32,
    /// Modulation depth, milliseconds.
    pub mod_depth_ms: f32,
    /// Wet stereo width, 0..1.5.
    pub width: f32,
    /// Wet low cut, Hz.
    pub low_cut_hz: f32,
    /// Wet high cut, Hz.
    pub high_cut_hz: f32,
    /// Infinite hold: the loop becomes lossless and the input is muted.
    pub freeze: bool,
    /// Dry/wet balance, 0..1.
    pub mix: f32,
    /// How `mix` maps to dry and wet gains.
    pub mix_law: MixLaw,
}

impl Default for ReverbSettings {
    fn default() -> Self {
        Self {
            decay_s: DECAY_S_DEFAULT,
            size_m: SIZE_M_DEFAULT,
            pre_delay_ms: PRE_DELAY_MS_DEFAULT,
            low_mult: LOW_MULT_DEFAULT,
            low_crossover_hz: LOW_CROSSOVER_HZ_DEFAULT,
            high_mult: HIGH_MULT_DEFAULT,
            high_crossover_hz: HIGH_CROSSOVER_HZ_DEFAULT,
            early_level: EARLY_LEVEL_DEFAULT,
            early_size_m: EARLY_SIZE_M_DEFAULT,
            mod_rate_hz: MOD_RATE_HZ_DEFAULT,
            mod_depth_ms: MOD_DEPTH_MS_DEFAULT,
            width: WIDTH_DEFAULT,
            low_cut_hz: LOW_CUT_HZ_DEFAULT,
            high_cut_hz: HIGH_CUT_HZ_DEFAULT,
            freeze: false,
            mix: MIX_DEFAULT,
            mix_law: MixLaw::Linear,
        }
    }
}

impl ReverbSettings {
    /// Every value clamped to its range (non-finite values fall back to the default).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        let c = super::clamp_setting;
        Self {
            decay_s: c(self.decay_s, DECAY_S_RANGE, d.decay_s),
            size_m: c(self.size_m, SIZE_M_RANGE, d.size_m),
            pre_delay_ms: c(self.pre_delay_ms, PRE_DELAY_MS_RANGE, d.pre_delay_ms),
            low_mult: c(self.low_mult, LOW_MULT_RANGE, d.low_mult),
            low_crossover_hz: c(self.low_crossover_hz, LOW_CROSSOVER_HZ_RANGE, d.low_crossover_hz),
            high_mult: c(self.high_mult, HIGH_MULT_RANGE, d.high_mult),
            high_crossover_hz: c(self.high_crossover_hz, HIGH_CROSSOVER_HZ_RANGE, d.high_crossover_hz),
            early_level: c(self.early_level, EARLY_LEVEL_RANGE, d.early_level),
            early_size_m: c(self.early_size_m, EARLY_SIZE_M_RANGE, d.early_size_m),
            mod_rate_hz: c(self.mod_rate_hz, MOD_RATE_HZ_RANGE, d.mod_rate_hz),
            mod_depth_ms: c(self.mod_depth_ms, MOD_DEPTH_MS_RANGE, d.mod_depth_ms),
            width: c(self.width, WIDTH_RANGE, d.width),
            low_cut_hz: c(self.low_cut_hz, LOW_CUT_HZ_RANGE, d.low_cut_hz),
            high_cut_hz: c(self.high_cut_hz, HIGH_CUT_HZ_RANGE, d.high_cut_hz),
            freeze: self.freeze,
            mix: c(self.mix, MIX_RANGE, d.mix),
            mix_law: self.mix_law,
        }
    }

    /// Mean delay-line length in seconds for these settings: the Size's mean free path, or
    /// longer when the decay needs it for the mode-density rule.
    pub fn mean_line_seconds(&self) -> f32 {
        let from_size = self.size_m * (2.0 / 3.0) / SPEED_OF_SOUND_M_S;
        let from_decay = MODE_DENSITY_FACTOR * self.decay_s / LINES as f32;
        from_size.max(from_decay)
    }
}

/// Smoothers of the parameters that shape the loop's absorption (advanced at control rate).
#[derive(Debug, Clone, Default)]
struct DecaySmoothers {
    /// log2 of the decay in seconds.
    decay_log2: LinearSmoother,
    /// log2 of the low multiplier.
    low_mult_log2: LinearSmoother,
    /// log2 of the high multiplier.
    high_mult_log2: LinearSmoother,
    /// log2 of the low crossover in Hz.
    low_crossover_log2: LinearSmoother,
    /// log2 of the high crossover in Hz.
    high_crossover_log2: LinearSmoother,
}

impl DecaySmoothers {
    /// Applies ramp times.
    fn set_ramp(&mut self, fs: f32) {
        for s in self.all() {
            s.set_ramp(fs, DECAY_RAMP_MS);
        }
    }

    /// The smoothers as a list.
    fn all(&mut self) -> [&mut LinearSmoother; 5] {
        [
            &mut self.decay_log2,
            &mut self.low_mult_log2,
            &mut self.high_mult_log2,
            &mut self.low_crossover_log2,
            &mut self.high_crossover_log2,
        ]
    }

    /// Targets (or snaps to) the values of `s`.
    fn set(&mut self, s: &ReverbSettings, snap: bool) {
        let values = [
            s.decay_s.log2(),
            s.low_mult.log2(),
            s.high_mult.log2(),
            s.low_crossover_hz.log2(),
            s.high_crossover_hz.log2(),
        ];
        for (smoother, v) in self.all().into_iter().zip(values) {
            if snap {
                smoother.reset(v);
            } else {
                smoother.set_target(v);
            }
        }
    }

    /// Whether any of them is still ramping.
    fn is_smoothing(&mut self) -> bool {
        self.all().iter().any(|s| s.is_smoothing())
    }

    /// Advances `n` samples and returns the decay profile reached.
    fn advance(&mut self, n: u32) -> DecayProfile {
        let decay = self.decay_log2.skip(n).exp2() as f64;
        DecayProfile {
            mid_s: decay,
            low_s: decay * self.low_mult_log2.skip(n).exp2() as f64,
            high_s: decay * self.high_mult_log2.skip(n).exp2() as f64,
            low_crossover_hz: self.low_crossover_log2.skip(n).exp2() as f64,
            high_crossover_hz: self.high_crossover_log2.skip(n).exp2() as f64,
        }
    }
}

/// The wet low cut and high cut of both channels.
#[derive(Debug, Clone, Default)]
struct WetFilters {
    /// log2 of the low-cut frequency.
    low_cut_log2: LinearSmoother,
    /// log2 of the high-cut frequency.
    high_cut_log2: LinearSmoother,
    /// High-pass coefficients.
    low_cut: SvfCoefficients<f32>,
    /// Low-pass coefficients.
    high_cut: SvfCoefficients<f32>,
    /// Left and right memories of the high-pass.
    low_cut_state: SvfState<f32, 2>,
    /// Left and right memories of the low-pass.
    high_cut_state: SvfState<f32, 2>,
}

impl WetFilters {
    /// Recomputes the coefficients from the smoothers' current values.
    fn design(&mut self, fs: f64) {
        let low_cut = prewarp(self.low_cut_log2.current().exp2() as f64, fs);
        let high_cut = prewarp(self.high_cut_log2.current().exp2() as f64, fs);
        self.low_cut = SvfCoefficients::highpass_prewarped(low_cut, BUTTERWORTH_K);
        self.high_cut = SvfCoefficients::lowpass_prewarped(high_cut, BUTTERWORTH_K);
    }

    /// Filters one stereo sample.
    #[inline(always)]
    fn process(&mut self, left: f32, right: f32) -> (f32, f32) {
        let high_passed = self.low_cut_state.tick(&self.low_cut, [left, right]);
        let [left, right] = self.high_cut_state.tick(&self.high_cut, high_passed);
        (left, right)
    }
}

/// Per-sample smoothed gains.
#[derive(Debug, Clone, Default)]
struct GainSmoothers {
    /// Dry gain (from mix and law).
    dry: LinearSmoother,
    /// Wet gain (from mix and law).
    wet: LinearSmoother,
    /// Early-reflection level.
    early: LinearSmoother,
    /// Wet width.
    width: LinearSmoother,
    /// Late input gain (size compensation).
    late_input: LinearSmoother,
    /// Modulation depth in samples.
    depth: LinearSmoother,
    /// Freeze amount 0..1.
    freeze: LinearSmoother,
    /// Modulation rate, Hz (advanced at control rate).
    mod_rate: LinearSmoother,
}

/// The per-sample gains of one run, derived from [`GainSmoothers`] (structure of arrays).
#[derive(Debug, Clone, Copy)]
struct RunGains {
    /// Late input gain, closed by freeze.
    late: [f32; early::MAX_RUN],
    /// Modulation depth in samples, closed by freeze.
    depth: [f32; early::MAX_RUN],
    /// Early-reflection level, closed by freeze.
    early: [f32; early::MAX_RUN],
    /// Wet width.
    width: [f32; early::MAX_RUN],
    /// Dry gain.
    dry: [f32; early::MAX_RUN],
    /// Wet gain.
    wet: [f32; early::MAX_RUN],
}

impl Default for RunGains {
    fn default() -> Self {
        let zero = [0.0; early::MAX_RUN];
        Self { late: zero, depth: zero, early: zero, width: zero, dry: zero, wet: zero }
    }
}

impl RunGains {
    /// Advances the smoothers over `run` samples and stores every sample's gains: the values
    /// `next()` gives sample by sample, but a settled smoother (the usual case) is one fill.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn fill(&mut self, g: &mut GainSmoothers, run: usize) {
        let mut open = [0.0f32; early::MAX_RUN];
        ramp(&mut g.freeze, &mut open, run);
        ramp(&mut g.late_input, &mut self.late, run);
        ramp(&mut g.depth, &mut self.depth, run);
        ramp(&mut g.early, &mut self.early, run);
        ramp(&mut g.width, &mut self.width, run);
        ramp(&mut g.dry, &mut self.dry, run);
        ramp(&mut g.wet, &mut self.wet, run);
        for n in 0..run {
            let open = 1.0 - open[n];
            self.late[n] *= open;
            self.depth[n] *= open;
            self.early[n] *= open;
        }
    }
}

/// The wet path after the network, one sample at a time: late and early mixed, width, the
/// wet filters and the dry/wet mix into the block (a [`LateSink`], so it runs inside the
/// network's loop).
struct WetOutput<'a> {
    /// The wet low and high cut.
    filters: &'a mut WetFilters,
    /// The run's early reflections, left.
    early_left: &'a [f32; early::MAX_RUN],
    /// The run's early reflections, right.
    early_right: &'a [f32; early::MAX_RUN],
    /// The run's gains.
    gains: &'a RunGains,
    /// The run's stretch of the left channel: dry in, mixed out.
    left: &'a mut [f32],
    /// The run's stretch of the right channel.
    right: &'a mut [f32],
}

impl LateSink for WetOutput<'_> {
    /// The same operations, in the same order, for each sample as the separate loops over the
    /// run had before.
    #[inline(always)]
    fn take(&mut self, n: usize, late_left: f32, late_right: f32) {
        let gains = self.gains;
        let early_gain = gains.early[n];
        let wet_l = LATE_OUTPUT_GAIN * late_left + early_gain * self.early_left[n];
        let wet_r = LATE_OUTPUT_GAIN * late_right + early_gain * self.early_right[n];
        let mid = 0.5 * (wet_l + wet_r);
        let side = 0.5 * (wet_l - wet_r) * gains.width[n];
        let (wet_left, wet_right) = self.filters.process(mid + side, mid - side);
        self.left[n] = gains.dry[n] * self.left[n] + gains.wet[n] * wet_left;
        self.right[n] = gains.dry[n] * self.right[n] + gains.wet[n] * wet_right;
    }
}

/// `run` samples of `smoother` into `out`: its `next()` values, or one fill when settled.
#[inline(always)]
fn ramp(smoother: &mut LinearSmoother, out: &mut [f32; early::MAX_RUN], run: usize) {
    if smoother.is_smoothing() {
        for v in out.iter_mut().take(run) {
            *v = smoother.next();
        }
    } else {
        let value = smoother.current();
        for v in out.iter_mut() {
            *v = value;
        }
    }
}

/// The reverb stage.
#[derive(Debug, Clone)]
pub struct Reverb {
    /// Sample rate given to `prepare`, Hz.
    sample_rate: f32,
    /// The latest settings (clamped), i.e. the smoothers' targets.
    settings: ReverbSettings,
    /// The next `set_settings` snaps instead of ramping (after `prepare`/`reset`).
    snap_next: bool,
    /// Pre-delay and early reflections.
    early: EarlyReflections,
    /// Left input diffuser.
    diffuser_left: Diffuser,
    /// Right input diffuser.
    diffuser_right: Diffuser,
    /// The late reverb.
    fdn: FeedbackDelayNetwork,
    /// Decay-shaping parameter smoothers.
    decay: DecaySmoothers,
    /// Per-sample gain smoothers.
    gains: GainSmoothers,
    /// Wet filters with their smoothers.
    wet_filters: WetFilters,
    /// Modulation rate / sample rate, refreshed at control rate.
    lfo_increment: f32,
    /// Samples until the next control update.
    control_countdown: u32,
    /// Freeze amount the loop absorption was last designed for.
    designed_freeze: f32,
    /// Forces a control update (new targets arrived).
    controls_dirty: bool,
    /// Instruction set the per-sample loop runs with (bit-identical at every level).
    simd: SimdLevel,
    /// Mean line length (s) the network's lengths were last chosen for.
    requested_mean_s: f32,
}

impl Default for Reverb {
    fn default() -> Self {
        Self::new()
    }
}

impl Reverb {
    /// An unprepared reverb; allocates nothing meaningful. `process` leaves audio untouched
    /// until [`prepare`](Self::prepare) has run.
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            settings: ReverbSettings::default(),
            snap_next: true,
            early: EarlyReflections::new(),
            diffuser_left: Diffuser::default(),
            diffuser_right: Diffuser::default(),
            fdn: FeedbackDelayNetwork::new(),
            decay: DecaySmoothers::default(),
            gains: GainSmoothers::default(),
            wet_filters: WetFilters::default(),
            lfo_increment: 0.0,
            control_countdown: 0,
            designed_freeze: 0.0,
            controls_dirty: true,
            simd: DEFAULT_SIMD_CEILING.supported(),
            requested_mean_s: f32::NAN,
        }
    }

    /// Allocates every buffer for the largest Size, decay, pre-delay, early size and modulation
    /// at `sample_rate`, then resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        // Any rate: filters clamp their cutoffs below Nyquist, lines keep their minimum lengths,
        // and above 384 kHz the longest lines shrink instead of the memory growing (see
        // `LINE_MEMORY_RATE_HZ`).
        let fs = sample_rate.max(crate::MIN_DESIGN_SAMPLE_RATE);
        let memory_fs = crate::line_memory_rate(fs);
        self.sample_rate = fs;
        let fade = (CROSSFADE_MS * 0.001 * fs).round() as u32;
        let max_early =
            (PRE_DELAY_MS_RANGE.1 * 0.001 + EARLY_SIZE_M_RANGE.1 * early::SECONDS_PER_METRE) * memory_fs;
        self.early.prepare(fs, max_early.ceil() as usize, fade);
        self.diffuser_left.prepare(fs, &diffuser::LEFT_STAGES);
        self.diffuser_right.prepare(fs, &diffuser::RIGHT_STAGES);
        let largest =
            ReverbSettings { size_m: SIZE_M_RANGE.1, decay_s: DECAY_S_RANGE.1, ..ReverbSettings::default() };
        let max_mean = largest.mean_line_seconds() as f64 * memory_fs as f64;
        self.fdn.prepare(fs, max_mean, MOD_DEPTH_MS_RANGE.1 * 0.001 * fs, fade);
        self.decay.set_ramp(fs);
        for s in [&mut self.wet_filters.low_cut_log2, &mut self.wet_filters.high_cut_log2] {
            s.set_ramp(fs, RAMP_MS_DEFAULT);
        }
        let g = &mut self.gains;
        for s in [
            &mut g.dry,
            &mut g.wet,
            &mut g.early,
            &mut g.width,
            &mut g.late_input,
            &mut g.depth,
            &mut g.mod_rate,
        ] {
            s.set_ramp(fs, RAMP_MS_DEFAULT);
        }
        g.freeze.set_ramp(fs, FREEZE_RAMP_MS);
        self.reset();
    }

    /// Clears all audio state without allocating; every smoother jumps to its target.
    pub fn reset(&mut self) {
        self.early.reset();
        self.diffuser_left.reset();
        self.diffuser_right.reset();
        self.wet_filters.low_cut_state.reset();
        self.wet_filters.high_cut_state.reset();
        let settings = self.settings;
        self.apply(&settings, true);
        self.fdn.reset();
        self.snap_next = true;
    }

    /// Sets new targets. The first call after `prepare`/`reset` snaps; later calls ramp.
    /// Cheap: a few smoother targets and one prime lookup per line.
    pub fn set_settings(&mut self, settings: &ReverbSettings) {
        let s = settings.clamped();
        if !self.snap_next && s == self.settings {
            // Unchanged (the usual block): every smoother already heads for these targets, and
            // re-applying would only force a control update that redesigns nothing.
            return;
        }
        let snap = std::mem::take(&mut self.snap_next);
        self.apply(&s, snap);
    }

    /// Pushes `s` into every smoother, crossfade and length request.
    fn apply(&mut self, s: &ReverbSettings, snap: bool) {
        self.settings = *s;
        let fs = self.sample_rate;
        let set = |smoother: &mut LinearSmoother, v: f32| {
            if snap {
                smoother.reset(v)
            } else {
                smoother.set_target(v)
            }
        };

        self.decay.set(s, snap);
        set(&mut self.wet_filters.low_cut_log2, s.low_cut_hz.log2());
        set(&mut self.wet_filters.high_cut_log2, s.high_cut_hz.log2());

        let (dry, wet) = s.mix_law.gains(s.mix);
        let g = &mut self.gains;
        set(&mut g.dry, dry);
        set(&mut g.wet, wet);
        set(&mut g.early, s.early_level);
        set(&mut g.width, s.width);
        set(&mut g.depth, s.mod_depth_ms * 0.001 * fs);
        set(&mut g.mod_rate, s.mod_rate_hz);
        set(&mut g.freeze, if s.freeze { 1.0 } else { 0.0 });

        let pre_delay = (s.pre_delay_ms * 0.001 * fs).round() as u32;
        let span = (s.early_size_m * early::SECONDS_PER_METRE * fs).round() as u32;
        self.early.set_layout(pre_delay, span, !snap);

        // While frozen (or freezing) the loop keeps its lengths: a crossfade blends two
        // uncorrelated reads and would lose energy that freeze promises to hold.
        let mean_s = s.mean_line_seconds();
        // The prime search only when the mean line length moved (not on every automated block).
        if self.fdn.is_prepared() && (snap || (!s.freeze && mean_s != self.requested_mean_s)) {
            self.requested_mean_s = mean_s;
            let lengths = self.fdn.lengths_for_mean(mean_s as f64 * fs as f64);
            self.fdn.set_lengths(lengths, !snap);
            let mean = lengths.iter().map(|&l| l as f32).sum::<f32>() / LINES as f32 / fs;
            set(&mut self.gains.late_input, (mean / REFERENCE_MEAN_LINE_S).sqrt());
        }
        self.controls_dirty = true;
        if snap {
            self.update_controls(0);
        }
    }

    /// Advances the control-rate smoothers by `n` samples and redesigns what moved.
    fn update_controls(&mut self, n: u32) {
        let fs = self.sample_rate as f64;
        let decay_moving = self.decay.is_smoothing();
        let freeze = self.gains.freeze.current();
        // The profile (five `exp2`) only when something will use it: settled smoothers would
        // return the values the design already has, and at rest this was most of an update.
        if decay_moving || self.controls_dirty || freeze != self.designed_freeze {
            let profile = self.decay.advance(n);
            self.fdn.set_absorption(profile, freeze as f64);
            self.designed_freeze = freeze;
            if decay_moving || self.controls_dirty {
                self.early.set_decay(profile.mid_s as f32, self.sample_rate);
            }
        }
        // A few lines per update (all of them when snapping): the same cost at every update.
        let lines = if n == 0 { LINES } else { ABSORPTION_LINES_PER_UPDATE };
        self.fdn.refresh_absorption(lines);
        let wf = &mut self.wet_filters;
        let cuts_moving = wf.low_cut_log2.is_smoothing() || wf.high_cut_log2.is_smoothing();
        wf.low_cut_log2.skip(n);
        wf.high_cut_log2.skip(n);
        if cuts_moving || self.controls_dirty {
            wf.design(fs);
        }
        self.lfo_increment = self.gains.mod_rate.skip(n) / self.sample_rate;
        self.controls_dirty = false;
    }

    /// Processes a stereo block in place. `left.len() == right.len() ≤ max_block`; 0 is fine.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !self.fdn.is_prepared() {
            return;
        }
        let _denormals = DenormalGuard::new();
        // Explicit functions per level rather than `SimdLevel::run` with a closure: LLVM does
        // not inline a closure this large into the feature-enabled wrappers, so every level
        // would run the baseline code (the shipped binary had no AVX instruction at all).
        // `process_samples` is `#[inline(always)]`, so each function below holds its own copy
        // compiled for its instruction set.
        match self.simd {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `self.simd` only ever holds a level the CPU supports (`detected`,
            // `supported`).
            SimdLevel::Avx2 => unsafe { self.process_avx2(left, right) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx512 => unsafe { self.process_avx512(left, right) },
            _ => self.process_samples(left, right),
        }
    }

    /// [`process_samples`](Self::process_samples) compiled with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn process_avx2(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_samples(left, right);
    }

    /// [`process_samples`](Self::process_samples) compiled with AVX-512 (and AVX2/FMA).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    unsafe fn process_avx512(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_samples(left, right);
    }

    /// Runs the per-sample loop with another instruction set (lowered to what the CPU has).
    /// The output is bit-identical at every level; tests use this to prove it.
    pub fn set_simd_level(&mut self, level: SimdLevel) {
        self.simd = level.supported();
    }

    /// The per-sample loop, inlined into each [`SimdLevel`]'s instantiation. It runs in
    /// stretches that end where the controls update (every [`CONTROL_INTERVAL`] samples), so
    /// each stretch's early reflections, diffusion and gains can be computed for all its
    /// samples at once; the network runs sample by sample, with the wet mix and filters of
    /// each sample inside its loop ([`WetOutput`]).
    #[inline(always)]
    // Run arrays indexed by one counter: the form that vectorises.
    #[allow(clippy::needless_range_loop)]
    fn process_samples(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut start = 0;
        let mut early_run = early::EarlyRun::default();
        let mut gains = RunGains::default();
        while start < len {
            if self.control_countdown == 0 {
                self.update_controls(CONTROL_INTERVAL as u32);
                self.control_countdown = CONTROL_INTERVAL as u32;
            }
            let run = (self.control_countdown as usize).min(len - start).min(early::MAX_RUN);
            self.control_countdown -= run as u32;
            let (l, r) = (&mut left[start..start + run], &mut right[start..start + run]);
            self.early.process_run(l, r, &mut early_run);
            gains.fill(&mut self.gains, run);

            let (in_left, in_right) = (&mut early_run.late_left[..run], &mut early_run.late_right[..run]);
            self.diffuser_left.process_run(in_left);
            self.diffuser_right.process_run(in_right);
            for n in 0..run {
                in_left[n] *= gains.late[n];
                in_right[n] *= gains.late[n];
            }
            let mut wet = WetOutput {
                filters: &mut self.wet_filters,
                early_left: &early_run.early_left,
                early_right: &early_run.early_right,
                gains: &gains,
                left: l,
                right: r,
            };
            self.fdn.process_run(in_left, in_right, &gains.depth[..run], self.lfo_increment, &mut wet);
            start += run;
        }
    }

    /// Samples until the output is silent after the input stops: pre-delay, early span, the
    /// longest line and the slowest band's T60. `None` while frozen (infinite).
    pub fn tail_samples(&self) -> Option<u32> {
        let s = &self.settings;
        if s.freeze {
            return None;
        }
        let slowest = s.decay_s * s.low_mult.max(1.0);
        let seconds = s.pre_delay_ms * 0.001
            + s.early_size_m * early::SECONDS_PER_METRE
            + 2.0 * s.mean_line_seconds()
            + slowest;
        Some((seconds as f64 * self.sample_rate as f64).ceil().min(u32::MAX as f64) as u32)
    }

    /// Energy held in the delay network (sum of squares of every line's contents).
    ///
    /// Diagnostic for tests (freeze must hold it constant); O(total delay), not for the audio
    /// thread.
    pub fn stored_energy(&self) -> f64 {
        self.fdn.stored_energy()
    }
}

/// The reverb as a chain stage: follows `EngineSettings::reverb`, switched by
/// `EngineSettings::reverb_on`; zero latency.
impl crate::stage::Stage for Reverb {
    fn name(&self) -> &'static str {
        "Reverb"
    }
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        Reverb::prepare(self, sample_rate, max_block);
    }
    fn reset(&mut self) {
        Reverb::reset(self);
    }
    fn apply(&mut self, settings: &crate::engine::EngineSettings) {
        self.set_settings(&settings.reverb);
    }
    fn is_enabled(&self, settings: &crate::engine::EngineSettings) -> bool {
        settings.reverb_on
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        Reverb::process(self, left, right);
    }
    fn latency_samples(&self) -> u32 {
        0
    }
    fn tail_samples(&self) -> Option<u32> {
        Reverb::tail_samples(self)
    }
}
