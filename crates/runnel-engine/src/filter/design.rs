//! Stateless coefficient design for the filter stage's bands: Butterworth cascades and the
//! cookbook shapes, built from the engine's one SVF design ([`crate::core::svf`]).
//!
//! Everything here is a pure function of (frequency, Q, gain, sample rate): no audio state, no
//! allocation. The stateful sections in [`super::svf`] consume these coefficients, and
//! [`super::Filter::magnitude_response_db`] evaluates the very same coefficients analytically, so
//! what the editor draws is by construction what the audio path does. Every band is an analog
//! prototype discretised with the bilinear transform prewarped at the band's frequency; at
//! `z = e^{jω}` that gives `s = j·tan(ω/2)/g`, which is how `magnitude_squared` evaluates a
//! response with one `tan` and no complex exponentials.

use crate::core::one_pole::tpt_gain_prewarped;
pub(crate) use crate::core::svf::{prewarp, response_tan};

/// The coefficients of one of the filter's second-order sections (designed and run in `f64`).
pub type SvfCoefficients = crate::core::svf::SvfCoefficients<f64>;

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

/// Damping `k = 1/Q` of section `index` (0-based) of a Butterworth filter of order `order`.
///
/// The analog Butterworth poles lie on the unit circle at angles `(2i+1)·π/(2N)` from the
/// imaginary axis; a conjugate pair at angle θ from that axis has `Q = 1/(2·sin θ)`, so
/// `k = 2·sin((2i+1)·π/(2N))` for `i = 0..N/2`. Odd orders add one real pole (a one-pole section).
#[cfg(test)]
pub fn butterworth_damping(order: usize, index: usize) -> f64 {
    use std::f64::consts::PI;
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

/// Shelves and bells, each exactly the corresponding RBJ cookbook biquad.
#[inline]
pub fn tone(shape: ToneShape, freq_hz: f64, q: f64, gain_db: f64, sample_rate: f64) -> SvfCoefficients {
    match shape {
        ToneShape::Bell => SvfCoefficients::bell(freq_hz, q, gain_db, sample_rate),
        ToneShape::LowShelf => SvfCoefficients::low_shelf(freq_hz, q, gain_db, sample_rate),
        ToneShape::HighShelf => SvfCoefficients::high_shelf(freq_hz, q, gain_db, sample_rate),
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
        for (section, &k) in sections.iter_mut().zip(&BUTTERWORTH_DAMPING[order]).take(section_count) {
            *section = Self::section(kind, g, k);
        }
        let one_pole = (order % 2 == 1).then(|| OnePoleCoefficients {
            g,
            g_ratio: tpt_gain_prewarped(g),
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
            PassKind::HighPass => SvfCoefficients::highpass_prewarped(g, k),
            PassKind::LowPass => SvfCoefficients::lowpass_prewarped(g, k),
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
                let expected = if index < order / 2 { butterworth_damping(order, index) } else { 0.0 };
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
        let db = |c: SvfCoefficients, f: f64| 10.0 * c.magnitude_squared(response_tan(f, fs)).log10();
        let bell = tone(ToneShape::Bell, 1_000.0, 2.0, 9.0, fs);
        assert!((db(bell, 1_000.0) - 9.0).abs() < 1e-9);
        let low = tone(ToneShape::LowShelf, 200.0, 0.707, -12.0, fs);
        assert!((db(low, 0.0) + 12.0).abs() < 1e-9);
        assert!((db(low, 200.0) + 6.0).abs() < 1e-9);
        let high = tone(ToneShape::HighShelf, 5_000.0, 0.707, 12.0, fs);
        assert!((db(high, 22_050.0) - 12.0).abs() < 1e-6);
        assert!((db(high, 5_000.0) - 6.0).abs() < 1e-9);
        // Cut and boost of the same bell are exact inverses.
        let cut = tone(ToneShape::Bell, 1_000.0, 2.0, -9.0, fs);
        for f in [100.0, 900.0, 1_000.0, 5_000.0] {
            assert!((db(bell, f) + db(cut, f)).abs() < 1e-9);
        }
    }
}
