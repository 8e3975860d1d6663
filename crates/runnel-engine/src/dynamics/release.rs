//! Attack/release ballistics on a gain reduction in dB: the smooth branching peak detector of
//! Giannoulis, Massberg & Reiss (2012, eq. 17) — the engine's [`EnvelopeFollower`] run on the
//! reduction in the log domain — with an optional program-dependent (auto) release.
//!
//! Auto release runs two followers in series and keeps the larger reduction: a fast one
//! (attack as set, release a third of the setting) recovers quickly after short transients,
//! and a slow one fed by it (attack = the release setting, release three times the setting)
//! only charges under sustained reduction, which it then lets go of slowly. Short peaks
//! therefore release fast (little pumping on drums), long passages slowly (no "breathing"
//! between phrases): the behaviour of the classic dual-time-constant auto release.

use crate::core::envelope::EnvelopeFollower;

/// The ballistics of one gain-reduction signal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ballistics {
    /// The branching follower with the set attack and release (auto: its fast stage).
    fast: EnvelopeFollower,
    /// The slow stage of the auto release, fed by `fast`.
    slow: EnvelopeFollower,
    /// Whether the auto (dual-stage) release is on.
    auto: bool,
}

impl Ballistics {
    /// Sets the attack and release time constants (in samples) and the auto release.
    pub fn set_times(&mut self, attack_samples: f64, release_samples: f64, auto: bool) {
        self.auto = auto;
        self.fast.set_attack_samples(attack_samples);
        if auto {
            self.fast.set_release_samples(release_samples / 3.0);
            self.slow.set_attack_samples(release_samples);
            self.slow.set_release_samples(3.0 * release_samples);
        } else {
            self.fast.set_release_samples(release_samples);
        }
    }

    /// Clears both followers.
    pub fn reset(&mut self) {
        self.fast.set_value(0.0);
        self.slow.set_value(0.0);
    }

    /// Advances one sample towards the reduction `target_db` (≥ 0) and returns the smoothed
    /// reduction.
    #[inline]
    pub fn next(&mut self, target_db: f32) -> f32 {
        let fast = self.fast.next(target_db);
        if self.auto {
            fast.max(self.slow.next(fast))
        } else {
            fast
        }
    }
}
