//! The compressor: feed-forward, log-domain (Giannoulis, Massberg & Reiss, JAES 2012).
//!
//! Per sample: side-chain high-pass (optional) → detector (peak `|x|` or RMS over
//! [`RMS_WINDOW_MS`]) in dB → stereo link (each channel's level moves towards the louder one by
//! the link amount) → static curve ([`StaticCurve`]: threshold, ratio, soft knee) → smooth
//! branching attack/release on the gain reduction in dB ([`Ballistics`], optionally with the
//! program-dependent release) → makeup (manual + auto) → applied to the audio delayed by the
//! lookahead → parallel mix with that same delayed (aligned) dry signal.
//!
//! The ballistics run on the reduction *after* the static curve (GMR's recommended "log
//! domain, smooth branching" placement): attack and release then have the time constants
//! that are set, whatever the ratio, and the release starts from the reduction actually
//! reached, without the jumps of a level-domain detector.

use super::gain_computer::{slope_of_ratio, StaticCurve};
use super::release::Ballistics;
use super::{amplitude_to_db, db_to_gain, ms_to_samples};
use crate::clamp_setting;
use crate::core::applied::Applied;
use crate::core::envelope::EnvelopeFollower;
use crate::core::ring::Ring;
use crate::core::svf::{prewarp, SvfCoefficients, SvfState, BUTTERWORTH_K};
use crate::engine::EngineSettings;
use crate::smoothing::{LinearSmoother, RAMP_MS_DEFAULT};
use crate::stage::Stage;

/// Threshold range in dB.
pub const THRESHOLD_DB_RANGE: (f32, f32) = (-60.0, 0.0);
/// Default threshold.
pub const THRESHOLD_DB_DEFAULT: f32 = -18.0;
/// Ratio range (R:1). The DSP also accepts `f32::INFINITY` (a limiting curve); the parameter
/// table reaches ∞ through its own switch ([`CompressorSettings::infinite_ratio`]).
pub const RATIO_RANGE: (f32, f32) = (1.0, 20.0);
/// Default ratio.
pub const RATIO_DEFAULT: f32 = 4.0;
/// Knee width range in dB (0 = hard).
pub const KNEE_DB_RANGE: (f32, f32) = (0.0, 24.0);
/// Default knee.
pub const KNEE_DB_DEFAULT: f32 = 6.0;
/// Attack time constant range in ms.
pub const ATTACK_MS_RANGE: (f32, f32) = (0.05, 250.0);
/// Default attack.
pub const ATTACK_MS_DEFAULT: f32 = 10.0;
/// Release time constant range in ms.
pub const RELEASE_MS_RANGE: (f32, f32) = (5.0, 5000.0);
/// Default release.
pub const RELEASE_MS_DEFAULT: f32 = 150.0;
/// Stereo link range (0 = independent channels, 1 = one gain for both).
pub const LINK_RANGE: (f32, f32) = (0.0, 1.0);
/// Default link.
pub const LINK_DEFAULT: f32 = 1.0;
/// Side-chain high-pass range in Hz; the bottom means off.
pub const SIDECHAIN_HPF_HZ_RANGE: (f32, f32) = (20.0, 500.0);
/// Default side-chain high-pass (off).
pub const SIDECHAIN_HPF_HZ_DEFAULT: f32 = 20.0;
/// Lookahead range in ms (reported as latency while the compressor is on).
pub const LOOKAHEAD_MS_RANGE: (f32, f32) = (0.0, 10.0);
/// Default lookahead.
pub const LOOKAHEAD_MS_DEFAULT: f32 = 0.0;
/// Makeup gain range in dB.
pub const MAKEUP_DB_RANGE: (f32, f32) = (0.0, 24.0);
/// Default makeup.
pub const MAKEUP_DB_DEFAULT: f32 = 0.0;
/// Mix range (1 = fully compressed, below = parallel compression).
pub const MIX_RANGE: (f32, f32) = (0.0, 1.0);
/// Default mix.
pub const MIX_DEFAULT: f32 = 1.0;
/// Time constant of the RMS detector's mean square.
pub const RMS_WINDOW_MS: f32 = 10.0;

/// What the detector measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    /// The sample magnitude `|x|`.
    Peak,
    /// The root mean square over [`RMS_WINDOW_MS`].
    Rms,
}

impl Detector {
    /// Every detector, in parameter order.
    pub const ALL: [Detector; 2] = [Detector::Peak, Detector::Rms];

    /// Display label.
    pub fn label(self) -> &'static str {
        match self {
            Detector::Peak => "Peak",
            Detector::Rms => "RMS",
        }
    }
}

/// The compressor's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompressorSettings {
    /// Threshold in dB.
    pub threshold_db: f32,
    /// Ratio R (R:1).
    pub ratio: f32,
    /// ∞:1 whatever `ratio` says (the parameter table's "Compressor Infinite Ratio" switch: a
    /// ratio row reaching "∞" would need a non-numeric value text, which hosts such as
    /// pedalboard read as a list of strings rather than a range).
    pub infinite_ratio: bool,
    /// Knee width in dB.
    pub knee_db: f32,
    /// Attack time constant in ms.
    pub attack_ms: f32,
    /// Release time constant in ms.
    pub release_ms: f32,
    /// Program-dependent release.
    pub auto_release: bool,
    /// Peak or RMS detection.
    pub detector: Detector,
    /// Stereo link, 0–1.
    pub link: f32,
    /// Side-chain high-pass corner in Hz (bottom of the range = off).
    pub sidechain_hpf_hz: f32,
    /// Lookahead in ms.
    pub lookahead_ms: f32,
    /// Makeup gain in dB.
    pub makeup_db: f32,
    /// Adds half the reduction a 0 dBFS level would get back as makeup.
    pub auto_makeup: bool,
    /// Wet share of the output, 0–1 (parallel compression below 1).
    pub mix: f32,
}

impl Default for CompressorSettings {
    fn default() -> Self {
        Self {
            threshold_db: THRESHOLD_DB_DEFAULT,
            ratio: RATIO_DEFAULT,
            infinite_ratio: false,
            knee_db: KNEE_DB_DEFAULT,
            attack_ms: ATTACK_MS_DEFAULT,
            release_ms: RELEASE_MS_DEFAULT,
            auto_release: false,
            detector: Detector::Peak,
            link: LINK_DEFAULT,
            sidechain_hpf_hz: SIDECHAIN_HPF_HZ_DEFAULT,
            lookahead_ms: LOOKAHEAD_MS_DEFAULT,
            makeup_db: MAKEUP_DB_DEFAULT,
            auto_makeup: false,
            mix: MIX_DEFAULT,
        }
    }
}

/// The compressor stage.
#[derive(Debug, Clone)]
pub struct Compressor {
    /// Sample rate from `prepare`.
    sample_rate: f32,
    /// Threshold in dB, smoothed.
    threshold_db: LinearSmoother,
    /// `1 − 1/R`, smoothed (so a jump to ∞ ramps too).
    slope: LinearSmoother,
    /// Knee width in dB, smoothed.
    knee_db: LinearSmoother,
    /// Total makeup in dB, smoothed.
    makeup_db: LinearSmoother,
    /// Wet share, smoothed.
    mix: LinearSmoother,
    /// Stereo link, smoothed.
    link: LinearSmoother,
    /// Whether auto makeup is on.
    auto_makeup: bool,
    /// Detector mode.
    detector: Detector,
    /// Per-channel ballistics on the gain reduction.
    ballistics: [Ballistics; 2],
    /// Per-channel RMS mean squares.
    mean_square: [EnvelopeFollower; 2],
    /// Side-chain high-pass design (`None` = off).
    sidechain_hpf: Option<SvfCoefficients<f32>>,
    /// Side-chain high-pass memories.
    sidechain_state: SvfState<f32, 2>,
    /// Audio delay lines for the lookahead, left and right.
    lines: [Ring; 2],
    /// Lookahead in samples.
    lookahead: usize,
    /// Whether the stage is switched on (its latency counts only then).
    on: bool,
    /// Largest gain reduction in dB during the last block.
    block_reduction_db: f32,
    /// Whether the next `apply` jumps instead of ramping.
    snap_next: bool,
    /// The last settings given, so the same ones again skip the conversions.
    applied: Applied<CompressorSettings>,
}

impl Default for Compressor {
    fn default() -> Self {
        Self::new()
    }
}

impl Compressor {
    /// A compressor at the default settings; `prepare` before use.
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            threshold_db: LinearSmoother::new(THRESHOLD_DB_DEFAULT),
            slope: LinearSmoother::new(slope_of_ratio(RATIO_DEFAULT)),
            knee_db: LinearSmoother::new(KNEE_DB_DEFAULT),
            makeup_db: LinearSmoother::new(0.0),
            mix: LinearSmoother::new(MIX_DEFAULT),
            link: LinearSmoother::new(LINK_DEFAULT),
            auto_makeup: false,
            detector: Detector::Peak,
            ballistics: [Ballistics::default(); 2],
            mean_square: [EnvelopeFollower::default(); 2],
            sidechain_hpf: None,
            sidechain_state: SvfState::default(),
            lines: [Ring::default(), Ring::default()],
            lookahead: 0,
            on: false,
            block_reduction_db: 0.0,
            snap_next: true,
            applied: Applied::default(),
        }
    }

    /// The gain reduction in dB (≥ 0, makeup not included) of the last processed block.
    pub fn block_reduction_db(&self) -> f32 {
        self.block_reduction_db
    }

    /// Reads the compressor's settings (without the stage switch).
    pub fn set_settings(&mut self, settings: &CompressorSettings) {
        if self.applied.is_unchanged(settings) {
            return;
        }
        let d = CompressorSettings::default();
        let threshold = clamp_setting(settings.threshold_db, THRESHOLD_DB_RANGE, d.threshold_db);
        // The slope below is smoothed, so switching between a finite ratio and ∞ glides too.
        let ratio = if settings.infinite_ratio || settings.ratio == f32::INFINITY {
            f32::INFINITY
        } else {
            clamp_setting(settings.ratio, (RATIO_RANGE.0, f32::MAX), d.ratio)
        };
        let slope = slope_of_ratio(ratio);
        let knee = clamp_setting(settings.knee_db, KNEE_DB_RANGE, d.knee_db);
        let curve = StaticCurve { threshold_db: threshold, slope, knee_db: knee };
        let auto_makeup_db = if settings.auto_makeup { 0.5 * curve.reduction_db(0.0) } else { 0.0 };
        let makeup = clamp_setting(settings.makeup_db, MAKEUP_DB_RANGE, d.makeup_db) + auto_makeup_db;
        let mix = clamp_setting(settings.mix, MIX_RANGE, d.mix);
        let link = clamp_setting(settings.link, LINK_RANGE, d.link);
        let targets = [
            (&mut self.threshold_db, threshold),
            (&mut self.slope, slope),
            (&mut self.knee_db, knee),
            (&mut self.makeup_db, makeup),
            (&mut self.mix, mix),
            (&mut self.link, link),
        ];
        for (smoother, target) in targets {
            if self.snap_next {
                smoother.reset(target);
            } else {
                smoother.set_target(target);
            }
        }
        self.snap_next = false;
        self.auto_makeup = settings.auto_makeup;
        self.detector = settings.detector;
        let rate = self.sample_rate;
        let attack = ms_to_samples(clamp_setting(settings.attack_ms, ATTACK_MS_RANGE, d.attack_ms), rate);
        let release = ms_to_samples(clamp_setting(settings.release_ms, RELEASE_MS_RANGE, d.release_ms), rate);
        for ballistics in &mut self.ballistics {
            ballistics.set_times(attack, release, settings.auto_release);
        }
        let hpf = clamp_setting(settings.sidechain_hpf_hz, SIDECHAIN_HPF_HZ_RANGE, d.sidechain_hpf_hz);
        self.sidechain_hpf = (hpf > SIDECHAIN_HPF_HZ_RANGE.0).then(|| {
            let g = prewarp(hpf.min(0.45 * rate) as f64, rate as f64);
            SvfCoefficients::highpass_prewarped(g, BUTTERWORTH_K)
        });
        let lookahead_ms = clamp_setting(settings.lookahead_ms, LOOKAHEAD_MS_RANGE, d.lookahead_ms);
        self.lookahead = (ms_to_samples(lookahead_ms, rate).round() as usize).min(self.max_lookahead());
    }

    /// The longest lookahead in samples at the prepared rate.
    fn max_lookahead(&self) -> usize {
        ms_to_samples(LOOKAHEAD_MS_RANGE.1, self.sample_rate).round() as usize
    }

    /// The detector level in dB of one side-chain sample.
    #[inline]
    fn level_db(&mut self, channel: usize, x: f32) -> f32 {
        match self.detector {
            Detector::Peak => amplitude_to_db(x.abs()),
            Detector::Rms => {
                let mean_square = self.mean_square[channel].next(x * x);
                10.0 * mean_square.max(1e-20).log10()
            }
        }
    }
}

impl Stage for Compressor {
    fn name(&self) -> &'static str {
        "Compressor"
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate.max(crate::MIN_DESIGN_SAMPLE_RATE);
        for smoother in [
            &mut self.threshold_db,
            &mut self.slope,
            &mut self.knee_db,
            &mut self.makeup_db,
            &mut self.mix,
            &mut self.link,
        ] {
            smoother.set_ramp(self.sample_rate, RAMP_MS_DEFAULT);
        }
        let rms_samples = ms_to_samples(RMS_WINDOW_MS, self.sample_rate);
        for follower in &mut self.mean_square {
            follower.set_attack_samples(rms_samples);
            follower.set_release_samples(rms_samples);
        }
        let capacity = self.max_lookahead() + 1;
        for line in &mut self.lines {
            line.allocate(capacity, 0);
        }
        self.reset();
    }

    fn reset(&mut self) {
        for ballistics in &mut self.ballistics {
            ballistics.reset();
        }
        for follower in &mut self.mean_square {
            follower.set_value(0.0);
        }
        self.sidechain_state.reset();
        for line in &mut self.lines {
            line.clear();
        }
        self.block_reduction_db = 0.0;
        self.snap_next = true;
        self.applied.forget();
    }

    fn apply(&mut self, settings: &EngineSettings) {
        self.on = settings.compressor_on;
        self.set_settings(&settings.compressor);
    }

    fn is_enabled(&self, settings: &EngineSettings) -> bool {
        settings.compressor_on
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut block_reduction = 0.0f32;
        let lookahead = self.lookahead;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let threshold_db = self.threshold_db.next();
            let curve = StaticCurve { threshold_db, slope: self.slope.next(), knee_db: self.knee_db.next() };
            let makeup_db = self.makeup_db.next();
            let mix = self.mix.next();
            let link = self.link.next();
            let input = [*l, *r];
            let side = match &self.sidechain_hpf {
                Some(c) => self.sidechain_state.tick(c, input),
                None => input,
            };
            let levels = [self.level_db(0, side[0]), self.level_db(1, side[1])];
            let loudest = levels[0].max(levels[1]);
            let mut out = [0.0f32; 2];
            for ch in 0..2 {
                let level = levels[ch] + link * (loudest - levels[ch]);
                let reduction = self.ballistics[ch].next(curve.reduction_db(level));
                block_reduction = block_reduction.max(reduction);
                let gain = db_to_gain(makeup_db - reduction);
                let line = &mut self.lines[ch];
                line.push(input[ch]);
                let dry = if lookahead == 0 { input[ch] } else { line.at(lookahead + 1) };
                out[ch] = dry + mix * (dry * gain - dry);
            }
            *l = out[0];
            *r = out[1];
        }
        self.block_reduction_db = block_reduction;
    }

    fn latency_samples(&self) -> u32 {
        if self.on {
            self.lookahead as u32
        } else {
            0
        }
    }

    fn max_latency_samples(&self) -> u32 {
        self.max_lookahead() as u32
    }

    fn tail_samples(&self) -> Option<u32> {
        Some(self.lookahead as u32)
    }

    fn gain_reduction_db(&self) -> Option<f32> {
        Some(self.block_reduction_db)
    }
}
