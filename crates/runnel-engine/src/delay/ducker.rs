//! Ducking: the wet signal is turned down while the input is loud, so echoes bloom in the gaps.
//!
//! The key is the dry input's instantaneous peak (max of |L|, |R|). Its level in dB is mapped to
//! a fraction of the reduction: nothing at or below `DUCK_FULL_LEVEL_DB − DUCK_KNEE_DB`, all of
//! `amount` at or above `DUCK_FULL_LEVEL_DB`, linear in dB in between (a soft knee, so a
//! signal hovering around the threshold does not flip the gain). The reduction (in dB) then
//! goes through a one-pole with a fast attack and the user's release, so after the input stops
//! the reduction decays as `amount · exp(−t / release)`: the release parameter is exactly the
//! time constant of the recovery, in the dB domain like a compressor's.
//!
//! Because the key is instantaneous, each zero crossing of a loud input briefly asks for no
//! reduction; the slow release turns that into a ripple of about `amount · (gap / release)` —
//! under 0.1 dB for a 12 dB duck of a 100 Hz tone at 250 ms release.

use crate::core::envelope::EnvelopeFollower;

/// Ducking amount range: dB of reduction while the input is loud (0 = off).
pub const DUCK_AMOUNT_DB_RANGE: (f32, f32) = (0.0, 48.0);

/// Ducking release range in ms (time constant of the recovery).
pub const DUCK_RELEASE_MS_RANGE: (f32, f32) = (10.0, 5000.0);

/// Input peak level (dBFS) at and above which the full amount applies.
pub const DUCK_FULL_LEVEL_DB: f32 = -24.0;

/// Width of the knee below [`DUCK_FULL_LEVEL_DB`] over which the reduction fades in.
pub const DUCK_KNEE_DB: f32 = 18.0;

/// Attack time constant: fast enough to duck a drum hit's echoes, slow enough not to crackle.
pub const DUCK_ATTACK_MS: f32 = 5.0;

/// Below this many dB the reduction is treated as finished (gain 1 to f32 precision).
const REDUCTION_FLOOR_DB: f32 = 1e-6;

/// A time in milliseconds as samples at `sample_rate`.
fn samples(ms: f32, sample_rate: f32) -> f64 {
    ms as f64 * 1e-3 * sample_rate as f64
}

/// The ducker's envelope: the current reduction in dB and its ballistics.
#[derive(Debug, Clone, Copy)]
pub struct Ducker {
    /// Sample rate, for the release coefficient.
    sample_rate: f32,
    /// Current reduction in dB (≥ 0), with the attack and release ballistics.
    reduction_db: EnvelopeFollower,
    /// The release time the coefficient was computed for (avoids an `exp` per block).
    release_ms: f32,
    /// Linear peak where the knee starts (`DUCK_FULL_LEVEL_DB − DUCK_KNEE_DB`).
    knee_start: f32,
    /// Linear peak where the knee ends (`DUCK_FULL_LEVEL_DB`).
    knee_end: f32,
}

impl Default for Ducker {
    fn default() -> Self {
        Self::new()
    }
}

impl Ducker {
    /// A ducker at rest (no allocation).
    pub fn new() -> Self {
        let mut d = Self {
            sample_rate: 48_000.0,
            reduction_db: EnvelopeFollower::default(),
            release_ms: 250.0,
            knee_start: 10f32.powf((DUCK_FULL_LEVEL_DB - DUCK_KNEE_DB) / 20.0),
            knee_end: 10f32.powf(DUCK_FULL_LEVEL_DB / 20.0),
        };
        d.prepare(48_000.0);
        d
    }

    /// Recomputes the coefficients for `sample_rate`.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.reduction_db.set_attack_samples(samples(DUCK_ATTACK_MS, sample_rate));
        self.reduction_db.set_release_samples(samples(self.release_ms, sample_rate));
    }

    /// Sets the release time constant (recomputes only on change).
    pub fn set_release_ms(&mut self, release_ms: f32) {
        let release_ms = release_ms.clamp(DUCK_RELEASE_MS_RANGE.0, DUCK_RELEASE_MS_RANGE.1);
        if release_ms != self.release_ms {
            self.release_ms = release_ms;
            self.reduction_db.set_release_samples(samples(release_ms, self.sample_rate));
        }
    }

    /// Releases any reduction at once.
    pub fn reset(&mut self) {
        self.reduction_db.set_value(0.0);
    }

    /// The reduction currently applied, in dB (≥ 0).
    #[cfg(test)]
    pub fn reduction_db(&self) -> f32 {
        self.reduction_db.value()
    }

    /// Whether the ducker is doing nothing: no reduction left, so with an amount of 0 dB its
    /// gain is exactly 1 whatever the input.
    pub fn is_released(&self) -> bool {
        self.reduction_db.value() == 0.0
    }

    /// Advances one sample with key `peak` (= max |input|) and `amount_db` of ducking;
    /// returns the linear gain for the wet signal.
    #[inline]
    pub fn next_gain(&mut self, peak: f32, amount_db: f32) -> f32 {
        if amount_db <= 0.0 && self.reduction_db.value() == 0.0 {
            return 1.0;
        }
        // Outside the knee the fraction is 0 or 1 without taking a logarithm.
        let fraction = if peak <= self.knee_start {
            0.0
        } else if peak >= self.knee_end {
            1.0
        } else {
            let level_db = 20.0 * peak.log10();
            ((level_db - (DUCK_FULL_LEVEL_DB - DUCK_KNEE_DB)) / DUCK_KNEE_DB).clamp(0.0, 1.0)
        };
        let target = amount_db.max(0.0) * fraction;
        let mut reduction_db = self.reduction_db.next(target);
        if reduction_db < REDUCTION_FLOOR_DB {
            reduction_db = 0.0;
            self.reduction_db.set_value(0.0);
        }
        // 10^(−dB/20) = exp(−dB · ln10/20).
        (-reduction_db * (std::f32::consts::LN_10 / 20.0)).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_reduction_when_loud_none_when_quiet_and_exact_release_constant() {
        let fs = 48_000.0;
        let mut d = Ducker::new();
        d.prepare(fs);
        d.set_release_ms(100.0);
        for _ in 0..4800 {
            d.next_gain(0.5, 12.0);
        }
        assert!((d.reduction_db() - 12.0).abs() < 1e-3);
        // Silence: after one time constant (4800 samples) the reduction is 12/e.
        for _ in 0..4800 {
            d.next_gain(0.0, 12.0);
        }
        assert!((d.reduction_db() - 12.0 / std::f32::consts::E).abs() < 0.01, "{}", d.reduction_db());
        // A signal below the knee never ducks.
        let mut q = Ducker::new();
        for _ in 0..4800 {
            assert_eq!(q.next_gain(10f32.powf(-43.0 / 20.0), 24.0), 1.0);
        }
    }
}
