//! The automatic gain control: rides the level towards a target loudness.
//!
//! Feed-forward: the input's momentary loudness (BS.1770 K-weighting, 400 ms window, a new
//! reading every 100 ms; [`MomentaryLoudness`]) gives the gain that would put it at the
//! target, clamped to ± the maximum gain. The applied gain (in dB) glides to that value with a
//! time constant of a fifth of the speed, so a step of the input level is corrected to within
//! a few tenths of a dB within the set speed (20 dB · e⁻⁵ = 0.13 dB, plus the detector's
//! window). Below the gate the reading is ignored and the gain holds, so pauses and room noise
//! are not pumped up. The gain is smoothed per sample: no steps, no clicks.
//!
//! The momentary reading (rather than the 3 s short-term one the target is stated in) is what
//! lets speeds below 3 s work; on programme the two agree in the mean.

use super::db_to_gain;
use super::loudness::MomentaryLoudness;
use crate::clamp_setting;
use crate::core::one_pole::smoothing_coefficient;
use crate::engine::EngineSettings;
use crate::stage::Stage;

/// Target loudness range in LUFS.
pub const TARGET_LUFS_RANGE: (f32, f32) = (-30.0, -6.0);
/// Default target.
pub const TARGET_LUFS_DEFAULT: f32 = -18.0;
/// Maximum boost and cut range in dB.
pub const MAX_GAIN_DB_RANGE: (f32, f32) = (0.0, 30.0);
/// Default maximum boost/cut.
pub const MAX_GAIN_DB_DEFAULT: f32 = 12.0;
/// Speed range in seconds: how long a level step takes to be corrected.
pub const SPEED_S_RANGE: (f32, f32) = (0.5, 30.0);
/// Default speed.
pub const SPEED_S_DEFAULT: f32 = 5.0;
/// Gate range in LUFS: below it the gain holds.
pub const GATE_LUFS_RANGE: (f32, f32) = (-60.0, -30.0);
/// Default gate.
pub const GATE_LUFS_DEFAULT: f32 = -50.0;

/// The AGC's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgcSettings {
    /// Target loudness in LUFS.
    pub target_lufs: f32,
    /// Largest boost and largest cut in dB.
    pub max_gain_db: f32,
    /// Seconds to correct a level step.
    pub speed_s: f32,
    /// Gate in LUFS.
    pub gate_lufs: f32,
}

impl Default for AgcSettings {
    fn default() -> Self {
        Self {
            target_lufs: TARGET_LUFS_DEFAULT,
            max_gain_db: MAX_GAIN_DB_DEFAULT,
            speed_s: SPEED_S_DEFAULT,
            gate_lufs: GATE_LUFS_DEFAULT,
        }
    }
}

/// The AGC stage.
#[derive(Debug, Clone, Default)]
pub struct Agc {
    /// Sample rate from `prepare`.
    sample_rate: f32,
    /// The settings in use (clamped).
    settings: AgcSettings,
    /// The input's loudness meter.
    meter: MomentaryLoudness,
    /// The gain the AGC glides to, in dB.
    wanted_db: f32,
    /// The applied gain in dB.
    gain_db: f32,
    /// Glide coefficient per sample.
    glide: f32,
    /// The applied gain in dB at the end of the last block.
    block_gain_db: f32,
}

impl Agc {
    /// An AGC at the default settings; `prepare` before use.
    pub fn new() -> Self {
        Self { settings: AgcSettings::default(), sample_rate: 48_000.0, ..Default::default() }
    }

    /// Reads the AGC's settings.
    pub fn set_settings(&mut self, settings: &AgcSettings) {
        let d = AgcSettings::default();
        self.settings = AgcSettings {
            target_lufs: clamp_setting(settings.target_lufs, TARGET_LUFS_RANGE, d.target_lufs),
            max_gain_db: clamp_setting(settings.max_gain_db, MAX_GAIN_DB_RANGE, d.max_gain_db),
            speed_s: clamp_setting(settings.speed_s, SPEED_S_RANGE, d.speed_s),
            gate_lufs: clamp_setting(settings.gate_lufs, GATE_LUFS_RANGE, d.gate_lufs),
        };
        let limit = self.settings.max_gain_db;
        self.wanted_db = self.wanted_db.clamp(-limit, limit);
        self.glide =
            smoothing_coefficient(self.settings.speed_s as f64 / 5.0 * self.sample_rate as f64) as f32;
    }

    /// The applied gain in dB (positive = boost) at the end of the last block.
    pub fn block_gain_db(&self) -> f32 {
        self.block_gain_db
    }
}

impl Stage for Agc {
    fn name(&self) -> &'static str {
        "AGC"
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate.max(crate::MIN_DESIGN_SAMPLE_RATE);
        self.meter.prepare(self.sample_rate);
        let settings = self.settings;
        self.set_settings(&settings);
        self.reset();
    }

    fn reset(&mut self) {
        self.meter.reset();
        self.wanted_db = 0.0;
        self.gain_db = 0.0;
        self.block_gain_db = 0.0;
    }

    fn apply(&mut self, settings: &EngineSettings) {
        self.set_settings(&settings.agc);
    }

    fn is_enabled(&self, settings: &EngineSettings) -> bool {
        settings.agc_on
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let s = self.settings;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if let Some((loudness, last_hop)) = self.meter.push(*l, *r) {
                // The gate looks at the newest 100 ms alone, so it closes as soon as the input
                // falls silent instead of while the 400 ms window still holds the last words;
                // closed, it holds the gain reached (not a target still being glided to).
                if last_hop >= s.gate_lufs {
                    self.wanted_db = (s.target_lufs - loudness).clamp(-s.max_gain_db, s.max_gain_db);
                } else {
                    self.wanted_db = self.gain_db;
                }
            }
            self.gain_db += (self.wanted_db - self.gain_db) * self.glide;
            let gain = db_to_gain(self.gain_db);
            *l *= gain;
            *r *= gain;
        }
        self.block_gain_db = self.gain_db;
    }

    fn latency_samples(&self) -> u32 {
        0
    }

    fn tail_samples(&self) -> Option<u32> {
        Some(0)
    }

    /// The cut in dB (negative while the AGC boosts).
    fn gain_reduction_db(&self) -> Option<f32> {
        Some(-self.block_gain_db)
    }
}
