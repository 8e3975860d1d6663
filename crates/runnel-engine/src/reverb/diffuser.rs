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

/// Longest chunk [`SchroederAllpass::process_run`] computes at once (the reverb's runs are at
/// most one control interval long).
pub const MAX_CHUNK: usize = crate::smoothing::CONTROL_INTERVAL;

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
        // The mirror lets a chunk of `process_run` read its delayed samples as one slice.
        self.line.allocate(self.delay, MAX_CHUNK);
        self.gain = gain;
    }

    /// Clears the memory.
    pub fn reset(&mut self) {
        self.line.clear();
    }

    /// Filters one sample (the per-sample reference of [`process_run`](Self::process_run)).
    #[cfg(test)]
    pub fn process(&mut self, x: f32) -> f32 {
        let delayed = self.line.at(self.delay);
        let w = flush(x + self.gain * delayed);
        self.line.push(w);
        delayed - self.gain * w
    }

    /// Filters a run of samples in place: the same values as [`process`](Self::process) on
    /// each in turn. Within a chunk no longer than the delay every sample's delayed `w` was
    /// written before the chunk, so the chunk is computed as vectors and pushed at once.
    #[inline(always)]
    pub fn process_run(&mut self, x: &mut [f32]) {
        if x.len() == MAX_CHUNK && self.delay >= MAX_CHUNK {
            // A full run in one chunk (the usual case), its length known to the compiler:
            // fixed-size vector code without loop remainders.
            let x: &mut [f32; MAX_CHUNK] = x.try_into().expect("length checked");
            self.process_full_chunk(x);
        } else {
            for chunk in x.chunks_mut(self.delay.min(MAX_CHUNK)) {
                self.process_chunk(chunk);
            }
        }
    }

    /// [`process_chunk`](Self::process_chunk) of a full chunk, pushed by the inlined
    /// [`Ring::push_run`] instead of a call.
    #[inline(always)]
    fn process_full_chunk(&mut self, chunk: &mut [f32; MAX_CHUNK]) {
        let gain = self.gain;
        let mut w = [0.0f32; MAX_CHUNK];
        let delayed: &[f32; MAX_CHUNK] =
            self.line.span(self.delay, MAX_CHUNK).try_into().expect("span length");
        for n in 0..MAX_CHUNK {
            w[n] = flush(chunk[n] + gain * delayed[n]);
            chunk[n] = delayed[n] - gain * w[n];
        }
        self.line.push_run(&w);
    }

    /// Filters a chunk no longer than the delay (and than [`MAX_CHUNK`]) in place.
    #[inline(always)]
    fn process_chunk(&mut self, chunk: &mut [f32]) {
        let gain = self.gain;
        let len = chunk.len();
        let mut w = [0.0f32; MAX_CHUNK];
        let delayed = &self.line.span(self.delay, len)[..len];
        for n in 0..len {
            w[n] = flush(chunk[n] + gain * delayed[n]);
            chunk[n] = delayed[n] - gain * w[n];
        }
        self.line.push_slice(&w[..len]);
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
    #[cfg(test)]
    pub fn process(&mut self, x: f32) -> f32 {
        self.stages.iter_mut().fold(x, |acc, stage| stage.process(acc))
    }

    /// Diffuses a run in place, stage after stage (the same values as sample by sample).
    #[inline(always)]
    pub fn process_run(&mut self, x: &mut [f32]) {
        for stage in &mut self.stages {
            stage.process_run(x);
        }
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

    #[test]
    fn runs_give_the_bits_of_single_samples_at_every_chunking() {
        // 8 kHz makes the shortest stage (12 samples) shorter than a run: chunks split.
        for fs in [8_000.0, 48_000.0] {
            let (mut single, mut runs) = (Diffuser::default(), Diffuser::default());
            single.prepare(fs, &RIGHT_STAGES);
            runs.prepare(fs, &RIGHT_STAGES);
            let mut seed = 7u32;
            let input: Vec<f32> = (0..3000)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed as f32 / u32::MAX as f32 - 0.5
                })
                .collect();
            let expected: Vec<f32> = input.iter().map(|&x| single.process(x)).collect();
            let mut out = input.clone();
            let mut start = 0;
            for (i, len) in [1usize, 16, 7, 16, 3, 11].iter().cycle().enumerate() {
                let end = (start + len).min(out.len());
                runs.process_run(&mut out[start..end]);
                start = end;
                if start == out.len() || i > 10_000 {
                    break;
                }
            }
            assert_eq!(out, expected, "{fs} Hz");
        }
    }
}
