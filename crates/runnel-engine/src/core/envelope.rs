//! The engine's one envelope follower: a one-pole with separate attack and release ballistics.

use super::one_pole::smoothing_coefficient;
use crate::denormal::flush;

/// Follows a control signal (a level, a gain reduction in dB, …) with one time constant while
/// it rises (attack) and another while it falls (release): `y += (x − y)·c`, `c` from
/// [`smoothing_coefficient`], so after one release time constant of silence the value has
/// fallen to `1/e` of where it was.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EnvelopeFollower {
    /// The current value.
    value: f32,
    /// Smoothing coefficient while the input is above the value.
    attack: f32,
    /// Smoothing coefficient while the input is at or below the value.
    release: f32,
}

impl EnvelopeFollower {
    /// Sets the attack time constant in samples.
    pub fn set_attack_samples(&mut self, samples: f64) {
        self.attack = smoothing_coefficient(samples) as f32;
    }

    /// Sets the release time constant in samples.
    pub fn set_release_samples(&mut self, samples: f64) {
        self.release = smoothing_coefficient(samples) as f32;
    }

    /// The current value.
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }

    /// Jumps to `value` (0 on reset; a caller's floor snaps a settled envelope to exact 0).
    #[inline]
    pub fn set_value(&mut self, value: f32) {
        self.value = value;
    }

    /// Advances one sample towards `input` and returns the new value (flushed, so a release
    /// never goes subnormal).
    #[inline]
    pub fn next(&mut self, input: f32) -> f32 {
        let coefficient = if input > self.value { self.attack } else { self.release };
        self.value = flush(self.value + (input - self.value) * coefficient);
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_and_release_have_their_own_time_constants() {
        let mut e = EnvelopeFollower::default();
        e.set_attack_samples(10.0);
        e.set_release_samples(1000.0);
        for _ in 0..10 {
            e.next(1.0);
        }
        let rise = 1.0 - (-1.0f32).exp();
        assert!((e.value() - rise).abs() < 1e-5, "{}", e.value());
        e.set_value(1.0);
        for _ in 0..1000 {
            e.next(0.0);
        }
        assert!((e.value() - (-1.0f32).exp()).abs() < 1e-4, "{}", e.value());
    }
}
