//! `--true-peak` by limiting: the engine's true-peak limiter run offline over the second pass,
//! with its lookahead latency removed so the output stays aligned with the input sample for
//! sample.
//!
//! The limiter is the engine's own ([`runnel_engine::Limiter`], the chain's last stage), at its
//! default lookahead and program-dependent release; only the ceiling differs: the `--true-peak`
//! target less [`LIMITER_MARGIN_DB`], because independent meters (ebur128's interpolator, a
//! scipy polyphase filter) read the limited output of dense content near Nyquist a little above
//! the limiter's ceiling.

use runnel_engine::{EngineSettings, Limiter, LimiterSettings, Stage};

/// How far below the `--true-peak` target the limiter's ceiling sits (dB). Measured on
/// Gaussian white noise limited by ~1.5 dB (tests/render_true_peak.rs): ebur128 reads the
/// written file up to 0.15 dB and scipy's 4× polyphase resampler up to 0.10 dB above the
/// limiter's ceiling (its detector's short interpolator and the gain ramps let that much
/// through on dense content near Nyquist); 0.3 dB keeps both under the target and outside the
/// fallback's guard band, so the limiter alone does the job on such material.
pub const LIMITER_MARGIN_DB: f64 = 0.3;

/// Frames per limiter call.
const BLOCK: usize = 4096;

/// The engine's limiter over interleaved mono or stereo chunks, latency-compensated: the first
/// `latency` output frames are dropped and [`finish`](Self::finish) flushes as many.
pub struct AlignedLimiter {
    /// The limiter stage (switched on; its latency is its lookahead).
    limiter: Limiter,
    /// Interleaved channels (1 or 2; mono runs as two equal sides).
    channels: usize,
    /// Output frames still to drop (the lookahead).
    to_drop: usize,
    /// The lookahead in frames.
    latency: usize,
    /// Left block.
    left: Vec<f32>,
    /// Right block.
    right: Vec<f32>,
    /// Largest gain reduction so far, dB (≥ 0).
    max_reduction_db: f32,
}

impl AlignedLimiter {
    /// A limiter with its ceiling at `ceiling_db` dBTP, for `channels` channels at `rate` Hz.
    pub fn new(rate: u32, channels: usize, ceiling_db: f64) -> Self {
        let mut limiter = Limiter::new();
        limiter.prepare(rate as f32, BLOCK);
        let settings = EngineSettings {
            limiter_on: true,
            limiter: LimiterSettings { ceiling_db: ceiling_db as f32, ..LimiterSettings::default() },
            ..EngineSettings::default()
        };
        limiter.apply(&settings);
        let latency = limiter.latency_samples() as usize;
        Self {
            limiter,
            channels,
            to_drop: latency,
            latency,
            left: Vec::with_capacity(BLOCK),
            right: Vec::with_capacity(BLOCK),
            max_reduction_db: 0.0,
        }
    }

    /// The lookahead the output was shifted back by, in frames.
    pub fn latency(&self) -> usize {
        self.latency
    }

    /// Largest gain reduction applied so far, dB (0 when the limiter never acted).
    pub fn max_reduction_db(&self) -> f64 {
        f64::from(self.max_reduction_db)
    }

    /// Limits `input` (interleaved, whole frames) and appends the aligned output to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        for chunk in input.chunks(BLOCK * self.channels) {
            self.left.clear();
            self.right.clear();
            for frame in chunk.chunks_exact(self.channels) {
                self.left.push(frame[0]);
                self.right.push(frame[self.channels - 1]);
            }
            self.run(out);
        }
    }

    /// Feeds the lookahead's worth of silence so the last input frames come out; appends them.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let mut remaining = self.latency;
        while remaining > 0 {
            let n = remaining.min(BLOCK);
            self.left.clear();
            self.right.clear();
            self.left.resize(n, 0.0);
            self.right.resize(n, 0.0);
            self.run(out);
            remaining -= n;
        }
    }

    /// Processes the current block and appends its frames after the latency drop.
    fn run(&mut self, out: &mut Vec<f32>) {
        self.limiter.process(&mut self.left, &mut self.right);
        self.max_reduction_db = self.max_reduction_db.max(self.limiter.block_reduction_db());
        let skip = self.to_drop.min(self.left.len());
        self.to_drop -= skip;
        for i in skip..self.left.len() {
            out.push(self.left[i]);
            if self.channels == 2 {
                out.push(self.right[i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impulse_comes_out_where_it_went_in_and_the_length_is_kept() {
        let mut limiter = AlignedLimiter::new(48_000, 2, -1.0);
        assert!(limiter.latency() > 0);
        let frames = 10_000;
        let mut input = vec![0.0f32; frames * 2];
        input[2 * 1234] = 0.5;
        input[2 * 1234 + 1] = -0.25;
        let mut out = Vec::new();
        limiter.process(&input[..2 * 3000], &mut out);
        limiter.process(&input[2 * 3000..], &mut out);
        limiter.finish(&mut out);
        assert_eq!(out.len(), input.len());
        let peak = out.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap();
        assert_eq!(peak.0, 2 * 1234);
        assert_eq!(out[2 * 1234 + 1], -0.25, "below the ceiling: untouched");
        assert_eq!(limiter.max_reduction_db(), 0.0);
    }

    #[test]
    fn a_loud_mono_sine_is_held_under_the_ceiling() {
        let mut limiter = AlignedLimiter::new(44_100, 1, -3.0);
        let input: Vec<f32> = (0..44_100).map(|n| (n as f32 * 0.05).sin()).collect();
        let mut out = Vec::new();
        limiter.process(&input, &mut out);
        limiter.finish(&mut out);
        assert_eq!(out.len(), input.len());
        let ceiling = 10f32.powf(-3.0 / 20.0);
        assert!(out.iter().all(|x| x.abs() <= ceiling), "a sample above the ceiling");
        assert!((limiter.max_reduction_db() - 3.0).abs() < 0.2, "{}", limiter.max_reduction_db());
    }
}
