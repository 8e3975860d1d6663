//! Wow/flutter: a sine LFO that moves the read heads.
//!
//! The LFO is a quadrature oscillator (a phasor rotated by a fixed angle per sample), which gives
//! sine and cosine for two multiplies per output instead of two `sin` calls. The left channel
//! follows the sine and the right the cosine: a quarter-period offset that keeps a modulated
//! stereo delay wide instead of wobbling both sides in lock-step. Slow rates sound like tape wow,
//! fast ones like flutter.

use crate::smoothing::{LinearSmoother, RAMP_MS_DEFAULT};

/// Modulation rate range in Hz.
pub const MOD_RATE_HZ_RANGE: (f32, f32) = (0.05, 10.0);

/// Modulation depth range in milliseconds, peak to peak: the read delay moves within
/// ±depth/2 around the set time, so synced times stay on the beat on average.
pub const MOD_DEPTH_MS_RANGE: (f32, f32) = (0.0, 10.0);

/// A stereo quadrature LFO whose rate can be swept without phase jumps.
#[derive(Debug, Clone)]
pub struct ModulationLfo {
    /// Sample rate, for the rate → angle conversion.
    sample_rate: f32,
    /// Rate in log2(Hz), smoothed so a rate sweep is even and never jumps the phase increment.
    rate_log2: LinearSmoother,
    /// Phasor: (cos, sin) of the current phase.
    phasor: (f64, f64),
    /// Rotation per sample: (cos, sin) of 2π·rate/fs.
    rotation: (f64, f64),
}

impl Default for ModulationLfo {
    fn default() -> Self {
        Self::new()
    }
}

impl ModulationLfo {
    /// An LFO at phase 0 (no allocation).
    pub fn new() -> Self {
        let mut lfo = Self {
            sample_rate: 48_000.0,
            rate_log2: LinearSmoother::new(0.5f32.log2()),
            phasor: (1.0, 0.0),
            rotation: (1.0, 0.0),
        };
        lfo.update_rotation();
        lfo
    }

    /// Sets the sample rate and ramp time.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.rate_log2.set_ramp(sample_rate, RAMP_MS_DEFAULT);
        self.update_rotation();
    }

    /// Sets the rate target in Hz.
    pub fn set_rate(&mut self, rate_hz: f32) {
        self.rate_log2.set_target(rate_hz.clamp(MOD_RATE_HZ_RANGE.0, MOD_RATE_HZ_RANGE.1).log2());
    }

    /// Jumps the rate to its target.
    pub fn snap(&mut self) {
        let t = self.rate_log2.target();
        self.rate_log2.reset(t);
        self.update_rotation();
    }

    /// Restarts at phase 0 (left = sin = 0, right = cos = 1) and snaps the rate.
    pub fn reset(&mut self) {
        self.phasor = (1.0, 0.0);
        self.snap();
    }

    /// Recomputes the per-sample rotation from the current rate.
    fn update_rotation(&mut self) {
        let angle =
            std::f64::consts::TAU * (self.rate_log2.current() as f64).exp2() / self.sample_rate as f64;
        self.rotation = (angle.cos(), angle.sin());
    }

    /// Advances `samples` samples at once, for blocks in which the LFO is not heard (depth 0):
    /// one rotation by `samples` times the per-sample angle instead of `samples` rotations, so
    /// the phase stays where per-sample stepping would have taken it (to within rounding,
    /// ≈ 1e-15 rad per block) and modulation resumes in phase. A rate that is still ramping is
    /// stepped sample by sample, exactly as [`advance`](Self::advance) does.
    pub fn skip(&mut self, samples: usize) {
        if self.rate_log2.is_smoothing() {
            for _ in 0..samples {
                self.advance();
            }
            return;
        }
        if samples == 0 {
            return;
        }
        let angle = std::f64::consts::TAU * (self.rate_log2.current() as f64).exp2()
            / self.sample_rate as f64
            * samples as f64;
        let (rc, rs) = (angle.cos(), angle.sin());
        let (c, s) = self.phasor;
        let (c, s) = (c * rc - s * rs, s * rc + c * rs);
        let correction = 1.5 - 0.5 * (c * c + s * s);
        self.phasor = (c * correction, s * correction);
    }

    /// Advances one sample and returns (left, right) in [−1, 1].
    #[inline]
    pub fn advance(&mut self) -> (f64, f64) {
        if self.rate_log2.is_smoothing() {
            self.rate_log2.next();
            self.update_rotation();
        }
        let (c, s) = self.phasor;
        let (rc, rs) = self.rotation;
        let (c, s) = (c * rc - s * rs, s * rc + c * rs);
        // One Newton step towards |phasor| = 1 keeps rounding from growing or shrinking it.
        let correction = 1.5 - 0.5 * (c * c + s * s);
        self.phasor = (c * correction, s * correction);
        (self.phasor.1, self.phasor.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfo_tracks_an_exact_sine_and_keeps_unit_amplitude() {
        let fs = 48_000.0;
        let mut lfo = ModulationLfo::new();
        lfo.prepare(fs);
        lfo.set_rate(3.0);
        lfo.reset();
        let n = 48_000 * 60;
        let mut worst = 0.0f64;
        for i in 1..=n {
            let (l, r) = lfo.advance();
            let phase = std::f64::consts::TAU * 3.0 * i as f64 / fs as f64;
            worst = worst.max((l - phase.sin()).abs()).max((r - phase.cos()).abs());
        }
        // The rate itself is rounded through f32 log2/exp2, hence a small phase drift over 60 s.
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn skipping_a_block_lands_where_stepping_does() {
        for rate in [0.05f32, 0.5, 3.0, 10.0] {
            let (mut stepped, mut skipped) = (ModulationLfo::new(), ModulationLfo::new());
            for lfo in [&mut stepped, &mut skipped] {
                lfo.prepare(48_000.0);
                lfo.set_rate(rate);
                lfo.reset();
            }
            // 6.8 s in blocks of 64 to 8192 samples.
            for block in (0..160).map(|i| 64usize << (i % 8)) {
                for _ in 0..block {
                    stepped.advance();
                }
                skipped.skip(block);
            }
            let (a, b) = (stepped.advance(), skipped.advance());
            assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9, "{rate} Hz: {a:?} vs {b:?}");
        }
        // While the rate ramps, skipping is stepping.
        let (mut stepped, mut skipped) = (ModulationLfo::new(), ModulationLfo::new());
        for lfo in [&mut stepped, &mut skipped] {
            lfo.prepare(48_000.0);
            lfo.set_rate(1.0);
            lfo.reset();
            lfo.set_rate(7.0);
        }
        for _ in 0..300 {
            stepped.advance();
        }
        skipped.skip(300);
        assert_eq!(stepped.advance(), skipped.advance());
    }
}
