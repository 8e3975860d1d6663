//! Stateless design of the per-line absorption filters (Jot's method).
//!
//! A feedback delay network whose mixing matrix is lossless decays at the rate set by what each
//! line loses per trip. If every line `i` (length `dᵢ` samples) attenuates by
//! `−60·dᵢ / (fs·T60)` dB, every line loses the same dB *per sample*, so the whole network —
//! whatever path a sound takes through it — falls by 60 dB in `T60` seconds. Making that
//! attenuation depend on frequency gives a frequency-dependent `T60(f)`.
//!
//! Three plateaus are asked for: `T60 = decay·low_mult` below the low crossover, `decay` in the
//! middle and `decay·high_mult` above the high crossover. Each line realises them as a
//! broadband gain followed by two second-order shelves (one per crossover) whose dB cuts are
//! the differences between the plateaus' attenuations. Because the shelves are exact bilinear
//! RBJ shelves, the plateau values are hit exactly; between plateaus the attenuation moves
//! smoothly, half way (in dB) at each crossover.

use crate::core::svf::{cookbook_amplitude, prewarp, SvfCoefficients, BUTTERWORTH_K};

/// Shelf cuts are clamped to this many dB. Beyond it the band is already silent for the purpose
/// of a reverb and the clamp keeps `A²` a normal `f32`.
pub const SHELF_GAIN_LIMIT_DB: f64 = 100.0;

/// The decay asked of the network, per band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecayProfile {
    /// Reverberation time (−60 dB) between the crossovers, seconds.
    pub mid_s: f64,
    /// Reverberation time below the low crossover, seconds.
    pub low_s: f64,
    /// Reverberation time above the high crossover, seconds.
    pub high_s: f64,
    /// Where the low shelf is half way, Hz.
    pub low_crossover_hz: f64,
    /// Where the high shelf is half way, Hz.
    pub high_crossover_hz: f64,
}

/// Attenuation in dB that one trip through a line of `delay_samples` needs for a decay of
/// `t60_s`, scaled by how far the loop is *not* frozen (`1 − freeze`).
///
/// Scaling the dB (rather than blending gains) makes `freeze == 1` give exactly 0 dB, i.e. a
/// lossless loop, and keeps every intermediate state a plain, stable decay.
#[inline]
pub fn trip_attenuation_db(delay_samples: f64, sample_rate: f64, t60_s: f64, freeze: f64) -> f64 {
    -60.0 * delay_samples / (sample_rate * t60_s) * (1.0 - freeze.clamp(0.0, 1.0))
}

/// The complete absorption of one line: broadband gain, then a shelf at the low crossover,
/// then a shelf at the high crossover.
///
/// Every shelf only *cuts*. When the low band must decay slower than the mids
/// (`low_mult > 1`), the broadband gain is the low band's and the first shelf is a high shelf
/// cutting everything above the low crossover down to the mid level, instead of a low shelf
/// boosting the lows. Both realise the same bilinear response (an RBJ low shelf of +G dB is
/// exactly G dB times the high shelf of −G dB), but a boosting shelf carries output weights up
/// to `A² ≈ 10⁴` on its internal states; when a fast decay change moves its coefficients, those
/// weights turn stale state into a large transient inside the loop. Cut-only shelves have all
/// output weights ≤ ~1.5, so coefficient changes stay harmless.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineAbsorption {
    /// Broadband trip gain (the least attenuated of the low and mid plateaus).
    pub gain: f32,
    /// Shelf at the low crossover (a low shelf if `low_mult < 1`, else a high shelf).
    pub low_shelf: SvfCoefficients<f32>,
    /// High shelf at the high crossover.
    pub high_shelf: SvfCoefficients<f32>,
}

impl LineAbsorption {
    /// Designs the absorption of a line of `delay_samples` for `profile`, with the loop frozen
    /// by `freeze` (0 = normal decay, 1 = lossless).
    ///
    /// The high band is treated as decaying no slower than the mids (`high_s ≤ mid_s`, which the
    /// public ranges guarantee); with every plateau ≤ 0 dB and cut-only shelves the loop gain is
    /// ≤ 1 at every frequency. (The network designs a bank at once with
    /// [`design_with`](Self::design_with); this single-line form serves the unit tests.)
    #[cfg(test)]
    pub fn design(delay_samples: f64, sample_rate: f64, profile: &DecayProfile, freeze: f64) -> Self {
        Self::design_with(&ShelfWarp::new(profile, sample_rate), delay_samples, sample_rate, profile, freeze)
    }

    /// [`design`](Self::design) with the crossover pre-warps computed once for a bank of lines.
    pub fn design_with(
        warp: &ShelfWarp,
        delay_samples: f64,
        sample_rate: f64,
        profile: &DecayProfile,
        freeze: f64,
    ) -> Self {
        let mid = trip_attenuation_db(delay_samples, sample_rate, profile.mid_s, freeze);
        let low = trip_attenuation_db(delay_samples, sample_rate, profile.low_s, freeze);
        let high = trip_attenuation_db(delay_samples, sample_rate, profile.high_s, freeze).min(mid);
        let cut = |db: f64| db.clamp(-SHELF_GAIN_LIMIT_DB, 0.0);
        let (gain_db, low_shelf) = if low >= mid {
            (low, shelf(true, warp.low, cut(mid - low)))
        } else {
            (mid, shelf(false, warp.low, cut(low - mid)))
        };
        Self {
            gain: 10f64.powf(gain_db / 20.0) as f32,
            low_shelf,
            high_shelf: shelf(true, warp.high, cut(high - mid)),
        }
    }
}

/// A Butterworth-damped (no overshoot) cut-only shelf at the pre-warped crossover `warped`:
/// a high shelf if `high`, else a low shelf. `gain_db == 0` is bit-transparent.
fn shelf(high: bool, warped: f64, gain_db: f64) -> SvfCoefficients<f32> {
    let amplitude = cookbook_amplitude(gain_db);
    if high {
        SvfCoefficients::high_shelf_prewarped(warped, BUTTERWORTH_K, amplitude)
    } else {
        SvfCoefficients::low_shelf_prewarped(warped, BUTTERWORTH_K, amplitude)
    }
}

/// The pre-warped crossovers of a profile, shared by every line of a bank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShelfWarp {
    /// `tan(π·low_crossover/fs)`.
    pub low: f64,
    /// `tan(π·high_crossover/fs)`.
    pub high: f64,
}

impl ShelfWarp {
    /// Pre-warps both crossovers of `profile`.
    pub fn new(profile: &DecayProfile, sample_rate: f64) -> Self {
        Self {
            low: prewarp(profile.low_crossover_hz, sample_rate),
            high: prewarp(profile.high_crossover_hz, sample_rate),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::svf::SvfState;

    /// Magnitude (dB) of gain·shelves at `freq`, from the impulse response.
    fn line_db(a: &LineAbsorption, freq: f64, fs: f64) -> f64 {
        let (mut lo, mut hi) = (SvfState::<f32, 1>::default(), SvfState::<f32, 1>::default());
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for i in 0..(1 << 16) {
            let x = if i == 0 { a.gain } else { 0.0 };
            let y = hi.tick(&a.high_shelf, lo.tick(&a.low_shelf, [x]))[0] as f64;
            let w = -2.0 * std::f64::consts::PI * freq * i as f64 / fs;
            re += y * w.cos();
            im += y * w.sin();
        }
        10.0 * (re * re + im * im).log10()
    }

    #[test]
    fn plateaus_give_the_asked_decay_per_band() {
        let fs = 48_000.0;
        let d = 2400.0; // 50 ms
        let p = DecayProfile {
            mid_s: 2.0,
            low_s: 3.0,
            high_s: 0.8,
            low_crossover_hz: 200.0,
            high_crossover_hz: 3000.0,
        };
        let a = LineAbsorption::design(d, fs, &p, 0.0);
        // Implied T60 = −60·d/(fs·dB). Far from the crossovers it must equal the plateau.
        let t60 = |db: f64| -60.0 * d / (fs * db);
        assert!((t60(line_db(&a, 10.0, fs)) / 3.0 - 1.0).abs() < 0.01);
        assert!((t60(line_db(&a, 1000.0, fs)) / 2.0 - 1.0).abs() < 0.02);
        assert!((t60(line_db(&a, 20_000.0, fs)) / 0.8 - 1.0).abs() < 0.01);
    }

    #[test]
    fn full_freeze_is_exactly_lossless() {
        let p = DecayProfile {
            mid_s: 0.3,
            low_s: 1.2,
            high_s: 0.03,
            low_crossover_hz: 100.0,
            high_crossover_hz: 9000.0,
        };
        let a = LineAbsorption::design(5000.0, 44_100.0, &p, 1.0);
        assert_eq!(a.gain, 1.0);
        assert_eq!((a.low_shelf.m0, a.low_shelf.m1, a.low_shelf.m2), (1.0, 0.0, 0.0));
        assert_eq!((a.high_shelf.m0, a.high_shelf.m1, a.high_shelf.m2), (1.0, 0.0, 0.0));
    }

    #[test]
    fn loop_gain_never_exceeds_one() {
        let fs = 44_100.0;
        for &(mid, lm, hm) in &[(0.1, 4.0, 0.1), (30.0, 4.0, 1.0), (1.0, 0.25, 0.1), (5.0, 4.0, 0.5)] {
            let p = DecayProfile {
                mid_s: mid,
                low_s: mid * lm,
                high_s: mid * hm,
                low_crossover_hz: 1000.0,
                high_crossover_hz: 1000.0,
            };
            let a = LineAbsorption::design(3000.0, fs, &p, 0.0);
            for k in 1..200 {
                let f = 20.0 * 1.035f64.powi(k);
                if f > 21_000.0 {
                    break;
                }
                assert!(line_db(&a, f, fs) < 1e-3, "mid {mid} lm {lm} hm {hm} at {f} Hz");
            }
        }
    }
}
