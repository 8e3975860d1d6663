//! The engine's one first-order filter: a trapezoidal (TPT) one-pole, and the one formula for
//! an exponential smoothing coefficient.
//!
//! The TPT one-pole is the bilinear transform of `1/(s + 1)` prewarped at its corner (the same
//! [`prewarp`] and clamp rule as the SVF): one state variable, unconditionally stable for any
//! gain in (0, 1), so its cutoff can be swept per sample. The high-pass is `x − low`. It is the
//! real pole of the filter stage's odd Butterworth orders and the delay's loop tone.
//!
//! [`smoothing_coefficient`] is the classic `y += (x − y)·c` one-pole with time constant `τ`
//! (`c = 1 − e^(−1/τ)`), used for ballistics: the envelope follower and the tape glide's
//! velocity.

use super::sample::Sample;
use super::svf::prewarp;

/// The solved zero-delay loop gain `G = g/(1 + g)` of a TPT one-pole with prewarped `g`.
#[inline]
pub fn tpt_gain_prewarped(g: f64) -> f64 {
    g / (1.0 + g)
}

/// [`tpt_gain_prewarped`] for a corner at `cutoff_hz` (clamped by [`prewarp`]'s one rule).
#[inline]
pub fn tpt_gain(cutoff_hz: f64, sample_rate: f64) -> f64 {
    tpt_gain_prewarped(prewarp(cutoff_hz, sample_rate))
}

/// The coefficient `c = 1 − e^(−1/τ)` of `y += (x − y)·c`, for a time constant of
/// `time_constant_samples` (τ, floored at 10⁻³ samples so the result stays in (0, 1]): after τ
/// samples a step has come `1 − 1/e` of the way.
#[inline]
pub fn smoothing_coefficient(time_constant_samples: f64) -> f64 {
    1.0 - (-1.0 / time_constant_samples.max(1e-3)).exp()
}

/// The state of one TPT one-pole.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OnePole<T> {
    /// The trapezoidal integrator's memory.
    state: T,
}

impl<T: Sample> OnePole<T> {
    /// Clears the state.
    pub fn reset(&mut self) {
        self.state = T::ZERO;
    }

    /// Filters one sample with loop gain `gain` (from [`tpt_gain`]) and returns the low-pass
    /// output; the high-pass is `x` minus it.
    #[inline(always)]
    pub fn lowpass(&mut self, x: T, gain: T) -> T {
        let v = (x - self.state) * gain;
        let low = v + self.state;
        self.state = (low + v).flush();
        low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_pass_is_minus_3_db_at_cutoff_in_both_precisions() {
        let (fs, fc) = (48_000.0, 1000.0);
        let w = 2.0 * std::f64::consts::PI * fc / fs;
        let n = 48_000;
        let level_db = |run: &mut dyn FnMut(f64) -> f64| {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for i in 0..2 * n {
                let y = run((w * i as f64).sin());
                if i >= n {
                    re += y * (w * i as f64).sin();
                    im += y * (w * i as f64).cos();
                }
            }
            20.0 * (2.0 * (re * re + im * im).sqrt() / n as f64).log10()
        };
        let gain = tpt_gain(fc, fs);
        let mut single = OnePole::<f32>::default();
        let mut double = OnePole::<f64>::default();
        let single_db = level_db(&mut |x| single.lowpass(x as f32, gain as f32) as f64);
        let double_db = level_db(&mut |x| double.lowpass(x, gain));
        assert!((single_db + 3.0103).abs() < 0.01, "{single_db}");
        assert!((double_db + 3.0103).abs() < 0.001, "{double_db}");
    }

    #[test]
    fn smoothing_coefficient_reaches_one_minus_1_over_e_after_tau() {
        let c = smoothing_coefficient(480.0);
        let mut y = 0.0f64;
        for _ in 0..480 {
            y += (1.0 - y) * c;
        }
        assert!((y - (1.0 - (-1.0f64).exp())).abs() < 1e-9, "{y}");
    }
}
