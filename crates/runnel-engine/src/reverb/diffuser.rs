//! Input diffusion: a chain of Schroeder all-passes per channel.
//!
//! An impulse entering the delay network directly would come out of each line as one click per
//! trip, and it takes several trips before the echoes overlap into a smooth tail. Smearing the
//! input first, with all-passes (flat magnitude, so the reverb's tone is untouched), turns each
//! click into a dense burst, so the tail is dense from its first trip. Lengths are fixed in
//! milliseconds and differ between channels (decorrelation); they do not follow Size, so nothing
//! here ever needs a crossfade.

use crate::core::ring::Ring;
use crate::denormal::flush;

/// Stage lengths (ms) and feedback gains of the left chain. Lengths are spread over ~2 octaves
/// and not multiples of one another.
///
/// Short on purpose: an all-pass rings with its own decay (`60 dB / (20·log10(1/g))` × length,
/// 71 ms for the longest stage here), and the reverb's output is the network's response
/// convolved with this chain. A chain ringing for 200 ms (Dattorro-like 10–13 ms stages) bends
/// the start of a 0.3 s decay and lengthens its T30 by ~7 %; at these lengths the error stays
/// within the measurement's own noise while the burst is still dense.
pub const LEFT_STAGES: [(f32, f32); 4] = [(1.53, 0.65), (2.39, 0.65), (3.71, 0.60), (5.27, 0.60)];

/// Stage lengths (ms) and gains of the right chain: the left lengths detuned by a few percent.
pub const RIGHT_STAGES: [(f32, f32); 4] = [(1.61, 0.65), (2.27, 0.65), (3.89, 0.60), (5.03, 0.60)];

/// One Schroeder all-pass, `H(z) = (−g + z⁻ᴰ) / (1 − g·z⁻ᴰ)`.
#[derive(Debug, Clone, Default)]
pub struct SchroederAllpass {
    /// The internal signal `w[n] = x[n] + g·w[n−D]`.
    line: Ring,
    /// The delay `D` in samples (≥ 1).
    delay: usize,
    /// Feedback gain `g`, |g| < 1.
    gain: f32,
}

impl SchroederAllpass {
    /// Allocates a stage of `delay` samples (≥ 1) with gain `gain`.
    pub fn prepare(&mut self, delay: usize, gain: f32) {
        self.delay = delay.max(1);
        self.line.allocate(self.delay, 0);
        self.gain = gain;
    }

    /// Clears the memory.
    pub fn reset(&mut self) {
        self.line.clear();
    }

    /// Filters one sample.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let delayed = self.line.at(self.delay);
        let w = flush(x + self.gain * delayed);
        self.line.push(w);
        delayed - self.gain * w
    }
}

/// A chain of all-passes for one channel.
#[derive(Debug, Clone, Default)]
pub struct Diffuser {
    /// The stages, in signal order.
    stages: [SchroederAllpass; 4],
}

impl Diffuser {
    /// Allocates the chain for `sample_rate` from a `(ms, gain)` table.
    pub fn prepare(&mut self, sample_rate: f32, table: &[(f32, f32); 4]) {
        for (stage, &(ms, gain)) in self.stages.iter_mut().zip(table.iter()) {
            stage.prepare((ms * 0.001 * sample_rate).round() as usize, gain);
        }
    }

    /// Clears every stage.
    pub fn reset(&mut self) {
        self.stages.iter_mut().for_each(SchroederAllpass::reset);
    }

    /// Diffuses one sample.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        self.stages.iter_mut().fold(x, |acc, stage| stage.process(acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_preserves_energy_of_an_impulse() {
        // An all-pass is lossless: the energy of its impulse response is exactly 1.
        let mut d = Diffuser::default();
        d.prepare(48_000.0, &LEFT_STAGES);
        let e: f64 =
            (0..48_000 * 3).map(|i| (d.process(if i == 0 { 1.0 } else { 0.0 }) as f64).powi(2)).sum();
        assert!((e - 1.0).abs() < 1e-4, "{e}");
    }
}
