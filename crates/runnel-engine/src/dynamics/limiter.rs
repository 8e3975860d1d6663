//! The true-peak limiter: last in the chain, and no output above its ceiling.
//!
//! Gain path, per input sample `n` (both channels linked):
//! 1. the 4× true peak of the interval `[n − D, n − D + 1]` ([`TruePeakDetector`], D =
//!    [`DETECTOR_DELAY`]; each in-between point read by a near-ideal interpolator and by the
//!    short ones meters use, the largest counting) gives the gain that interval needs,
//!    `min(1, ceiling / peak)`;
//! 2. the minimum of that over the last `W = L − D + 2` intervals ([`WindowMin`]) — every
//!    interval that the next step's average will touch;
//! 3. release ballistics on the reduction in dB with an instant attack ([`Ballistics`]; never
//!    above step 2's reduction, so never less reduction than needed);
//! 4. a moving average over `B = L − D + 1` samples: the attack, a smooth ramp that has fully
//!    reached every needed gain by the time its interval leaves the lookahead line.
//!
//! The audio is delayed by the lookahead `L` (the latency, exactly). Since every value the
//! average of step 4 sees at the output time of an interval is at most the gain that interval
//! needs, the gained waveform stays under the ceiling between the samples as well as on them
//! (up to the small error of gain changes within a 16-tap interpolation window, measured by
//! the tests). A last clamp at the ceiling makes "no output sample above the ceiling" hold
//! even then, and while the ceiling itself is being lowered.

use super::release::Ballistics;
use super::true_peak::{Interpolator, TruePeakDetector, DETECTOR_DELAY};
use super::window_min::WindowMin;
use super::{amplitude_to_db, db_to_gain, ms_to_samples};
use crate::clamp_setting;
use crate::core::applied::Applied;
use crate::core::ring::Ring;
use crate::engine::EngineSettings;
use crate::smoothing::{LinearSmoother, RAMP_MS_DEFAULT};
use crate::stage::Stage;

/// Ceiling range in dBTP.
pub const CEILING_DB_RANGE: (f32, f32) = (-20.0, 0.0);
/// Default ceiling.
pub const CEILING_DB_DEFAULT: f32 = -1.0;
/// Lookahead range in ms (the latency while the limiter is on).
pub const LOOKAHEAD_MS_RANGE: (f32, f32) = (1.0, 10.0);
/// Default lookahead.
pub const LOOKAHEAD_MS_DEFAULT: f32 = 1.5;
/// Release time constant range in ms.
pub const RELEASE_MS_RANGE: (f32, f32) = (1.0, 1000.0);
/// Default release.
pub const RELEASE_MS_DEFAULT: f32 = 60.0;
/// The detector aims this far below the ceiling: a 4× interpolator reads content near Nyquist
/// up to a few hundredths of a dB low between its points (measured: +0.05 dB over on a 997 Hz
/// square at 96 kHz without it); the margin keeps the true peak a meter sees at the ceiling.
const DETECTION_MARGIN_DB: f32 = 0.05;

/// The limiter's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterSettings {
    /// Ceiling in dBTP.
    pub ceiling_db: f32,
    /// Lookahead in ms.
    pub lookahead_ms: f32,
    /// Release time constant in ms.
    pub release_ms: f32,
    /// Program-dependent release.
    pub auto_release: bool,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            ceiling_db: CEILING_DB_DEFAULT,
            lookahead_ms: LOOKAHEAD_MS_DEFAULT,
            release_ms: RELEASE_MS_DEFAULT,
            auto_release: true,
        }
    }
}

/// The limiter stage.
#[derive(Debug, Clone)]
pub struct Limiter {
    /// Sample rate from `prepare`.
    sample_rate: f32,
    /// The polyphase interpolator shared by both detectors.
    interpolator: Interpolator,
    /// True-peak detectors, left and right.
    detectors: [TruePeakDetector; 2],
    /// Step 2: minimum needed gain over the window.
    window_min: WindowMin,
    /// Step 3: release ballistics on the reduction in dB.
    ballistics: Ballistics,
    /// Step 4: the last `B` gains of step 3, for the moving average.
    average_line: Ring,
    /// Sum of the last `B` gains of step 3.
    average_sum: f64,
    /// Audio delay lines (the lookahead), left and right.
    lines: [Ring; 2],
    /// Ceiling as an amplitude, smoothed.
    ceiling: LinearSmoother,
    /// Lookahead `L` in samples.
    lookahead: usize,
    /// [`DETECTION_MARGIN_DB`] as an amplitude factor.
    margin: f32,
    /// Moving-average length `B`.
    average_len: usize,
    /// Whether the stage is switched on (its latency counts only then).
    on: bool,
    /// The gain applied at the end of the last block (for a lookahead change).
    last_gain: f32,
    /// Largest reduction in dB during the last block.
    block_reduction_db: f32,
    /// Whether the next `apply` jumps instead of ramping.
    snap_next: bool,
    /// The last settings given, so the same ones again skip the conversions.
    applied: Applied<LimiterSettings>,
}

impl Default for Limiter {
    fn default() -> Self {
        Self::new()
    }
}

impl Limiter {
    /// A limiter at the default settings; `prepare` before use.
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            interpolator: Interpolator::new(),
            detectors: Default::default(),
            window_min: WindowMin::default(),
            ballistics: Ballistics::default(),
            average_line: Ring::default(),
            average_sum: 0.0,
            lines: Default::default(),
            ceiling: LinearSmoother::new(db_to_gain(CEILING_DB_DEFAULT)),
            lookahead: 0,
            margin: db_to_gain(-DETECTION_MARGIN_DB),
            average_len: 1,
            on: false,
            last_gain: 1.0,
            block_reduction_db: 0.0,
            snap_next: true,
            applied: Applied::default(),
        }
    }

    /// The lookahead in samples for `ms` at the prepared rate: at least the detector's delay
    /// plus one (only at absurdly low rates does that exceed the setting).
    fn lookahead_samples(&self, ms: f32) -> usize {
        (ms_to_samples(ms, self.sample_rate).round() as usize).max(DETECTOR_DELAY + 1)
    }

    /// Sets the lookahead to `samples`: window and average lengths follow; the average restarts
    /// full of the gain last applied, so the gain does not jump.
    fn set_lookahead(&mut self, samples: usize) {
        if samples == self.lookahead {
            return;
        }
        self.lookahead = samples;
        self.average_len = samples - DETECTOR_DELAY + 1;
        self.window_min.set_window(samples - DETECTOR_DELAY + 2);
        for _ in 0..self.average_len {
            self.average_line.push(self.last_gain);
        }
        self.average_sum = self.last_gain as f64 * self.average_len as f64;
    }

    /// Reads the limiter's settings.
    pub fn set_settings(&mut self, settings: &LimiterSettings) {
        if self.applied.is_unchanged(settings) {
            return;
        }
        let d = LimiterSettings::default();
        let ceiling = db_to_gain(clamp_setting(settings.ceiling_db, CEILING_DB_RANGE, d.ceiling_db));
        if self.snap_next {
            self.ceiling.reset(ceiling);
        } else {
            self.ceiling.set_target(ceiling);
        }
        let lookahead_ms = clamp_setting(settings.lookahead_ms, LOOKAHEAD_MS_RANGE, d.lookahead_ms);
        let lookahead = self.lookahead_samples(lookahead_ms);
        self.set_lookahead(lookahead);
        self.snap_next = false;
        let release = clamp_setting(settings.release_ms, RELEASE_MS_RANGE, d.release_ms);
        self.ballistics.set_times(1e-3, ms_to_samples(release, self.sample_rate), settings.auto_release);
    }

    /// The reduction in dB (≥ 0) over the last processed block.
    pub fn block_reduction_db(&self) -> f32 {
        self.block_reduction_db
    }
}

impl Stage for Limiter {
    fn name(&self) -> &'static str {
        "Limiter"
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate.max(crate::MIN_DESIGN_SAMPLE_RATE);
        self.ceiling.set_ramp(self.sample_rate, RAMP_MS_DEFAULT);
        let max = self.lookahead_samples(LOOKAHEAD_MS_RANGE.1);
        for detector in &mut self.detectors {
            detector.allocate();
        }
        for line in &mut self.lines {
            line.allocate(max + 1, 0);
        }
        self.average_line.allocate(max + 1, 0);
        self.window_min.allocate(max + 2);
        self.lookahead = 0;
        let default_lookahead = self.lookahead_samples(LOOKAHEAD_MS_DEFAULT);
        self.set_lookahead(default_lookahead);
        self.reset();
    }

    fn reset(&mut self) {
        for detector in &mut self.detectors {
            detector.reset();
        }
        for line in &mut self.lines {
            line.clear();
        }
        self.window_min.reset();
        self.ballistics.reset();
        self.average_line.clear();
        for _ in 0..self.average_len {
            self.average_line.push(1.0);
        }
        self.average_sum = self.average_len as f64;
        self.last_gain = 1.0;
        self.block_reduction_db = 0.0;
        self.snap_next = true;
        self.applied.forget();
    }

    fn apply(&mut self, settings: &EngineSettings) {
        self.on = settings.limiter_on;
        self.set_settings(&settings.limiter);
    }

    fn is_enabled(&self, settings: &EngineSettings) -> bool {
        settings.limiter_on
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let (lookahead, average_len) = (self.lookahead, self.average_len);
        let mut smallest_gain = 1.0f32;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let ceiling = self.ceiling.next();
            let peak = self.detectors[0]
                .next(*l, &self.interpolator)
                .max(self.detectors[1].next(*r, &self.interpolator));
            let target = ceiling * self.margin;
            let needed = if peak > target { target / peak } else { 1.0 };
            let held = self.window_min.push(needed);
            let reduction = self.ballistics.next(-amplitude_to_db(held));
            // Instant attack: the ballistics never hold less reduction than `held` needs; the
            // `min` only removes the rounding of the dB round trip.
            let released = db_to_gain(-reduction).min(held);
            self.average_line.push(released);
            self.average_sum += released as f64 - self.average_line.at(average_len + 1) as f64;
            let gain = ((self.average_sum / average_len as f64) as f32).min(1.0);
            smallest_gain = smallest_gain.min(gain);
            self.lines[0].push(*l);
            self.lines[1].push(*r);
            *l = (self.lines[0].at(lookahead + 1) * gain).clamp(-ceiling, ceiling);
            *r = (self.lines[1].at(lookahead + 1) * gain).clamp(-ceiling, ceiling);
            self.last_gain = gain;
        }
        self.block_reduction_db = -amplitude_to_db(smallest_gain);
    }

    fn latency_samples(&self) -> u32 {
        if self.on {
            self.lookahead as u32
        } else {
            0
        }
    }

    fn max_latency_samples(&self) -> u32 {
        self.lookahead_samples(LOOKAHEAD_MS_RANGE.1) as u32
    }

    fn tail_samples(&self) -> Option<u32> {
        Some(self.lookahead as u32)
    }

    fn gain_reduction_db(&self) -> Option<f32> {
        Some(self.block_reduction_db)
    }
}
