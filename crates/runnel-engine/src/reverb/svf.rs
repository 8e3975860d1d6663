//! Topology-preserving-transform (TPT) state-variable filter, the one filter core of the reverb.
//!
//! The same two-integrator structure realises the wet low cut / high cut and the low and high
//! shelves inside the feedback loop. It is chosen over direct-form biquads because its states are
//! integrator memories: when the coefficients move (a decay or cutoff sweep, a freeze ramp) the
//! states stay meaningful, so there is no transient, and the section is stable for every `g > 0`,
//! `k > 0`. The design is the bilinear transform of the analog prototypes with the cutoff
//! pre-warped, so a shelf here has exactly the response of the RBJ cookbook shelf.
//!
//! Coefficient design ([`SvfCoefficients`]) is stateless and separate from the two memories
//! ([`SvfState`]), so one design can be shared or recomputed without touching audio state.

use std::f64::consts::PI;

use crate::denormal::flush;

/// Highest cutoff handed to the pre-warp, as a fraction of the sample rate. `tan` runs away at
/// 0.5; at 0.45 it is ~6.3, which keeps the section well conditioned at 8 kHz sample rates.
pub const MAX_CUTOFF_RATIO: f64 = 0.45;

/// Damping `k = 1/Q` for a Butterworth (maximally flat) second-order section and for shelves
/// without overshoot.
pub const BUTTERWORTH_K: f64 = std::f64::consts::SQRT_2;

/// Coefficients of one state-variable section and of its output mix.
///
/// The output is `m0·x + m1·band + m2·low`, which covers low-pass, high-pass and both shelves
/// with one per-sample routine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfCoefficients {
    /// `1 / (1 + g·(g + k))`: the implicit solve of the zero-delay feedback loop.
    pub a1: f32,
    /// `g·a1`.
    pub a2: f32,
    /// `g·a2`.
    pub a3: f32,
    /// Weight of the input in the output.
    pub m0: f32,
    /// Weight of the band-pass state in the output.
    pub m1: f32,
    /// Weight of the low-pass state in the output.
    pub m2: f32,
}

impl Default for SvfCoefficients {
    fn default() -> Self {
        Self::identity()
    }
}

impl SvfCoefficients {
    /// A section whose output is exactly its input (the states still run, harmlessly).
    pub fn identity() -> Self {
        Self::from_parts(1.0, BUTTERWORTH_K, 1.0, 0.0, 0.0)
    }

    /// Second-order Butterworth low-pass at `cutoff_hz`.
    pub fn lowpass(cutoff_hz: f64, sample_rate: f64) -> Self {
        let g = prewarp(cutoff_hz, sample_rate);
        Self::from_parts(g, BUTTERWORTH_K, 0.0, 0.0, 1.0)
    }

    /// Second-order Butterworth high-pass at `cutoff_hz`: `x − k·band − low`.
    pub fn highpass(cutoff_hz: f64, sample_rate: f64) -> Self {
        let g = prewarp(cutoff_hz, sample_rate);
        Self::from_parts(g, BUTTERWORTH_K, 1.0, -BUTTERWORTH_K, -1.0)
    }

    /// Low shelf: gain `10^(gain_db/20)` at DC, 1 at Nyquist, half the dB gain at `cutoff_hz`.
    ///
    /// Analog prototype (RBJ): with `A = 10^(gain_db/40)` and the section tuned to `ωc/√A`,
    /// `H = x + k(A−1)·band + (A²−1)·low`. `gain_db == 0` gives `m1 = m2 = 0` exactly, so a
    /// flat shelf is bit-transparent (freeze relies on that).
    pub fn low_shelf(cutoff_hz: f64, gain_db: f64, sample_rate: f64) -> Self {
        Self::low_shelf_prewarped(prewarp(cutoff_hz, sample_rate), gain_db)
    }

    /// [`low_shelf`](Self::low_shelf) from an already pre-warped cutoff `tan(π·fc/fs)`, so a
    /// bank of shelves at one frequency pays for `tan` once.
    pub fn low_shelf_prewarped(warped_cutoff: f64, gain_db: f64) -> Self {
        let a = 10f64.powf(gain_db / 40.0);
        let g = warped_cutoff / a.sqrt();
        let k = BUTTERWORTH_K;
        Self::from_parts(g, k, 1.0, k * (a - 1.0), a * a - 1.0)
    }

    /// High shelf: gain `10^(gain_db/20)` at Nyquist, 1 at DC, half the dB gain at `cutoff_hz`.
    ///
    /// `H = A²·x + k·A(1−A)·band + (1−A²)·low` with the section tuned to `ωc·√A`.
    pub fn high_shelf(cutoff_hz: f64, gain_db: f64, sample_rate: f64) -> Self {
        Self::high_shelf_prewarped(prewarp(cutoff_hz, sample_rate), gain_db)
    }

    /// [`high_shelf`](Self::high_shelf) from an already pre-warped cutoff `tan(π·fc/fs)`.
    pub fn high_shelf_prewarped(warped_cutoff: f64, gain_db: f64) -> Self {
        let a = 10f64.powf(gain_db / 40.0);
        let g = warped_cutoff * a.sqrt();
        let k = BUTTERWORTH_K;
        Self::from_parts(g, k, a * a, k * a * (1.0 - a), 1.0 - a * a)
    }

    /// Builds the section from the integrator gain `g`, the damping `k` and the output mix.
    fn from_parts(g: f64, k: f64, m0: f64, m1: f64, m2: f64) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Self {
            a1: a1 as f32,
            a2: a2 as f32,
            a3: a3 as f32,
            m0: m0 as f32,
            m1: m1 as f32,
            m2: m2 as f32,
        }
    }
}

/// `tan(π·fc/fs)`, the bilinear pre-warp that puts the analog cutoff exactly at `fc`.
pub fn prewarp(cutoff_hz: f64, sample_rate: f64) -> f64 {
    let ratio = (cutoff_hz / sample_rate).clamp(1e-6, MAX_CUTOFF_RATIO);
    (PI * ratio).tan()
}

/// The two integrator memories of one section.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SvfState {
    /// First integrator (band-pass) memory, stored as the trapezoidal "2v − ic" form.
    ic1: f32,
    /// Second integrator (low-pass) memory.
    ic2: f32,
}

impl SvfState {
    /// Clears both memories.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Filters one sample. States are flushed so a decaying tail never goes subnormal.
    #[inline]
    pub fn process(&mut self, c: &SvfCoefficients, x: f32) -> f32 {
        let v3 = x - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = flush(2.0 * v1 - self.ic1);
        self.ic2 = flush(2.0 * v2 - self.ic2);
        c.m0 * x + c.m1 * v1 + c.m2 * v2
    }
}

/// `N` independent sections processed together, stored as structure-of-arrays so the
/// per-sample loop over sections compiles to SIMD (the 16 absorption shelves of the network).
#[derive(Debug, Clone, Copy)]
pub struct SvfBank<const N: usize> {
    /// `a1` of each section.
    a1: [f32; N],
    /// `a2` of each section.
    a2: [f32; N],
    /// `a3` of each section.
    a3: [f32; N],
    /// Input weight of each section.
    m0: [f32; N],
    /// Band weight of each section.
    m1: [f32; N],
    /// Low weight of each section.
    m2: [f32; N],
    /// First integrator memories.
    ic1: [f32; N],
    /// Second integrator memories.
    ic2: [f32; N],
}

impl<const N: usize> Default for SvfBank<N> {
    fn default() -> Self {
        let c = SvfCoefficients::identity();
        Self {
            a1: [c.a1; N],
            a2: [c.a2; N],
            a3: [c.a3; N],
            m0: [c.m0; N],
            m1: [c.m1; N],
            m2: [c.m2; N],
            ic1: [0.0; N],
            ic2: [0.0; N],
        }
    }
}

impl<const N: usize> SvfBank<N> {
    /// Sets the coefficients of section `i` (its memories are kept).
    pub fn set(&mut self, i: usize, c: &SvfCoefficients) {
        self.a1[i] = c.a1;
        self.a2[i] = c.a2;
        self.a3[i] = c.a3;
        self.m0[i] = c.m0;
        self.m1[i] = c.m1;
        self.m2[i] = c.m2;
    }

    /// Clears every memory.
    pub fn reset(&mut self) {
        self.ic1 = [0.0; N];
        self.ic2 = [0.0; N];
    }

    /// Filters one sample per section in place; same arithmetic as [`SvfState::process`].
    #[inline(always)]
    // Indexing eight parallel arrays by one counter is the point (it vectorises).
    #[allow(clippy::needless_range_loop)]
    pub fn process(&mut self, x: &mut [f32; N]) {
        for i in 0..N {
            let v3 = x[i] - self.ic2[i];
            let v1 = self.a1[i] * self.ic1[i] + self.a2[i] * v3;
            let v2 = self.ic2[i] + self.a2[i] * self.ic1[i] + self.a3[i] * v3;
            self.ic1[i] = flush(2.0 * v1 - self.ic1[i]);
            self.ic2[i] = flush(2.0 * v2 - self.ic2[i]);
            x[i] = self.m0[i] * x[i] + self.m1[i] * v1 + self.m2[i] * v2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Magnitude of a section at `freq` measured from its impulse response (f64 DFT bin).
    fn measured_db(c: &SvfCoefficients, freq: f64, fs: f64) -> f64 {
        let mut s = SvfState::default();
        let n = 1 << 15;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for i in 0..n {
            let y = s.process(c, if i == 0 { 1.0 } else { 0.0 }) as f64;
            let w = -2.0 * PI * freq * i as f64 / fs;
            re += y * w.cos();
            im += y * w.sin();
        }
        10.0 * (re * re + im * im).log10()
    }

    /// RBJ cookbook shelf (Q = 1/√2) evaluated analytically from its direct-form coefficients:
    /// an independent formula for the same bilinear shelf.
    fn rbj_shelf_db(low: bool, f0: f64, gain_db: f64, freq: f64, fs: f64) -> f64 {
        let a = 10f64.powf(gain_db / 40.0);
        let w0 = 2.0 * PI * f0 / fs;
        let alpha = w0.sin() / 2.0 * std::f64::consts::SQRT_2;
        let c = w0.cos();
        let sa = 2.0 * a.sqrt() * alpha;
        let (b, den) = if low {
            (
                [
                    a * ((a + 1.0) - (a - 1.0) * c + sa),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * c),
                    a * ((a + 1.0) - (a - 1.0) * c - sa),
                ],
                [
                    (a + 1.0) + (a - 1.0) * c + sa,
                    -2.0 * ((a - 1.0) + (a + 1.0) * c),
                    (a + 1.0) + (a - 1.0) * c - sa,
                ],
            )
        } else {
            (
                [
                    a * ((a + 1.0) + (a - 1.0) * c + sa),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * c),
                    a * ((a + 1.0) + (a - 1.0) * c - sa),
                ],
                [
                    (a + 1.0) - (a - 1.0) * c + sa,
                    2.0 * ((a - 1.0) - (a + 1.0) * c),
                    (a + 1.0) - (a - 1.0) * c - sa,
                ],
            )
        };
        let w = 2.0 * PI * freq / fs;
        let eval = |p: [f64; 3]| {
            let re = p[0] + p[1] * w.cos() + p[2] * (2.0 * w).cos();
            let im = -p[1] * w.sin() - p[2] * (2.0 * w).sin();
            re * re + im * im
        };
        10.0 * (eval(b) / eval(den)).log10()
    }

    #[test]
    fn shelves_match_rbj_cookbook() {
        let fs = 48_000.0;
        for &(low, f0, gain) in &[
            (true, 250.0, -6.0),
            (true, 500.0, 9.0),
            (false, 4000.0, -12.0),
            (false, 6000.0, -0.5),
        ] {
            let c = if low {
                SvfCoefficients::low_shelf(f0, gain, fs)
            } else {
                SvfCoefficients::high_shelf(f0, gain, fs)
            };
            for &f in &[
                30.0, 100.0, 250.0, 1000.0, 3000.0, 6000.0, 12_000.0, 20_000.0,
            ] {
                let m = measured_db(&c, f, fs);
                let r = rbj_shelf_db(low, f0, gain, f, fs);
                assert!(
                    (m - r).abs() < 0.01,
                    "low={low} f0={f0} g={gain} at {f} Hz: {m} vs {r}"
                );
            }
        }
    }

    #[test]
    fn butterworth_sections_are_3db_at_cutoff() {
        let fs = 44_100.0;
        let lp = SvfCoefficients::lowpass(1000.0, fs);
        let hp = SvfCoefficients::highpass(1000.0, fs);
        assert!((measured_db(&lp, 1000.0, fs) + 3.0103).abs() < 0.01);
        assert!((measured_db(&hp, 1000.0, fs) + 3.0103).abs() < 0.01);
        assert!(measured_db(&lp, 100.0, fs).abs() < 0.01);
        assert!(measured_db(&hp, 10_000.0, fs).abs() < 0.01);
    }

    #[test]
    fn bank_matches_single_sections() {
        let cs = [
            SvfCoefficients::low_shelf(300.0, -6.0, 48_000.0),
            SvfCoefficients::high_shelf(3000.0, -3.0, 48_000.0),
        ];
        let mut bank = SvfBank::<2>::default();
        bank.set(0, &cs[0]);
        bank.set(1, &cs[1]);
        let mut singles = [SvfState::default(); 2];
        for i in 0..500 {
            let x = ((i * 7919) % 1000) as f32 / 500.0 - 1.0;
            let mut v = [x, -x];
            bank.process(&mut v);
            assert_eq!(v[0], singles[0].process(&cs[0], x));
            assert_eq!(v[1], singles[1].process(&cs[1], -x));
        }
    }

    #[test]
    fn flat_shelf_is_bit_transparent() {
        let c = SvfCoefficients::low_shelf(300.0, 0.0, 48_000.0);
        let h = SvfCoefficients::high_shelf(3000.0, 0.0, 48_000.0);
        let (mut s1, mut s2) = (SvfState::default(), SvfState::default());
        for i in 0..1000 {
            let x = ((i * 7919) % 1000) as f32 / 500.0 - 1.0;
            assert_eq!(s2.process(&h, s1.process(&c, x)), x);
        }
    }
}
