//! The engine's one state-variable filter: a trapezoidal ("topology-preserving transform",
//! Zavalishin) SVF in Andrew Simper's solved form, used by the filter stage's bands and by the
//! reverb's wet cuts and absorption shelves.
//!
//! Coefficient design ([`SvfCoefficients`], pure functions of frequency, damping and gain,
//! always computed in `f64`) is separate from the integrator memories ([`SvfState`] for lanes
//! sharing one design, [`SvfBank`] for lanes with a design each), so a design can be shared,
//! recomputed every few samples, or evaluated analytically without touching audio state.
//!
//! The states are integrator memories, i.e. they live in the units of the band-pass and
//! low-pass outputs: changing `g` or `k` between two samples changes only how the next input is
//! integrated, never the stored signal. There is no energy hidden in coefficient-dependent state
//! (as in direct-form biquads), which is why cutoffs and gains may move every few samples, and
//! the section is stable for every `g > 0`, `k > 0`.
//!
//! # The prototype and the transform
//! The second-order prototype `H(s) = (m0·s² + (m0·k + m1)·s + m0 + m2) / (s² + k·s + 1)` is what
//! the outputs `v0` (input), `v1` (band) and `v2` (low) mixed as `m0·v0 + m1·v1 + m2·v2`
//! realise, discretised with the bilinear transform prewarped at the design frequency,
//! `s = (1/g)·(z − 1)/(z + 1)`, `g = tan(π·f/fs)`. Choosing `(g, k, m0, m1, m2)` reproduces the
//! Butterworth sections of `scipy.signal.butter` and every biquad of Robert Bristow-Johnson's
//! "Audio EQ Cookbook" exactly.
//!
//! # Frequency clamp (the one rule)
//! Every design frequency goes through [`prewarp`], which clamps `f/fs` to
//! [`MIN_CUTOFF_RATIO`]..=[`MAX_CUTOFF_RATIO`] (1e-6 … 0.49). `tan(π·f/fs)` runs away at
//! Nyquist; at 0.49·fs it is ≈ 32, finite and well conditioned, and every setting inside
//! 20 Hz–20 kHz is untouched at 44.1 kHz and above. The clamp is a ratio, so it never inverts
//! (`min > max`) at any positive sample rate.

use std::f64::consts::PI;

use super::sample::Sample;

/// Highest design frequency as a fraction of the sample rate (see the module docs).
pub const MAX_CUTOFF_RATIO: f64 = 0.49;

/// Lowest design frequency as a fraction of the sample rate, so `g` stays strictly positive even
/// for nonsense input (0.048 Hz at 48 kHz: far below any setting).
pub const MIN_CUTOFF_RATIO: f64 = 1e-6;

/// Damping `k = 1/Q` of a Butterworth (maximally flat) second-order section, which is also the
/// steepest shelf without overshoot.
pub const BUTTERWORTH_K: f64 = std::f64::consts::SQRT_2;

/// Prewarped integrator gain `g = tan(π·f/fs)`, so that the analog prototype's corner lands
/// exactly on `freq_hz` after the bilinear transform; `f/fs` is clamped to
/// [`MIN_CUTOFF_RATIO`]..=[`MAX_CUTOFF_RATIO`].
#[inline]
pub fn prewarp(freq_hz: f64, sample_rate: f64) -> f64 {
    let freq = freq_hz.clamp(MIN_CUTOFF_RATIO * sample_rate, MAX_CUTOFF_RATIO * sample_rate);
    (PI * freq / sample_rate).tan()
}

/// `tan(π·f/fs)` for response evaluation: the digital frequency mapped onto the analog axis.
/// Frequencies at or above Nyquist evaluate the limit at Nyquist (where the bilinear transform
/// puts analog infinity); negative ones evaluate DC.
#[inline]
pub fn response_tan(freq_hz: f64, sample_rate: f64) -> f64 {
    let ratio = (freq_hz / sample_rate).clamp(0.0, 0.5);
    (PI * ratio).tan()
}

/// `10^(gain_db/40)`: the cookbook's `A`, the square root of the linear gain.
#[inline]
pub fn cookbook_amplitude(gain_db: f64) -> f64 {
    (gain_db * (std::f64::consts::LOG2_10 / 40.0)).exp2()
}

/// Coefficients of one section and its output mix, the recursion's in sample type `T`.
///
/// The recursion needs `a1..a3`; the mix `m0..m2` chooses the response. `g` and `k` are kept in
/// `f64` so the response can be evaluated analytically ([`magnitude_squared`]).
///
/// [`magnitude_squared`]: Self::magnitude_squared
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfCoefficients<T> {
    /// Prewarped integrator gain of this section (scaled by √A for shelves).
    pub g: f64,
    /// Damping, `1/Q` of the section's poles.
    pub k: f64,
    /// `1 / (1 + g·(g + k))`: the solved zero-delay feedback loop.
    pub a1: T,
    /// `g·a1`.
    pub a2: T,
    /// `g·a2`.
    pub a3: T,
    /// Weight of the section's input in its output.
    pub m0: T,
    /// Weight of the band-pass output (`v1`).
    pub m1: T,
    /// Weight of the low-pass output (`v2`).
    pub m2: T,
}

impl<T: Sample> Default for SvfCoefficients<T> {
    /// The identity section.
    fn default() -> Self {
        Self::identity()
    }
}

impl<T: Sample> SvfCoefficients<T> {
    /// A section whose output is exactly its input (the states still run, harmlessly).
    pub fn identity() -> Self {
        Self::from_parts(0.1, BUTTERWORTH_K, 1.0, 0.0, 0.0)
    }

    /// Builds a section from its integrator gain, damping and output mix (solved in `f64`).
    #[inline]
    pub fn from_parts(g: f64, k: f64, m0: f64, m1: f64, m2: f64) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Self {
            g,
            k,
            a1: T::from_f64(a1),
            a2: T::from_f64(a2),
            a3: T::from_f64(a3),
            m0: T::from_f64(m0),
            m1: T::from_f64(m1),
            m2: T::from_f64(m2),
        }
    }

    /// Low-pass `1/(s² + k·s + 1)` from a prewarped `g`.
    #[inline]
    pub fn lowpass_prewarped(g: f64, k: f64) -> Self {
        Self::from_parts(g, k, 0.0, 0.0, 1.0)
    }

    /// High-pass `s²/(s² + k·s + 1)` from a prewarped `g`: `x − k·band − low`.
    #[inline]
    pub fn highpass_prewarped(g: f64, k: f64) -> Self {
        Self::from_parts(g, k, 1.0, -k, -1.0)
    }

    /// Band-pass with 0 dB peak `(s/Q)/(s² + s/Q + 1)` (RBJ BPF, constant 0 dB peak gain).
    #[inline]
    pub fn bandpass(freq_hz: f64, q: f64, sample_rate: f64) -> Self {
        let k = 1.0 / q;
        Self::from_parts(prewarp(freq_hz, sample_rate), k, 0.0, k, 0.0)
    }

    /// Notch `(s² + 1)/(s² + s/Q + 1)` (RBJ notch).
    #[inline]
    pub fn notch(freq_hz: f64, q: f64, sample_rate: f64) -> Self {
        let k = 1.0 / q;
        Self::from_parts(prewarp(freq_hz, sample_rate), k, 1.0, -k, 0.0)
    }

    /// RBJ peaking EQ `(s² + (A/Q)s + 1)/(s² + s/(A·Q) + 1)`, `A` = [`cookbook_amplitude`]: the
    /// poles' damping carries 1/A so that cut and boost of the same Q are exact inverses.
    #[inline]
    pub fn bell(freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let amplitude = cookbook_amplitude(gain_db);
        let k = 1.0 / (q * amplitude);
        let g = prewarp(freq_hz, sample_rate);
        Self::from_parts(g, k, 1.0, k * (amplitude * amplitude - 1.0), 0.0)
    }

    /// RBJ low shelf `A·(s² + (√A/Q)s + A)/(A·s² + (√A/Q)s + 1)` from the prewarped corner
    /// `g`, damping `k = 1/Q` and `A`: the poles sit √A lower, hence `g/√A`. `gain_db/2` at the
    /// corner; `A == 1` gives `m1 = m2 = 0` exactly, so a flat shelf is bit-transparent.
    #[inline]
    pub fn low_shelf_prewarped(g: f64, k: f64, amplitude: f64) -> Self {
        Self::from_parts(g / amplitude.sqrt(), k, 1.0, k * (amplitude - 1.0), amplitude * amplitude - 1.0)
    }

    /// RBJ high shelf `A·(A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A)` from the prewarped corner:
    /// poles √A higher, hence `g·√A`. Flat (bit-transparent) at `A == 1`.
    #[inline]
    pub fn high_shelf_prewarped(g: f64, k: f64, amplitude: f64) -> Self {
        Self::from_parts(
            g * amplitude.sqrt(),
            k,
            amplitude * amplitude,
            k * (1.0 - amplitude) * amplitude,
            1.0 - amplitude * amplitude,
        )
    }

    /// [`low_shelf_prewarped`](Self::low_shelf_prewarped) at `freq_hz` with quality `q`.
    #[inline]
    pub fn low_shelf(freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let g = prewarp(freq_hz, sample_rate);
        Self::low_shelf_prewarped(g, 1.0 / q, cookbook_amplitude(gain_db))
    }

    /// [`high_shelf_prewarped`](Self::high_shelf_prewarped) at `freq_hz` with quality `q`.
    #[inline]
    pub fn high_shelf(freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let g = prewarp(freq_hz, sample_rate);
        Self::high_shelf_prewarped(g, 1.0 / q, cookbook_amplitude(gain_db))
    }

    /// `|H|²` at the digital frequency whose [`response_tan`] is `tan_half_omega`.
    #[inline]
    pub fn magnitude_squared(&self, tan_half_omega: f64) -> f64 {
        let (m0, m1, m2) = (self.m0.to_f64(), self.m1.to_f64(), self.m2.to_f64());
        let x = tan_half_omega / self.g;
        let x2 = x * x;
        let num_re = m0 * (1.0 - x2) + m2;
        let num_im = (m0 * self.k + m1) * x;
        let den_re = 1.0 - x2;
        let den_im = self.k * x;
        (num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im)
    }
}

/// One step of the solved two-integrator loop for one lane: returns the band-pass (`v1`) and
/// low-pass (`v2`) outputs and updates the memories (flushed, so a decaying tail never goes
/// subnormal). The single place the SVF arithmetic is written.
#[inline(always)]
fn integrate<T: Sample>(ic1: &mut T, ic2: &mut T, a1: T, a2: T, a3: T, x: T) -> (T, T) {
    let v3 = x - *ic2;
    let v1 = a1 * *ic1 + a2 * v3;
    let v2 = *ic2 + a2 * *ic1 + a3 * v3;
    *ic1 = (v1 + v1 - *ic1).flush();
    *ic2 = (v2 + v2 - *ic2).flush();
    (v1, v2)
}

/// The integrator memories of `N` lanes (e.g. left and right) running one shared design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfState<T, const N: usize> {
    /// Memory of the first (band-pass) integrator, per lane.
    ic1: [T; N],
    /// Memory of the second (low-pass) integrator, per lane.
    ic2: [T; N],
}

impl<T: Sample, const N: usize> Default for SvfState<T, N> {
    fn default() -> Self {
        Self { ic1: [T::ZERO; N], ic2: [T::ZERO; N] }
    }
}

impl<T: Sample, const N: usize> SvfState<T, N> {
    /// Clears the integrators.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The integrator memories `[ic1, ic2]`, for a block loop that keeps them in local
    /// variables.
    #[inline]
    pub fn memories(&self) -> [[T; N]; 2] {
        [self.ic1, self.ic2]
    }

    /// Memories from [`memories`](Self::memories), flushed (so a decaying tail stored between
    /// blocks never goes subnormal, as with [`tick`](Self::tick)).
    #[inline]
    pub fn from_memories(memories: [[T; N]; 2]) -> Self {
        Self { ic1: memories[0].map(T::flush), ic2: memories[1].map(T::flush) }
    }

    /// Advances one frame and returns the band-pass (`v1`) and low-pass (`v2`) outputs, for
    /// callers that mix them themselves.
    #[inline(always)]
    // Indexing the parallel lane arrays by one counter is the form that vectorises.
    #[allow(clippy::needless_range_loop)]
    pub fn tick_outputs(&mut self, c: &SvfCoefficients<T>, input: [T; N]) -> ([T; N], [T; N]) {
        let mut band = [T::ZERO; N];
        let mut low = [T::ZERO; N];
        for lane in 0..N {
            let (v1, v2) = integrate(&mut self.ic1[lane], &mut self.ic2[lane], c.a1, c.a2, c.a3, input[lane]);
            band[lane] = v1;
            low[lane] = v2;
        }
        (band, low)
    }

    /// Advances one frame and returns `m0·input + m1·band + m2·low`.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    pub fn tick(&mut self, c: &SvfCoefficients<T>, input: [T; N]) -> [T; N] {
        let (band, low) = self.tick_outputs(c, input);
        let mut out = [T::ZERO; N];
        for lane in 0..N {
            out[lane] = c.m0 * input[lane] + c.m1 * band[lane] + c.m2 * low[lane];
        }
        out
    }
}

/// `N` independent sections, each with its own design, stored as structure-of-arrays so the
/// per-sample loop over sections compiles to SIMD (the reverb's 16 absorption shelves).
#[derive(Debug, Clone, Copy)]
pub struct SvfBank<T, const N: usize> {
    /// `a1` of each section.
    a1: [T; N],
    /// `a2` of each section.
    a2: [T; N],
    /// `a3` of each section.
    a3: [T; N],
    /// Input weight of each section.
    m0: [T; N],
    /// Band weight of each section.
    m1: [T; N],
    /// Low weight of each section.
    m2: [T; N],
    /// The integrator memories.
    state: SvfState<T, N>,
}

impl<T: Sample, const N: usize> Default for SvfBank<T, N> {
    /// Every section the identity.
    fn default() -> Self {
        let c = SvfCoefficients::<T>::identity();
        Self {
            a1: [c.a1; N],
            a2: [c.a2; N],
            a3: [c.a3; N],
            m0: [c.m0; N],
            m1: [c.m1; N],
            m2: [c.m2; N],
            state: SvfState::default(),
        }
    }
}

impl<T: Sample, const N: usize> SvfBank<T, N> {
    /// Sets the coefficients of section `i` (its memories are kept).
    pub fn set(&mut self, i: usize, c: &SvfCoefficients<T>) {
        self.a1[i] = c.a1;
        self.a2[i] = c.a2;
        self.a3[i] = c.a3;
        self.m0[i] = c.m0;
        self.m1[i] = c.m1;
        self.m2[i] = c.m2;
    }

    /// Clears every memory.
    pub fn reset(&mut self) {
        self.state.reset();
    }

    /// Filters one sample per section in place; same arithmetic as [`SvfState::tick`].
    #[inline(always)]
    pub fn process(&mut self, x: &mut [T; N]) {
        let s = &mut self.state;
        for (i, x) in x.iter_mut().enumerate() {
            let (band, low) = integrate(&mut s.ic1[i], &mut s.ic2[i], self.a1[i], self.a2[i], self.a3[i], *x);
            *x = self.m0[i] * *x + self.m1[i] * band + self.m2[i] * low;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Magnitude (dB) of a section at `freq`, measured from its impulse response (f64 DFT bin).
    fn measured_db(c: &SvfCoefficients<f32>, freq: f64, fs: f64) -> f64 {
        let mut s = SvfState::<f32, 1>::default();
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for i in 0..1 << 15 {
            let y = s.tick(c, [if i == 0 { 1.0 } else { 0.0 }])[0] as f64;
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
        let sign = if low { 1.0 } else { -1.0 };
        let b = [
            a * ((a + 1.0) - sign * (a - 1.0) * c + sa),
            sign * 2.0 * a * ((a - 1.0) - sign * (a + 1.0) * c),
            a * ((a + 1.0) - sign * (a - 1.0) * c - sa),
        ];
        let den = [
            (a + 1.0) + sign * (a - 1.0) * c + sa,
            -sign * 2.0 * ((a - 1.0) + sign * (a + 1.0) * c),
            (a + 1.0) + sign * (a - 1.0) * c - sa,
        ];
        let w = 2.0 * PI * freq / fs;
        let eval = |p: [f64; 3]| {
            let re = p[0] + p[1] * w.cos() + p[2] * (2.0 * w).cos();
            let im = -p[1] * w.sin() - p[2] * (2.0 * w).sin();
            re * re + im * im
        };
        10.0 * (eval(b) / eval(den)).log10()
    }

    #[test]
    fn f32_shelves_match_rbj_cookbook_and_the_analytic_response() {
        let fs = 48_000.0;
        let q = std::f64::consts::FRAC_1_SQRT_2;
        for (low, f0, gain) in
            [(true, 250.0, -6.0), (true, 500.0, 9.0), (false, 4000.0, -12.0), (false, 6000.0, -0.5)]
        {
            let c = if low {
                SvfCoefficients::<f32>::low_shelf(f0, q, gain, fs)
            } else {
                SvfCoefficients::<f32>::high_shelf(f0, q, gain, fs)
            };
            for f in [30.0, 100.0, 250.0, 1000.0, 3000.0, 6000.0, 12_000.0, 20_000.0] {
                let measured = measured_db(&c, f, fs);
                let reference = rbj_shelf_db(low, f0, gain, f, fs);
                let analytic = 10.0 * c.magnitude_squared(response_tan(f, fs)).log10();
                assert!(
                    (measured - reference).abs() < 0.01 && (analytic - reference).abs() < 1e-3,
                    "low={low} f0={f0} g={gain} at {f} Hz: {measured} / {analytic} vs {reference}"
                );
            }
        }
    }

    #[test]
    fn butterworth_sections_are_3db_at_cutoff() {
        let fs = 44_100.0;
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let g = prewarp(1000.0, fs);
        let lp = SvfCoefficients::<f32>::lowpass_prewarped(g, 1.0 / q);
        let hp = SvfCoefficients::<f32>::highpass_prewarped(g, 1.0 / q);
        assert!((measured_db(&lp, 1000.0, fs) + 3.0103).abs() < 0.01);
        assert!((measured_db(&hp, 1000.0, fs) + 3.0103).abs() < 0.01);
        assert!(measured_db(&lp, 100.0, fs).abs() < 0.01);
        assert!(measured_db(&hp, 10_000.0, fs).abs() < 0.01);
    }

    #[test]
    fn bank_matches_shared_state_lanes_bit_for_bit() {
        let cs = [
            SvfCoefficients::<f32>::low_shelf(300.0, 0.7, -6.0, 48_000.0),
            SvfCoefficients::<f32>::high_shelf(3000.0, 0.7, -3.0, 48_000.0),
        ];
        let mut bank = SvfBank::<f32, 2>::default();
        bank.set(0, &cs[0]);
        bank.set(1, &cs[1]);
        let mut singles = [SvfState::<f32, 1>::default(); 2];
        for i in 0..500 {
            let x = ((i * 7919) % 1000) as f32 / 500.0 - 1.0;
            let mut v = [x, -x];
            bank.process(&mut v);
            assert_eq!(v[0], singles[0].tick(&cs[0], [x])[0]);
            assert_eq!(v[1], singles[1].tick(&cs[1], [-x])[0]);
        }
    }

    #[test]
    fn flat_shelves_are_bit_transparent() {
        let c = SvfCoefficients::<f32>::low_shelf(300.0, 0.7, 0.0, 48_000.0);
        let h = SvfCoefficients::<f32>::high_shelf(3000.0, 0.7, 0.0, 48_000.0);
        let (mut s1, mut s2) = (SvfState::<f32, 1>::default(), SvfState::<f32, 1>::default());
        for i in 0..1000 {
            let x = ((i * 7919) % 1000) as f32 / 500.0 - 1.0;
            assert_eq!(s2.tick(&h, s1.tick(&c, [x]))[0], x);
        }
    }

    #[test]
    fn frequency_clamp_is_one_ratio_rule_at_any_sample_rate() {
        for fs in [1.0, 1000.0, 48_000.0, 1_536_000.0] {
            let ratio = |f: f64| (prewarp(f, fs).atan() / PI - f / fs).abs();
            assert!(ratio(MAX_CUTOFF_RATIO * fs) < 1e-12 && ratio(MIN_CUTOFF_RATIO * fs) < 1e-12);
            assert!((prewarp(fs, fs) - (PI * MAX_CUTOFF_RATIO).tan()).abs() < 1e-9);
            assert!((prewarp(0.0, fs) - (PI * MIN_CUTOFF_RATIO).tan()).abs() < 1e-15);
            assert!(prewarp(20_000.0, fs).is_finite());
        }
        // Untouched inside the audio band at 44.1 kHz.
        assert_eq!(prewarp(20_000.0, 44_100.0), (PI * 20_000.0 / 44_100.0).tan());
        // Above 0.49·fs every frequency designs the same (finite) section.
        assert_eq!(prewarp(21_700.0, 44_100.0), prewarp(30_000.0, 44_100.0));
    }
}
