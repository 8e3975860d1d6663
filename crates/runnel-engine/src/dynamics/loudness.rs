//! BS.1770 loudness for the AGC: the K-weighting pre-filter (a +4 dB high shelf near 1.7 kHz
//! and a 38 Hz high-pass, ITU-R BS.1770-4 Annex 1) built from the engine's one SVF, and the
//! momentary loudness (400 ms rectangular window, updated every 100 ms as the standard's 75 %
//! overlap) of a stereo pair.

use crate::core::svf::{SvfCoefficients, SvfState};

/// The shelf's corner, Q and gain as BS.1770's 48 kHz coefficients define them.
const SHELF_HZ: f64 = 1_681.974_450_955_533;
/// The shelf's Q.
const SHELF_Q: f64 = 0.707_175_236_955_419_6;
/// The shelf's gain in dB.
const SHELF_DB: f64 = 3.999_843_853_973_347;
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
        self.shelf = SvfCoefficients::high_shelf(shelf_hz, SHELF_Q, SHELF_DB, rate);
        let g = crate::core::svf::prewarp(high_pass_hz, rate);
        self.high_pass = SvfCoefficients::highpass_prewarped(g, 1.0 / HIGH_PASS_Q);
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

/// LUFS of a K-weighted mean square summed over the channels.
fn to_lufs(mean_square: f64) -> f32 {
    (LUFS_OFFSET + 10.0 * mean_square.max(1e-20).log10()) as f32
}
