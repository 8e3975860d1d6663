//! Stateless coefficient design for the filter stage.
//!
//! Everything here is a pure function of (frequency, Q, gain, sample rate): no audio state, no
//! allocation. The stateful sections in [`super::svf`] consume these coefficients, and
//! [`super::Filter::magnitude_response_db`] evaluates the very same coefficients analytically, so
//! what the editor draws is by construction what the audio path does.
//!
//! # The prototype and the transform
//! Every band is an analog prototype in the normalised variable `s` (corner at `s = j`),
//! discretised with the bilinear transform prewarped at the band's frequency:
//! `s = (1/g)·(z − 1)/(z + 1)` with `g = tan(π·f/fs)`. At `z = e^{jω}` this gives
//! `s = j·tan(ω/2)/g`, which is how [`SvfCoefficients::magnitude_squared`] evaluates a response
//! with one `tan` and no complex exponentials.
//!
//! The second-order prototype `H(s) = (m0·s² + (m0·k + m1)·s + m0 + m2) / (s² + k·s + 1)` is what
//! a trapezoidal (TPT) state-variable filter with outputs `v0` (input), `v1` (band) and `v2`
//! (low) mixed as `m0·v0 + m1·v1 + m2·v2` realises. Choosing `(g, k, m0, m1, m2)` reproduces the
//! Butterworth sections of `scipy.signal.butter` and every biquad of Robert Bristow-Johnson's
//! "Audio EQ Cookbook" (which are themselves bilinear transforms prewarped at `f0`) exactly.

use std::f64::consts::PI;

/// Highest design frequency as a fraction of the sample rate. `tan(π·f/fs)` grows without bound
/// at Nyquist; 0.49·fs keeps `g` finite (≈ 32) while leaving every setting inside 20 Hz–20 kHz
/// untouched at 44.1 kHz and above. At lower sample rates (8–32 kHz) higher settings are pinned
/// here.
pub const MAX_FREQUENCY_RATIO: f64 = 0.49;

/// Lowest design frequency in Hz, so `g` stays strictly positive even for nonsense input.
pub const MIN_DESIGN_HZ: f64 = 1.0;

/// Maximum number of second-order sections in one high/low-pass cascade (Butterworth order 8).
pub const MAX_SECTIONS: usize = 4;

/// Highest Butterworth order a [`PassDesign`] supports.
pub const MAX_BUTTERWORTH_ORDER: usize = 2 * MAX_SECTIONS;

/// Which side of the cutoff a high/low-pass design keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassKind {
    /// Removes content below the cutoff.
    HighPass,
    /// Removes content above the cutoff.
    LowPass,
}

/// The shape of a single-section "tone" band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToneShape {
    /// RBJ low shelf: `gain_db` below `freq`, 0 dB above, `gain_db/2` at `freq`.
    LowShelf,
    /// RBJ high shelf: 0 dB below `freq`, `gain_db` above, `gain_db/2` at `freq`.
    HighShelf,
    /// RBJ peaking EQ: `gain_db` at `freq`, bandwidth set by Q.
    Bell,
}

/// Prewarped integrator gain `g = tan(π·f/fs)`, so that the analog prototype's corner lands
/// exactly on `freq_hz` after the bilinear transform. The frequency is clamped to
/// [`MIN_DESIGN_HZ`]..[`MAX_FREQUENCY_RATIO`]·fs.
#[inline]
pub fn prewarp(freq_hz: f64, sample_rate: f64) -> f64 {
    let freq = freq_hz.clamp(MIN_DESIGN_HZ, MAX_FREQUENCY_RATIO * sample_rate);
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

/// Damping `k = 1/Q` of section `index` (0-based) of a Butterworth filter of order `order`.
///
/// The analog Butterworth poles lie on the unit circle at angles `(2i+1)·π/(2N)` from the
/// imaginary axis; a conjugate pair at angle θ from that axis has `Q = 1/(2·sin θ)`, so
/// `k = 2·sin((2i+1)·π/(2N))` for `i = 0..N/2`. Odd orders add one real pole (a one-pole section).
#[inline]
pub fn butterworth_damping(order: usize, index: usize) -> f64 {
    2.0 * ((2 * index + 1) as f64 * PI / (2 * order) as f64).sin()
}

/// [`butterworth_damping`] tabulated for orders 0..=8 (row = order, column = section), so the
/// per-update redesign while a cutoff moves costs one `tan` and no `sin`. Checked against the
/// formula by a unit test.
const BUTTERWORTH_DAMPING: [[f64; MAX_SECTIONS]; MAX_BUTTERWORTH_ORDER + 1] = [
    [0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0],
    [std::f64::consts::SQRT_2, 0.0, 0.0, 0.0],
    [0.9999999999999999, 0.0, 0.0, 0.0],
    [0.7653668647301796, 1.8477590650225735, 0.0, 0.0],
    [0.6180339887498948, 1.618033988749895, 0.0, 0.0],
    [0.5176380902050415, std::f64::consts::SQRT_2, 1.9318516525781366, 0.0],
    [0.4450418679126288, 1.246979603717467, 1.8019377358048383, 0.0],
    [0.3901806440322565, 1.1111404660392044, 1.6629392246050905, 1.9615705608064609],
];

/// `10^(gain_db/40)`: the cookbook's `A`, the square root of the linear gain.
#[inline]
pub fn cookbook_amplitude(gain_db: f64) -> f64 {
    (gain_db * (std::f64::consts::LOG2_10 / 40.0)).exp2()
}

/// Coefficients of one trapezoidal state-variable section and its output mix.
///
/// The recursion (Zavalishin's TPT SVF in Andrew Simper's solved form) needs `a1..a3`; the mix
/// `m0..m2` chooses the response. Keeping `g` and `k` lets the response be evaluated analytically.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfCoefficients {
    /// Prewarped integrator gain of this section (may be scaled by √A for shelves).
    pub g: f64,
    /// Damping, `1/Q` of the section's poles.
    pub k: f64,
    /// `1 / (1 + g·(g + k))`: the solved zero-delay feedback loop.
    pub a1: f64,
    /// `g·a1`.
    pub a2: f64,
    /// `g·a2`.
    pub a3: f64,
    /// Weight of the section's input in its output.
    pub m0: f64,
    /// Weight of the band-pass state output (`v1`, unity-`k`-less band-pass).
    pub m1: f64,
    /// Weight of the low-pass state output (`v2`).
    pub m2: f64,
}

impl Default for SvfCoefficients {
    /// An identity section (output = input) with harmless poles.
    fn default() -> Self {
        Self::from_parts(0.1, std::f64::consts::SQRT_2, 1.0, 0.0, 0.0)
    }
}

impl SvfCoefficients {
    /// Builds a section from its integrator gain, damping and output mix.
    #[inline]
    pub fn from_parts(g: f64, k: f64, m0: f64, m1: f64, m2: f64) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Self { g, k, a1, a2, a3, m0, m1, m2 }
    }

    /// Second-order low-pass `1/(s² + s/Q + 1)` (RBJ LPF).
    #[inline]
    pub fn lowpass(freq_hz: f64, q: f64, sample_rate: f64) -> Self {
        Self::from_parts(prewarp(freq_hz, sample_rate), 1.0 / q, 0.0, 0.0, 1.0)
    }

    /// Second-order high-pass `s²/(s² + s/Q + 1)` (RBJ HPF).
    #[inline]
    pub fn highpass(freq_hz: f64, q: f64, sample_rate: f64) -> Self {
        let k = 1.0 / q;
        Self::from_parts(prewarp(freq_hz, sample_rate), k, 1.0, -k, -1.0)
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

    /// Shelves and bells, each exactly the corresponding RBJ cookbook biquad.
    #[inline]
    pub fn tone(shape: ToneShape, freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let amplitude = cookbook_amplitude(gain_db);
        let g = prewarp(freq_hz, sample_rate);
        match shape {
            // (s² + (A/Q)s + 1)/(s² + s/(A·Q) + 1): the poles' damping carries 1/A so that cut
            // and boost of the same Q are exact inverses.
            ToneShape::Bell => {
                let k = 1.0 / (q * amplitude);
                Self::from_parts(g, k, 1.0, k * (amplitude * amplitude - 1.0), 0.0)
            }
            // A·(s² + (√A/Q)s + A)/(A·s² + (√A/Q)s + 1): poles at √A lower frequency, hence g/√A.
            ToneShape::LowShelf => {
                let k = 1.0 / q;
                Self::from_parts(
                    g / amplitude.sqrt(),
                    k,
                    1.0,
                    k * (amplitude - 1.0),
                    amplitude * amplitude - 1.0,
                )
            }
            // A·(A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A): poles at √A higher frequency.
            ToneShape::HighShelf => {
                let k = 1.0 / q;
                Self::from_parts(
                    g * amplitude.sqrt(),
                    k,
                    amplitude * amplitude,
                    k * (1.0 - amplitude) * amplitude,
                    1.0 - amplitude * amplitude,
                )
            }
        }
    }

    /// `|H|²` at the digital frequency whose [`response_tan`] is `tan_half_omega`.
    #[inline]
    pub fn magnitude_squared(&self, tan_half_omega: f64) -> f64 {
        let x = tan_half_omega / self.g;
        let x2 = x * x;
        let num_re = self.m0 * (1.0 - x2) + self.m2;
        let num_im = (self.m0 * self.k + self.m1) * x;
        let den_re = 1.0 - x2;
        let den_im = self.k * x;
        (num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im)
    }
}

/// Coefficients of a trapezoidal one-pole section (the real pole of odd Butterworth orders).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnePoleCoefficients {
    /// Prewarped integrator gain `tan(π·f/fs)`.
    pub g: f64,
    /// `g/(1+g)`: the solved zero-delay feedback loop.
    pub g_ratio: f64,
    /// High-pass (`s/(s+1)`) instead of low-pass (`1/(s+1)`).
    pub highpass: bool,
}

impl OnePoleCoefficients {
    /// First-order Butterworth section with its corner at `freq_hz`.
    #[inline]
    pub fn new(kind: PassKind, freq_hz: f64, sample_rate: f64) -> Self {
        let g = prewarp(freq_hz, sample_rate);
        Self { g, g_ratio: g / (1.0 + g), highpass: kind == PassKind::HighPass }
    }

    /// `|H|²` at the digital frequency whose [`response_tan`] is `tan_half_omega`.
    #[inline]
    pub fn magnitude_squared(&self, tan_half_omega: f64) -> f64 {
        let x = tan_half_omega / self.g;
        let x2 = x * x;
        if self.highpass {
            x2 / (1.0 + x2)
        } else {
            1.0 / (1.0 + x2)
        }
    }
}

/// A complete high/low-pass design: up to [`MAX_SECTIONS`] second-order sections plus an optional
/// one-pole, all sharing one prewarped cutoff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassDesign {
    /// Second-order sections; only the first `section_count` are used.
    pub sections: [SvfCoefficients; MAX_SECTIONS],
    /// Number of second-order sections in use.
    pub section_count: usize,
    /// The real pole of odd orders.
    pub one_pole: Option<OnePoleCoefficients>,
}

impl PassDesign {
    /// Butterworth of `order` (clamped to 1..=[`MAX_BUTTERWORTH_ORDER`]), `-3.01 dB` at `cutoff_hz`.
    /// Identical to `scipy.signal.butter(order, cutoff_hz, kind, fs=sample_rate)`.
    pub fn butterworth(kind: PassKind, order: usize, cutoff_hz: f64, sample_rate: f64) -> Self {
        let order = order.clamp(1, MAX_BUTTERWORTH_ORDER);
        let g = prewarp(cutoff_hz, sample_rate);
        let mut sections = [SvfCoefficients::default(); MAX_SECTIONS];
        let section_count = order / 2;
        for (section, &k) in
            sections.iter_mut().zip(&BUTTERWORTH_DAMPING[order]).take(section_count)
        {
            *section = Self::section(kind, g, k);
        }
        let one_pole = (order % 2 == 1).then(|| OnePoleCoefficients {
            g,
            g_ratio: g / (1.0 + g),
            highpass: kind == PassKind::HighPass,
        });
        Self { sections, section_count, one_pole }
    }

    /// A single resonant second-order section with quality factor `q` (RBJ LPF/HPF).
    pub fn resonant(kind: PassKind, cutoff_hz: f64, q: f64, sample_rate: f64) -> Self {
        let mut sections = [SvfCoefficients::default(); MAX_SECTIONS];
        sections[0] = Self::section(kind, prewarp(cutoff_hz, sample_rate), 1.0 / q);
        Self { sections, section_count: 1, one_pole: None }
    }

    /// One second-order high- or low-pass section.
    #[inline]
    fn section(kind: PassKind, g: f64, k: f64) -> SvfCoefficients {
        match kind {
            PassKind::HighPass => SvfCoefficients::from_parts(g, k, 1.0, -k, -1.0),
            PassKind::LowPass => SvfCoefficients::from_parts(g, k, 0.0, 0.0, 1.0),
        }
    }

    /// `|H|²` of the whole cascade at the digital frequency whose [`response_tan`] is
    /// `tan_half_omega`.
    #[inline]
    pub fn magnitude_squared(&self, tan_half_omega: f64) -> f64 {
        let mut product = self.one_pole.map_or(1.0, |p| p.magnitude_squared(tan_half_omega));
        for section in &self.sections[..self.section_count] {
            product *= section.magnitude_squared(tan_half_omega);
        }
        product
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn butterworth_damping_matches_known_q_values() {
        // Published Butterworth section Qs (e.g. order 4: 0.5412, 1.3066; order 8: 2.5629 ...).
        let q = |order, index| 1.0 / butterworth_damping(order, index);
        assert!((q(2, 0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
        assert!((q(3, 0) - 1.0).abs() < 1e-12);
        assert!((q(4, 0) - 1.306_563).abs() < 1e-6);
        assert!((q(4, 1) - 0.541_196).abs() < 1e-6);
        assert!((q(8, 0) - 2.562_915).abs() < 1e-6);
        assert!((q(8, 3) - 0.509_796).abs() < 1e-6);
    }

    #[test]
    fn damping_table_matches_formula() {
        for (order, row) in BUTTERWORTH_DAMPING.iter().enumerate().skip(1) {
            for (index, &k) in row.iter().enumerate() {
                let expected =
                    if index < order / 2 { butterworth_damping(order, index) } else { 0.0 };
                assert!((k - expected).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn cascade_equals_closed_form_butterworth() {
        // Bilinear Butterworth: |H|² = 1/(1 + x^(2N)) (low-pass), x = tan(ω/2)/tan(ωc/2).
        let fs = 48_000.0;
        for order in 1..=MAX_BUTTERWORTH_ORDER {
            for kind in [PassKind::LowPass, PassKind::HighPass] {
                let design = PassDesign::butterworth(kind, order, 1_000.0, fs);
                for freq in [20.0, 300.0, 1_000.0, 3_000.0, 19_000.0] {
                    let t = response_tan(freq, fs);
                    let x = t / prewarp(1_000.0, fs);
                    let xn = x.powi(2 * order as i32);
                    let expected = match kind {
                        PassKind::LowPass => 1.0 / (1.0 + xn),
                        PassKind::HighPass => xn / (1.0 + xn),
                    };
                    let got = design.magnitude_squared(t);
                    assert!(
                        (got / expected - 1.0).abs() < 1e-9,
                        "order {order} {kind:?} {freq} Hz: {got} vs {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn tone_bands_hit_their_gain_at_the_right_places() {
        let fs = 44_100.0;
        let db =
            |c: SvfCoefficients, f: f64| 10.0 * c.magnitude_squared(response_tan(f, fs)).log10();
        let bell = SvfCoefficients::tone(ToneShape::Bell, 1_000.0, 2.0, 9.0, fs);
        assert!((db(bell, 1_000.0) - 9.0).abs() < 1e-9);
        let low = SvfCoefficients::tone(ToneShape::LowShelf, 200.0, 0.707, -12.0, fs);
        assert!((db(low, 0.0) + 12.0).abs() < 1e-9);
        assert!((db(low, 200.0) + 6.0).abs() < 1e-9);
        let high = SvfCoefficients::tone(ToneShape::HighShelf, 5_000.0, 0.707, 12.0, fs);
        assert!((db(high, 22_050.0) - 12.0).abs() < 1e-6);
        assert!((db(high, 5_000.0) - 6.0).abs() < 1e-9);
        // Cut and boost of the same bell are exact inverses.
        let cut = SvfCoefficients::tone(ToneShape::Bell, 1_000.0, 2.0, -9.0, fs);
        for f in [100.0, 900.0, 1_000.0, 5_000.0] {
            assert!((db(bell, f) + db(cut, f)).abs() < 1e-9);
        }
    }
}
