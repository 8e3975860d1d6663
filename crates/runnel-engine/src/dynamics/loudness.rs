//! BS.1770 loudness for the AGC: the K-weighting pre-filter (a +4 dB high shelf near 1.7 kHz
//! and a 38 Hz high-pass, ITU-R BS.1770-4 Annex 1) built from the engine's one SVF, and the
//! momentary loudness (400 ms rectangular window, updated every 100 ms as the standard's 75 %
//! overlap) of a stereo pair.

use crate::core::svf::{SvfCoefficients, SvfState};

/// The shelf's corner, Q and gain, and the exponent of its band gain, in the analog
/// decomposition of BS.1770's 48 kHz coefficients (as libebur128 re-derives them for any rate):
/// `H(S) = (Vh·S² + (Vb/Q)·S + 1) / (S² + S/Q + 1)` with `Vh = 10^(dB/20)`, `Vb = Vh^exponent`.
/// This is not the cookbook shelf (whose band term is `2·√A`): designing the cookbook shelf from
/// these figures reads a 1 kHz tone 0.25 dB low.
const SHELF_HZ: f64 = 1_681.974_450_955_533;
/// The shelf's Q.
const SHELF_Q: f64 = 0.707_175_236_955_419_6;
/// The shelf's gain in dB.
const SHELF_DB: f64 = 3.999_843_853_973_347;
/// `Vb = Vh^SHELF_BAND_EXPONENT`.
const SHELF_BAND_EXPONENT: f64 = 0.499_666_774_154_541_6;
/// The high-pass's corner.
const HIGH_PASS_HZ: f64 = 38.135_470_876_024_44;
/// The high-pass's Q.
const HIGH_PASS_Q: f64 = 0.500_327_037_323_877_3;
/// Hops (100 ms each) in the momentary window.
const HOPS: usize = 4;
/// BS.1770's offset between the weighted mean square in dB and LUFS.
const LUFS_OFFSET: f64 = -0.691;

/// K-weighting and the sliding momentary loudness of a stereo signal.
#[derive(Debug, Clone, Default)]
pub struct MomentaryLoudness {
    /// Stage 1 (high shelf).
    shelf: SvfCoefficients<f64>,
    /// Stage 2 (high-pass).
    high_pass: SvfCoefficients<f64>,
    /// Stage 1 memories, both channels.
    shelf_state: SvfState<f64, 2>,
    /// Stage 2 memories, both channels.
    high_pass_state: SvfState<f64, 2>,
    /// Sum of squares of the hop being filled.
    hop_sum: f64,
    /// Samples in the hop so far.
    hop_fill: usize,
    /// Samples per hop (100 ms).
    hop_len: usize,
    /// Sums of squares of the last [`HOPS`] complete hops.
    hops: [f64; HOPS],
    /// Slot of `hops` the next complete hop goes to.
    next_hop: usize,
}

impl MomentaryLoudness {
    /// Designs the filters for `sample_rate`.
    pub fn prepare(&mut self, sample_rate: f32) {
        let rate = sample_rate as f64;
        let shelf_hz = SHELF_HZ.min(0.45 * rate);
        let high_pass_hz = HIGH_PASS_HZ.min(0.45 * rate);
        self.shelf = k_weighting_shelf(shelf_hz, rate);
        self.high_pass = k_weighting_high_pass(high_pass_hz, rate);
        self.hop_len = ((0.1 * rate).round() as usize).max(1);
        self.reset();
    }

    /// Clears the filters and the window (reads as silence).
    pub fn reset(&mut self) {
        self.shelf_state.reset();
        self.high_pass_state.reset();
        self.hop_sum = 0.0;
        self.hop_fill = 0;
        self.hops = [0.0; HOPS];
        self.next_hop = 0;
    }

    /// Adds one stereo frame; when a hop completes, returns the momentary loudness and the
    /// loudness of that last 100 ms hop alone, in LUFS.
    #[inline]
    pub fn push(&mut self, left: f32, right: f32) -> Option<(f32, f32)> {
        let shelved = self.shelf_state.tick(&self.shelf, [left as f64, right as f64]);
        let weighted = self.high_pass_state.tick(&self.high_pass, shelved);
        self.hop_sum += weighted[0] * weighted[0] + weighted[1] * weighted[1];
        self.hop_fill += 1;
        if self.hop_fill < self.hop_len {
            return None;
        }
        let hop_lufs = to_lufs(self.hop_sum / self.hop_len as f64);
        self.hops[self.next_hop] = self.hop_sum;
        self.next_hop = (self.next_hop + 1) % HOPS;
        self.hop_sum = 0.0;
        self.hop_fill = 0;
        let mean_square = self.hops.iter().sum::<f64>() / (HOPS * self.hop_len) as f64;
        Some((to_lufs(mean_square), hop_lufs))
    }
}

/// BS.1770's stage 1 on the SVF: numerator `m0·s² + (m0·k + m1)·s + (m0 + m2)` over
/// `s² + k·s + 1` equals the decomposition above with `m0 = Vh`, `m1 = (Vb − Vh)/Q`, `m2 = 1 − Vh`.
fn k_weighting_shelf(corner_hz: f64, rate: f64) -> SvfCoefficients<f64> {
    let vh = 10f64.powf(SHELF_DB / 20.0);
    let vb = vh.powf(SHELF_BAND_EXPONENT);
    let g = crate::core::svf::prewarp(corner_hz, rate);
    SvfCoefficients::from_parts(g, 1.0 / SHELF_Q, vh, (vb - vh) / SHELF_Q, 1.0 - vh)
}

/// BS.1770's stage 2: its published coefficients have the numerator `1, −2, 1` unscaled, so the
/// pass band sits `1 + K/Q + K²` (K = tan(π·f/fs)) above unity — +0.043 dB at 48 kHz, part of
/// the standard's calibration (the −0.691 offset assumes it).
fn k_weighting_high_pass(corner_hz: f64, rate: f64) -> SvfCoefficients<f64> {
    let g = crate::core::svf::prewarp(corner_hz, rate);
    let k = 1.0 / HIGH_PASS_Q;
    let gain = 1.0 + g * k + g * g;
    SvfCoefficients::from_parts(g, k, gain, -k * gain, -gain)
}

/// LUFS of a K-weighted mean square summed over the channels.
fn to_lufs(mean_square: f64) -> f32 {
    (LUFS_OFFSET + 10.0 * mean_square.max(1e-20).log10()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |H| in dB of a biquad `b0..b2 / 1, a1, a2` at `freq` Hz and `rate`.
    fn biquad_db(b: [f64; 3], a: [f64; 2], freq: f64, rate: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / rate;
        let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
        let num = (b[0] + b[1] * c1 + b[2] * c2, -(b[1] * s1 + b[2] * s2));
        let den = (1.0 + a[0] * c1 + a[1] * c2, -(a[0] * s1 + a[1] * s2));
        10.0 * ((num.0 * num.0 + num.1 * num.1) / (den.0 * den.0 + den.1 * den.1)).log10()
    }

    #[test]
    fn the_k_weighting_matches_the_standards_48_khz_coefficients_within_a_thousandth_of_a_db() {
        // ITU-R BS.1770-4, Annex 1, Tables 1 and 2.
        let stage1 = (
            [1.535_124_859_586_97, -2.691_696_189_406_38, 1.198_392_810_852_85],
            [-1.690_659_293_182_41, 0.732_480_774_215_85],
        );
        let stage2 = ([1.0, -2.0, 1.0], [-1.990_047_454_833_98, 0.990_072_250_366_21]);
        let rate = 48_000.0;
        let (shelf, high_pass) =
            (k_weighting_shelf(SHELF_HZ, rate), k_weighting_high_pass(HIGH_PASS_HZ, rate));
        for freq in [20.0, 38.0, 100.0, 500.0, 997.0, 1000.0, 1682.0, 4000.0, 10_000.0, 20_000.0] {
            let t = (std::f64::consts::PI * freq / rate).tan();
            let ours = 10.0 * (shelf.magnitude_squared(t) * high_pass.magnitude_squared(t)).log10();
            let standard =
                biquad_db(stage1.0, stage1.1, freq, rate) + biquad_db(stage2.0, stage2.1, freq, rate);
            assert!(
                (ours - standard).abs() < 1e-3,
                "{freq} Hz: {ours:.5} dB vs the standard's {standard:.5} dB"
            );
        }
    }

    #[test]
    fn a_stereo_1_khz_sine_at_minus_23_dbfs_reads_minus_23_lufs() {
        for rate in [44_100.0f32, 48_000.0, 96_000.0] {
            let mut meter = MomentaryLoudness::default();
            meter.prepare(rate);
            let amplitude = 10f32.powf(-23.0 / 20.0);
            let mut last = None;
            for n in 0..rate as usize {
                let x = amplitude * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / rate).sin();
                last = meter.push(x, x).map(|(momentary, _)| momentary).or(last);
            }
            let momentary = last.expect("a full window after 1 s");
            // 96 kHz reads 0.01 dB lower: the shelf re-derived for that rate warps less at 1 kHz.
            assert!((momentary + 23.0).abs() < 0.02, "{rate} Hz: {momentary} LUFS");
        }
    }
}
