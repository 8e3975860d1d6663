//! The filter stage: high-pass and low-pass (Butterworth 6–48 dB/oct or resonant 12 dB/oct), low
//! and high shelves, two parametric bells and a notch/band-pass band.
//!
//! # Topology
//! Every band is built from trapezoidal ("topology-preserving transform", Zavalishin) state-variable
//! sections in `f64` ([`svf`]), designed by the stateless functions of [`design`]. A TPT section is
//! exactly the bilinear transform of its analog prototype, prewarped at the band frequency, so:
//! - the high/low-pass cascades equal `scipy.signal.butter(N, fc, fs=fs)` (orders 1–8: 6, 12, 18,
//!   24, 36, 48 dB/oct are exposed), −3.01 dB at the cutoff at every sample rate;
//! - shelves, bells, notch, band-pass and the resonant 12 dB/oct mode equal the corresponding
//!   biquads of the RBJ "Audio EQ Cookbook" (Q as defined there, i.e. in the analog prototype);
//! - the integrator states hold signal values, not coefficient-weighted history, so cutoffs and
//!   gains can change every few samples without the bursts that direct-form biquads produce.
//!
//! # Near Nyquist (bilinear, not matched)
//! The bilinear transform maps the whole analog frequency axis onto 0…fs/2, so the response is
//! exact at DC, at the band frequency (prewarping) and in its overall shape, but everything above
//! the band frequency is compressed ("cramped") towards Nyquist, where analog infinity lands.
//! Measured at 44.1 kHz (test `near_nyquist_follows_bilinear_not_analog_at_44k1`; bilinear value
//! vs analog prototype at 20.3 kHz = 0.46·fs):
//! - low-pass: an exact zero at Nyquist, so it is steeper near the top than its prototype
//!   (20 kHz 12 dB/oct: −4.5 dB vs −3.1 dB; −39 dB vs −3.8 dB at 21.8 kHz); −3.01 dB at the
//!   cutoff stays exact;
//! - high-pass and high shelf: reach their full (analog-infinity) value early (+12 dB shelf at
//!   12 kHz: +11.99 dB vs +10.4 dB);
//! - bells and low shelves return exactly to 0 dB at Nyquist, so a bell above ≈ 0.3·fs is narrower
//!   on its upper side than the analog bell (+12 dB, Q 1 at 16 kHz: +1.2 dB vs +9.4 dB);
//! - notch/band-pass and the resonant mode: exact centre, upper skirt compressed likewise
//!   (band-pass Q 2 at 15 kHz: −18.4 dB vs −4.0 dB).
//!
//! This is the behaviour of every RBJ-cookbook EQ and of `scipy.signal` designs, it keeps the
//! stage zero-latency and minimum-phase, and it is what the tests check above 0.4·fs at 44.1 kHz
//! (measured against scipy's bilinear designs, and against the analog prototype to quantify the
//! cramping). A matched-magnitude design (e.g. Vicanek's) would track the analog curve closer to
//! Nyquist but has no modulation-friendly SVF form with exact Butterworth behaviour, so it was not
//! chosen. Design frequencies are clamped to 0.49·fs, which only matters below 40.8 kHz.
//!
//! # Smoothing and switching
//! See [`bands`]: log2-domain smoothing of frequencies and Qs, dB smoothing of gains, coefficients
//! re-derived every `CONTROL_INTERVAL` (shared by every stage) frames only while something ramps, crossfades for every
//! on/off, slope and mode change, and gain ramps to 0 dB for switched-off shelves and bells.
//!
//! # Response display
//! [`Filter::magnitude_response_db`] evaluates the same designs analytically from the current
//! targets, without touching the audio state.

mod bands;
pub(crate) mod design;
mod fused;
pub(crate) mod svf;

use super::clamp_setting;
use crate::core::applied::Applied;
use bands::{run_bands, BandWork, NotchBand, PassBand, ToneBand, ToneTarget};
use design::{response_tan, PassKind, ToneShape};
use svf::Frame;

/// Range of every frequency parameter (cutoffs, shelf corners, bell and notch centres), in Hz.
/// Log-scaled in the plugin.
pub const FREQUENCY_RANGE_HZ: (f32, f32) = (20.0, 20_000.0);
/// Range of shelf and bell gains, in dB.
pub const GAIN_RANGE_DB: (f32, f32) = (-24.0, 24.0);
/// Range of the resonant 12 dB/oct mode's Q.
pub const RESONANCE_Q_RANGE: (f32, f32) = (0.5, 10.0);
/// Range of the bells' Q (RBJ definition: analog-prototype Q).
pub const BELL_Q_RANGE: (f32, f32) = (0.1, 18.0);
/// Range of the shelves' Q. 1/√2 is the steepest shelf without overshoot (RBJ slope S = 1);
/// above it the shelf gets a complementary bump and dip, below it a gentler transition.
pub const SHELF_Q_RANGE: (f32, f32) = (0.3, 4.0);
/// Range of the notch/band-pass band's Q.
pub const NOTCH_Q_RANGE: (f32, f32) = (0.1, 18.0);

/// Q of a second-order Butterworth section; default of the resonant mode (so switching 12 dB/oct
/// to resonant 12 dB/oct at the default Q sounds identical) and of the shelves.
pub const BUTTERWORTH_Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Default high-pass cutoff, in Hz (a typical rumble/low-mud cut).
pub const HIGH_PASS_HZ_DEFAULT: f32 = 80.0;
/// Default low-pass cutoff, in Hz.
pub const LOW_PASS_HZ_DEFAULT: f32 = 12_000.0;
/// Default high/low-pass slope.
pub const SLOPE_DEFAULT: FilterSlope = FilterSlope::Db12;
/// Default low-shelf corner, in Hz.
pub const LOW_SHELF_HZ_DEFAULT: f32 = 100.0;
/// Default high-shelf corner, in Hz.
pub const HIGH_SHELF_HZ_DEFAULT: f32 = 8_000.0;
/// Default shelf Q.
pub const SHELF_Q_DEFAULT: f32 = BUTTERWORTH_Q;
/// Default centre of bell 1, in Hz.
pub const BELL_1_HZ_DEFAULT: f32 = 400.0;
/// Default centre of bell 2, in Hz.
pub const BELL_2_HZ_DEFAULT: f32 = 2_500.0;
/// Default bell Q (about 1.4 octaves wide).
pub const BELL_Q_DEFAULT: f32 = 1.0;
/// Default notch/band-pass centre, in Hz.
pub const NOTCH_HZ_DEFAULT: f32 = 1_000.0;
/// Default notch/band-pass Q.
pub const NOTCH_Q_DEFAULT: f32 = 2.0;
/// Default notch/band-pass mode.
pub const NOTCH_MODE_DEFAULT: NotchMode = NotchMode::Notch;

/// Ramp time of every continuous parameter (frequencies in log2, Qs in log2, gains in dB).
pub const PARAMETER_RAMP_MS: f32 = 20.0;
/// Crossfade time of on/off, slope and notch/band-pass mode changes.
pub const SWITCH_FADE_MS: f32 = 15.0;

/// Floor of [`Filter::magnitude_response_db`], in dB (instead of −∞ at an exact zero).
pub const RESPONSE_FLOOR_DB: f32 = -300.0;

/// High/low-pass slope: Butterworth of order 1–8, or one resonant second-order section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterSlope {
    /// 6 dB/oct, Butterworth order 1.
    Db6,
    /// 12 dB/oct, Butterworth order 2.
    Db12,
    /// 18 dB/oct, Butterworth order 3.
    Db18,
    /// 24 dB/oct, Butterworth order 4.
    Db24,
    /// 36 dB/oct, Butterworth order 6.
    Db36,
    /// 48 dB/oct, Butterworth order 8.
    Db48,
    /// 12 dB/oct with adjustable Q ([`RESONANCE_Q_RANGE`]).
    Resonant12,
}

impl FilterSlope {
    /// Every slope, in display order.
    pub const ALL: [FilterSlope; 7] = [
        FilterSlope::Db6,
        FilterSlope::Db12,
        FilterSlope::Db18,
        FilterSlope::Db24,
        FilterSlope::Db36,
        FilterSlope::Db48,
        FilterSlope::Resonant12,
    ];

    /// Butterworth order, or `None` for the resonant mode.
    pub fn butterworth_order(self) -> Option<usize> {
        match self {
            FilterSlope::Db6 => Some(1),
            FilterSlope::Db12 => Some(2),
            FilterSlope::Db18 => Some(3),
            FilterSlope::Db24 => Some(4),
            FilterSlope::Db36 => Some(6),
            FilterSlope::Db48 => Some(8),
            FilterSlope::Resonant12 => None,
        }
    }

    /// Short label for the editor and parameter text.
    pub fn label(self) -> &'static str {
        match self {
            FilterSlope::Db6 => "6 dB/oct",
            FilterSlope::Db12 => "12 dB/oct",
            FilterSlope::Db18 => "18 dB/oct",
            FilterSlope::Db24 => "24 dB/oct",
            FilterSlope::Db36 => "36 dB/oct",
            FilterSlope::Db48 => "48 dB/oct",
            FilterSlope::Resonant12 => "12 dB/oct resonant",
        }
    }
}

/// What the notch/band-pass band does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotchMode {
    /// Removes a band around the centre (RBJ notch).
    Notch,
    /// Keeps only a band around the centre, 0 dB at the centre (RBJ band-pass, 0 dB peak).
    BandPass,
}

impl NotchMode {
    /// Every mode, in display order.
    pub const ALL: [NotchMode; 2] = [NotchMode::Notch, NotchMode::BandPass];

    /// Short label for the editor and parameter text.
    pub fn label(self) -> &'static str {
        match self {
            NotchMode::Notch => "Notch",
            NotchMode::BandPass => "Band-pass",
        }
    }
}

/// Settings of the high-pass or the low-pass band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassSettings {
    /// Band on; switching crossfades over [`SWITCH_FADE_MS`].
    pub enabled: bool,
    /// Cutoff in Hz ([`FREQUENCY_RANGE_HZ`]); −3.01 dB point for the Butterworth slopes.
    pub cutoff_hz: f32,
    /// Slope; a change crossfades between the old and new cascade.
    pub slope: FilterSlope,
    /// Q of [`FilterSlope::Resonant12`] ([`RESONANCE_Q_RANGE`]); ignored by the other slopes.
    pub resonance_q: f32,
}

/// Settings of the low or high shelf.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShelfSettings {
    /// Band on; switching ramps the gain to/from 0 dB.
    pub enabled: bool,
    /// Corner (half-gain) frequency in Hz ([`FREQUENCY_RANGE_HZ`]).
    pub freq_hz: f32,
    /// Shelf gain in dB ([`GAIN_RANGE_DB`]).
    pub gain_db: f32,
    /// Transition Q ([`SHELF_Q_RANGE`]).
    pub q: f32,
}

/// Settings of one parametric bell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BellSettings {
    /// Band on; switching ramps the gain to/from 0 dB.
    pub enabled: bool,
    /// Centre frequency in Hz ([`FREQUENCY_RANGE_HZ`]).
    pub freq_hz: f32,
    /// Gain at the centre in dB ([`GAIN_RANGE_DB`]).
    pub gain_db: f32,
    /// Q ([`BELL_Q_RANGE`]).
    pub q: f32,
}

/// Settings of the notch/band-pass band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotchSettings {
    /// Band on; switching crossfades over [`SWITCH_FADE_MS`].
    pub enabled: bool,
    /// Notch or band-pass; a change crossfades.
    pub mode: NotchMode,
    /// Centre frequency in Hz ([`FREQUENCY_RANGE_HZ`]).
    pub freq_hz: f32,
    /// Q ([`NOTCH_Q_RANGE`]).
    pub q: f32,
}

/// Every target of the filter stage. `Default` is the plugin default: every band off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterSettings {
    /// High-pass band.
    pub high_pass: PassSettings,
    /// Low-pass band.
    pub low_pass: PassSettings,
    /// Low shelf.
    pub low_shelf: ShelfSettings,
    /// High shelf.
    pub high_shelf: ShelfSettings,
    /// First parametric bell.
    pub bell_1: BellSettings,
    /// Second parametric bell.
    pub bell_2: BellSettings,
    /// Notch/band-pass band.
    pub notch: NotchSettings,
}

impl Default for FilterSettings {
    fn default() -> Self {
        let pass = |cutoff_hz| PassSettings {
            enabled: false,
            cutoff_hz,
            slope: SLOPE_DEFAULT,
            resonance_q: BUTTERWORTH_Q,
        };
        let shelf = |freq_hz| ShelfSettings { enabled: false, freq_hz, gain_db: 0.0, q: SHELF_Q_DEFAULT };
        let bell = |freq_hz| BellSettings { enabled: false, freq_hz, gain_db: 0.0, q: BELL_Q_DEFAULT };
        Self {
            high_pass: pass(HIGH_PASS_HZ_DEFAULT),
            low_pass: pass(LOW_PASS_HZ_DEFAULT),
            low_shelf: shelf(LOW_SHELF_HZ_DEFAULT),
            high_shelf: shelf(HIGH_SHELF_HZ_DEFAULT),
            bell_1: bell(BELL_1_HZ_DEFAULT),
            bell_2: bell(BELL_2_HZ_DEFAULT),
            notch: NotchSettings {
                enabled: false,
                mode: NOTCH_MODE_DEFAULT,
                freq_hz: NOTCH_HZ_DEFAULT,
                q: NOTCH_Q_DEFAULT,
            },
        }
    }
}

impl FilterSettings {
    /// The same settings with every continuous value clamped to its range.
    pub fn clamped(&self) -> Self {
        let defaults = Self::default();
        let freq = |v, d| clamp_setting(v, FREQUENCY_RANGE_HZ, d);
        let gain = |v| clamp_setting(v, GAIN_RANGE_DB, 0.0);
        let pass = |s: PassSettings, d: PassSettings| PassSettings {
            cutoff_hz: freq(s.cutoff_hz, d.cutoff_hz),
            resonance_q: clamp_setting(s.resonance_q, RESONANCE_Q_RANGE, BUTTERWORTH_Q),
            ..s
        };
        let shelf = |s: ShelfSettings, d: ShelfSettings| ShelfSettings {
            freq_hz: freq(s.freq_hz, d.freq_hz),
            gain_db: gain(s.gain_db),
            q: clamp_setting(s.q, SHELF_Q_RANGE, SHELF_Q_DEFAULT),
            ..s
        };
        let bell = |s: BellSettings, d: BellSettings| BellSettings {
            freq_hz: freq(s.freq_hz, d.freq_hz),
            gain_db: gain(s.gain_db),
            q: clamp_setting(s.q, BELL_Q_RANGE, BELL_Q_DEFAULT),
            ..s
        };
        Self {
            high_pass: pass(self.high_pass, defaults.high_pass),
            low_pass: pass(self.low_pass, defaults.low_pass),
            low_shelf: shelf(self.low_shelf, defaults.low_shelf),
            high_shelf: shelf(self.high_shelf, defaults.high_shelf),
            bell_1: bell(self.bell_1, defaults.bell_1),
            bell_2: bell(self.bell_2, defaults.bell_2),
            notch: NotchSettings {
                freq_hz: freq(self.notch.freq_hz, NOTCH_HZ_DEFAULT),
                q: clamp_setting(self.notch.q, NOTCH_Q_RANGE, NOTCH_Q_DEFAULT),
                ..self.notch
            },
        }
    }
}

impl From<ShelfSettings> for ToneTarget {
    fn from(s: ShelfSettings) -> Self {
        ToneTarget { enabled: s.enabled, freq_hz: s.freq_hz, gain_db: s.gain_db, q: s.q }
    }
}

impl From<BellSettings> for ToneTarget {
    fn from(s: BellSettings) -> Self {
        ToneTarget { enabled: s.enabled, freq_hz: s.freq_hz, gain_db: s.gain_db, q: s.q }
    }
}

/// The filter stage. Band order: high-pass, low-pass, low shelf, bell 1, bell 2, high shelf,
/// notch/band-pass (all linear, so the order only matters while parameters move).
pub struct Filter {
    /// Sample rate from `prepare`, in Hz.
    sample_rate: f32,
    /// The next `set_settings` jumps instead of ramping (after `new`, `prepare`, `reset`).
    snap_next: bool,
    /// The last settings given, so the same ones again skip the bands' updates.
    applied: Applied<FilterSettings>,
    /// High-pass band.
    high_pass: PassBand,
    /// Low-pass band.
    low_pass: PassBand,
    /// Low shelf.
    low_shelf: ToneBand,
    /// First bell.
    bell_1: ToneBand,
    /// Second bell.
    bell_2: ToneBand,
    /// High shelf.
    high_shelf: ToneBand,
    /// Notch/band-pass band.
    notch: NotchBand,
    /// The block in `f64`, left and right side by side; sized by `prepare`.
    scratch: Vec<Frame>,
}

impl Default for Filter {
    fn default() -> Self {
        Self::new()
    }
}

impl Filter {
    /// A stage at the default settings. Allocates nothing; call [`prepare`](Self::prepare).
    pub fn new() -> Self {
        let s = FilterSettings::default();
        Self {
            sample_rate: 48_000.0,
            snap_next: true,
            applied: Applied::default(),
            high_pass: PassBand::new(PassKind::HighPass, s.high_pass),
            low_pass: PassBand::new(PassKind::LowPass, s.low_pass),
            low_shelf: ToneBand::new(ToneShape::LowShelf, s.low_shelf.into()),
            bell_1: ToneBand::new(ToneShape::Bell, s.bell_1.into()),
            bell_2: ToneBand::new(ToneShape::Bell, s.bell_2.into()),
            high_shelf: ToneBand::new(ToneShape::HighShelf, s.high_shelf.into()),
            notch: NotchBand::new(s.notch),
            scratch: Vec::new(),
        }
    }

    /// Allocates for blocks of up to `max_block` frames at `sample_rate` and resets.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        // Design frequencies clamp to 0.49·fs and to ≥ 1 Hz, which needs fs > 2 Hz.
        let sample_rate = sample_rate.max(crate::MIN_DESIGN_SAMPLE_RATE);
        self.sample_rate = sample_rate;
        self.scratch = vec![[0.0; 2]; max_block.max(1)];
        self.high_pass.prepare(sample_rate);
        self.low_pass.prepare(sample_rate);
        self.low_shelf.prepare(sample_rate);
        self.bell_1.prepare(sample_rate);
        self.bell_2.prepare(sample_rate);
        self.high_shelf.prepare(sample_rate);
        self.notch.prepare(sample_rate);
        self.reset();
    }

    /// Clears every filter state and jumps every smoother to its target. No allocation.
    pub fn reset(&mut self) {
        self.high_pass.reset();
        self.low_pass.reset();
        self.low_shelf.reset();
        self.bell_1.reset();
        self.bell_2.reset();
        self.high_shelf.reset();
        self.notch.reset();
        self.snap_next = true;
        self.applied.forget();
    }

    /// Sets new targets (ramped; the first call after `prepare`/`reset` jumps). Cheap, no
    /// allocation; out-of-range or non-finite values are clamped/replaced.
    pub fn set_settings(&mut self, settings: &FilterSettings) {
        if self.applied.is_unchanged(settings) {
            return;
        }
        let s = settings.clamped();
        let snap = std::mem::take(&mut self.snap_next);
        self.high_pass.set_target(s.high_pass, snap);
        self.low_pass.set_target(s.low_pass, snap);
        self.low_shelf.set_target(s.low_shelf.into(), snap);
        self.bell_1.set_target(s.bell_1.into(), snap);
        self.bell_2.set_target(s.bell_2.into(), snap);
        self.high_shelf.set_target(s.high_shelf.into(), snap);
        self.notch.set_target(s.notch, snap);
    }

    /// Filters a stereo block in place. Blocks longer than `max_block` are processed in pieces;
    /// before `prepare` the audio passes unchanged.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let capacity = self.scratch.len();
        if capacity == 0 {
            return;
        }
        // The fused sections flush their memories per block, not per sample.
        let _denormal_guard = crate::denormal::DenormalGuard::new();
        let mut start = 0;
        while start < len {
            let n = capacity.min(len - start);
            // Each band decides once per block what it does (skip, settled sections, or its
            // own ramping path); settled neighbours then run fused (`bands::run_bands`).
            let work = [
                self.high_pass.fused_part(),
                self.low_pass.fused_part(),
                self.low_shelf.fused_part(),
                self.bell_1.fused_part(),
                self.bell_2.fused_part(),
                self.high_shelf.fused_part(),
                self.notch.fused_part(),
            ];
            if work.iter().all(|part| matches!(part, BandWork::Skip)) {
                // Every band off: the block passes unchanged (f32 → f64 → f32 is exact).
                start += n;
                continue;
            }
            let frames = &mut self.scratch[..n];
            for (frame, (l, r)) in frames.iter_mut().zip(left[start..].iter().zip(&right[start..])) {
                *frame = [*l as f64, *r as f64];
            }
            run_bands(work, frames);
            for (frame, (l, r)) in frames.iter().zip(left[start..].iter_mut().zip(&mut right[start..])) {
                *l = frame[0] as f32;
                *r = frame[1] as f32;
            }
            start += n;
        }
    }

    /// How long the stage keeps ringing after the input stops: the time for the slowest pole of
    /// any active band to decay by 120 dB (bounded by 60 s). `Some(0)` with every band off.
    pub fn tail_samples(&self) -> Option<u32> {
        let rates = [
            self.high_pass.slowest_decay_rate(),
            self.low_pass.slowest_decay_rate(),
            self.low_shelf.slowest_decay_rate(),
            self.bell_1.slowest_decay_rate(),
            self.bell_2.slowest_decay_rate(),
            self.high_shelf.slowest_decay_rate(),
            self.notch.slowest_decay_rate(),
        ];
        let slowest = rates.into_iter().flatten().fold(f64::INFINITY, f64::min);
        if !slowest.is_finite() {
            return Some(0);
        }
        // e^(−rate·t) = 10^(−120/20)  ⇒  t = ln(10⁶)/rate.
        let seconds = (6.0 * std::f64::consts::LN_10 / slowest).min(60.0);
        Some((seconds * self.sample_rate as f64).ceil() as u32)
    }

    /// The combined magnitude response (dB) of the current target settings at `freqs_hz`,
    /// written to `out_db` (pairs up to the shorter slice). Evaluated analytically from the same
    /// designs the audio path uses; touches no audio state and allocates nothing. Frequencies at
    /// or above Nyquist report the Nyquist value; exact zeros report [`RESPONSE_FLOOR_DB`].
    pub fn magnitude_response_db(&self, freqs_hz: &[f32], out_db: &mut [f32]) {
        let sample_rate = self.sample_rate as f64;
        let high_pass = self.high_pass.target_design();
        let low_pass = self.low_pass.target_design();
        let tones = [
            self.low_shelf.target_design(),
            self.bell_1.target_design(),
            self.bell_2.target_design(),
            self.high_shelf.target_design(),
            self.notch.target_design(),
        ];
        let floor = 10f64.powf(RESPONSE_FLOOR_DB as f64 / 10.0);
        for (freq, out) in freqs_hz.iter().zip(out_db.iter_mut()) {
            let t = response_tan(*freq as f64, sample_rate);
            let mut power = 1.0;
            for pass in [&high_pass, &low_pass].into_iter().flatten() {
                power *= pass.magnitude_squared(t);
            }
            for tone in tones.iter().flatten() {
                power *= tone.magnitude_squared(t);
            }
            *out = (10.0 * power.max(floor).log10()) as f32;
        }
    }
}

/// The filter as a chain stage: follows `EngineSettings::filter`, switched by
/// `EngineSettings::filter_on`; zero latency.
impl crate::stage::Stage for Filter {
    fn name(&self) -> &'static str {
        "Filter"
    }
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        Filter::prepare(self, sample_rate, max_block);
    }
    fn reset(&mut self) {
        Filter::reset(self);
    }
    fn apply(&mut self, settings: &crate::engine::EngineSettings) {
        self.set_settings(&settings.filter);
    }
    fn is_enabled(&self, settings: &crate::engine::EngineSettings) -> bool {
        settings.filter_on
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        Filter::process(self, left, right);
    }
    fn latency_samples(&self) -> u32 {
        0
    }
    fn tail_samples(&self) -> Option<u32> {
        Filter::tail_samples(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Filter {
        /// The band-major reference: every band filters the whole block in turn, each on its
        /// own path (what `process` did before settled bands were fused).
        fn process_band_major(&mut self, left: &mut [f32], right: &mut [f32]) {
            let n = left.len();
            let frames = &mut self.scratch[..n];
            for (frame, (l, r)) in frames.iter_mut().zip(left.iter().zip(right.iter())) {
                *frame = [*l as f64, *r as f64];
            }
            self.high_pass.process(frames);
            self.low_pass.process(frames);
            self.low_shelf.process(frames);
            self.bell_1.process(frames);
            self.bell_2.process(frames);
            self.high_shelf.process(frames);
            self.notch.process(frames);
            for (frame, (l, r)) in frames.iter().zip(left.iter_mut().zip(right.iter_mut())) {
                *l = frame[0] as f32;
                *r = frame[1] as f32;
            }
        }
    }

    /// Settings that visit every kind of band work: settled cascades of every slope (odd orders
    /// included), shelves and bells, the notch, ramps, slope crossfades and on/off fades.
    fn settings_at(step: usize) -> FilterSettings {
        let slope = FilterSlope::ALL[(step / 3) % FilterSlope::ALL.len()];
        let pass = |enabled, cutoff_hz| PassSettings { enabled, cutoff_hz, slope, resonance_q: 2.0 };
        let wobble = if step.is_multiple_of(4) { 1.3 } else { 1.0 };
        let tone = |enabled, freq_hz: f32, gain_db| BellSettings {
            enabled,
            freq_hz: freq_hz * wobble,
            gain_db,
            q: 1.5,
        };
        let bell_1 = tone(step % 5 != 1, 300.0, 6.0);
        let bell_2 = tone(step % 7 > 2, 3000.0, -4.0);
        FilterSettings {
            high_pass: pass(step % 6 != 5, 60.0 * wobble),
            low_pass: pass(step % 8 != 3, 9000.0),
            low_shelf: ShelfSettings {
                enabled: step.is_multiple_of(3),
                freq_hz: 150.0,
                gain_db: 3.0,
                q: 0.7,
            },
            high_shelf: ShelfSettings {
                enabled: step.is_multiple_of(2),
                freq_hz: 6000.0,
                gain_db: -3.0,
                q: 0.7,
            },
            bell_1,
            bell_2,
            notch: NotchSettings { enabled: step % 9 > 5, mode: NotchMode::Notch, freq_hz: 1000.0, q: 4.0 },
        }
    }

    /// The fused path regroups each section's arithmetic (see `fused`): its output differs from
    /// band-major processing by rounding only.
    #[test]
    fn fused_settled_bands_equal_band_major_processing_to_rounding() {
        let (mut fused, mut reference) = (Filter::new(), Filter::new());
        for filter in [&mut fused, &mut reference] {
            filter.prepare(48_000.0, 512);
        }
        let mut rng = test_support::Rng::new(0x1234_5678);
        let mut fused_runs = 0;
        let mut worst = 0.0f32;
        for step in 0..400 {
            // Settings change every few blocks, so most blocks are settled and some ramp.
            let settings = settings_at(step / 8);
            fused.set_settings(&settings);
            reference.set_settings(&settings);
            let n = [512, 64, 1, 300, 17][step % 5];
            let left: Vec<f32> = (0..n).map(|_| rng.in_range((-0.5, 0.5))).collect();
            let right: Vec<f32> = left.iter().map(|x| 0.25 - x).collect();
            let (mut l1, mut r1) = (left.clone(), right.clone());
            let (mut l2, mut r2) = (left, right);
            fused.process(&mut l1, &mut r1);
            fused_runs += usize::from(fused.high_pass.would_fuse() || fused.low_pass.would_fuse());
            reference.process_band_major(&mut l2, &mut r2);
            for (a, b) in l1.iter().chain(&r1).zip(l2.iter().chain(&r2)) {
                worst = worst.max((a - b).abs());
            }
        }
        assert!(fused_runs > 50, "the fused path ran in only {fused_runs} blocks");
        // One f32 step of a unit-level signal is 6e-8 to 1.2e-7; the regrouping's f64 rounding
        // stays far below it, so at most the last bit of an f32 output sample flips.
        assert!(worst < 2.5e-7, "largest difference {worst}");
    }
}
