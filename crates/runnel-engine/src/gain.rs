//! The input and output gain stages.

use super::engine::EngineSettings;
use super::smoothing::LinearSmoother;
use super::stage::Stage;

/// Gain range offered to users, in dB. The bottom of the range means silence (−∞ dB).
pub const GAIN_DB_RANGE: (f32, f32) = (-60.0, 24.0);
/// Ramp time for gain changes: long enough that a 24 dB jump is inaudible as a click, short
/// enough to follow fast automation.
pub const GAIN_RAMP_MS: f32 = 20.0;

/// Converts decibels to a linear amplitude factor; the bottom of [`GAIN_DB_RANGE`] and below map
/// to exactly zero so that "−∞" really mutes.
#[inline]
pub fn db_to_amplitude(db: f32) -> f32 {
    if db <= GAIN_DB_RANGE.0 {
        0.0
    } else {
        10f32.powf(db / 20.0)
    }
}

/// A smoothed stereo gain. The ramp runs on the linear amplitude so that fading to −∞ works and
/// the slope of a jump is bounded by `(new − old) / ramp_samples` per sample.
#[derive(Debug, Clone, Default)]
pub struct Gain {
    /// Linear amplitude, ramping towards the target set by [`Gain::set_gain_db`].
    amplitude: LinearSmoother,
    /// Whether the next `set_gain_db` should jump rather than ramp (right after prepare/reset).
    snap_next: bool,
}

impl Gain {
    /// A unity gain. Call [`prepare()`](Self::prepare) before processing.
    pub fn new() -> Self {
        Self { amplitude: LinearSmoother::new(1.0), snap_next: true }
    }

    /// Sets the ramp length for this sample rate. Nothing to allocate.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.amplitude.set_ramp(sample_rate, GAIN_RAMP_MS);
        self.reset();
    }

    /// Finishes any ramp; the next target is taken without a ramp.
    pub fn reset(&mut self) {
        let target = self.amplitude.target();
        self.amplitude.reset(target);
        self.snap_next = true;
    }

    /// Sets the target gain in dB.
    pub fn set_gain_db(&mut self, db: f32) {
        let amplitude = db_to_amplitude(db);
        if self.snap_next {
            self.amplitude.reset(amplitude);
            self.snap_next = false;
        } else {
            self.amplitude.set_target(amplitude);
        }
    }

    /// Applies the gain in place to both channels.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !self.amplitude.is_smoothing() {
            let g = self.amplitude.current();
            if g != 1.0 {
                left.iter_mut().for_each(|x| *x *= g);
                right.iter_mut().for_each(|x| *x *= g);
            }
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let g = self.amplitude.next();
            *l *= g;
            *r *= g;
        }
    }
}

/// A [`Gain`] as a chain stage, reading one gain of the [`EngineSettings`]. Always on.
#[derive(Debug, Clone)]
pub struct GainStage {
    /// "Input Gain" or "Output Gain".
    name: &'static str,
    /// The smoothed gain.
    gain: Gain,
    /// Which setting this stage follows.
    gain_db_of: fn(&EngineSettings) -> f32,
}

impl GainStage {
    /// The input gain (first in the chain), following [`EngineSettings::input_gain_db`].
    pub fn input() -> Self {
        Self { name: "Input Gain", gain: Gain::new(), gain_db_of: |s| s.input_gain_db }
    }

    /// The output gain (last in the chain), following [`EngineSettings::output_gain_db`].
    pub fn output() -> Self {
        Self { name: "Output Gain", gain: Gain::new(), gain_db_of: |s| s.output_gain_db }
    }
}

impl Stage for GainStage {
    fn name(&self) -> &'static str {
        self.name
    }
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.gain.prepare(sample_rate, max_block);
    }
    fn reset(&mut self) {
        self.gain.reset();
    }
    fn apply(&mut self, settings: &EngineSettings) {
        self.gain.set_gain_db((self.gain_db_of)(settings));
    }
    fn is_enabled(&self, _settings: &EngineSettings) -> bool {
        true
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.gain.process(left, right);
    }
    fn latency_samples(&self) -> u32 {
        0
    }
    fn tail_samples(&self) -> Option<u32> {
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_gain_is_exact_in_db() {
        for db in [-48.0f32, -6.0, 0.0, 6.0, 24.0] {
            let mut g = Gain::new();
            g.prepare(48000.0, 64);
            g.set_gain_db(db);
            let mut l = [0.5f32; 64];
            let mut r = [-0.25f32; 64];
            g.process(&mut l, &mut r);
            let measured_db = 20.0 * (l[63] / 0.5).log10();
            assert!((measured_db - db).abs() < 1e-4, "{db} dB measured as {measured_db}");
            let measured_db_r = 20.0 * (r[0] / -0.25).log10();
            assert!((measured_db_r - db).abs() < 1e-4);
        }
    }

    #[test]
    fn bottom_of_range_mutes() {
        let mut g = Gain::new();
        g.prepare(48000.0, 8);
        g.set_gain_db(GAIN_DB_RANGE.0);
        let mut l = [1.0f32; 8];
        let mut r = [1.0f32; 8];
        g.process(&mut l, &mut r);
        assert_eq!(l, [0.0; 8]);
    }

    #[test]
    fn a_24_db_jump_ramps_with_bounded_slope() {
        let sr = 48000.0;
        let mut g = Gain::new();
        g.prepare(sr, 4096);
        g.set_gain_db(0.0);
        let mut l = vec![1.0f32; 4096];
        let mut r = vec![1.0f32; 4096];
        g.process(&mut l, &mut r);
        g.set_gain_db(24.0);
        let mut l = vec![1.0f32; 4096];
        let mut r = vec![1.0f32; 4096];
        g.process(&mut l, &mut r);
        let ramp_samples = (sr * GAIN_RAMP_MS / 1000.0).round();
        let max_slope = (db_to_amplitude(24.0) - 1.0) / ramp_samples;
        let mut prev = 1.0f32;
        for (i, &x) in l.iter().enumerate() {
            assert!((x - prev).abs() <= max_slope * 1.0001, "step {} at {i}", x - prev);
            prev = x;
        }
        // The ramp ends exactly at the target, after exactly the ramp length.
        assert!((l[ramp_samples as usize - 1] - db_to_amplitude(24.0)).abs() < 1e-4);
        assert!(l[ramp_samples as usize / 2] < db_to_amplitude(24.0) * 0.9);
    }
}
