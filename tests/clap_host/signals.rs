//! Deterministic test signals, a small PRNG, and writers for the files the VST3 test reads.

use std::f64::consts::TAU;
use std::io::Write;
use std::path::Path;

/// SplitMix64: tiny, seedable, good enough for test signals and random block sizes, and it
/// keeps the suite free of a `rand` dependency.
pub struct TestRng(u64);

impl TestRng {
    /// A generator whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [lo, hi].
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }
}

/// A stereo program-like signal: a log chirp 60 Hz → 8 kHz at −12 dBFS, light noise, and a few
/// clicks, with the right channel different from the left so stereo bugs show.
pub fn program(seconds: f64, sample_rate: f64, seed: u64) -> Vec<Vec<f32>> {
    let frames = (seconds * sample_rate).round() as usize;
    let mut rng = TestRng::new(seed);
    let (f0, f1) = (60.0f64, 8000.0f64.min(sample_rate * 0.4));
    let k = (f1 / f0).ln() / seconds.max(1e-3);
    let mut left = Vec::with_capacity(frames);
    let mut right = Vec::with_capacity(frames);
    for n in 0..frames {
        let t = n as f64 / sample_rate;
        let phase = TAU * f0 * ((k * t).exp() - 1.0) / k;
        let noise_l = (rng.unit() - 0.5) * 0.02;
        let noise_r = (rng.unit() - 0.5) * 0.02;
        let click = if n % (sample_rate as usize / 5).max(1) == 0 { 0.5 } else { 0.0 };
        left.push((0.25 * phase.sin() + noise_l + click) as f32);
        right.push((0.2 * (phase * 1.01 + 0.3).sin() + noise_r - click * 0.5) as f32);
    }
    vec![left, right]
}

/// `channels` of silence.
pub fn silence(frames: usize, channels: usize) -> Vec<Vec<f32>> {
    vec![vec![0.0; frames]; channels]
}

/// A sine at `hz` with amplitude `amp` on every channel.
pub fn sine(frames: usize, channels: usize, hz: f64, amp: f64, sample_rate: f64) -> Vec<Vec<f32>> {
    let ch: Vec<f32> =
        (0..frames).map(|n| (amp * (TAU * hz * n as f64 / sample_rate).sin()) as f32).collect();
    vec![ch; channels]
}

/// Appends `b` to `a`, channel by channel.
pub fn concat(mut a: Vec<Vec<f32>>, b: &[Vec<f32>]) -> Vec<Vec<f32>> {
    for (x, y) in a.iter_mut().zip(b) {
        x.extend_from_slice(y);
    }
    a
}

/// Whether `x` is subnormal (nonzero and below the smallest normal float).
pub fn is_subnormal(x: f32) -> bool {
    x != 0.0 && x.abs() < f32::MIN_POSITIVE
}

/// Largest magnitude over all channels and samples.
pub fn peak(signal: &[Vec<f32>]) -> f32 {
    signal.iter().flatten().fold(0.0f32, |m, &x| m.max(x.abs()))
}

/// First (channel, index, value) that is not finite.
pub fn first_non_finite(signal: &[Vec<f32>]) -> Option<(usize, usize, f32)> {
    for (c, ch) in signal.iter().enumerate() {
        if let Some(i) = ch.iter().position(|x| !x.is_finite()) {
            return Some((c, i, ch[i]));
        }
    }
    None
}

/// Writes `signal` (channels × frames) as a little-endian float32 `.npy` file of shape
/// `(channels, frames)`, the layout pedalboard takes, so the Python side reads it with `np.load`.
pub fn write_npy(path: &Path, signal: &[Vec<f32>]) {
    let frames = signal.first().map_or(0, Vec::len);
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", signal.len(), frames);
    // Magic (6) + version (2) + header length (2) + header must be a multiple of 64, ending in \n.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + 4 * frames * signal.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for ch in signal {
        for x in ch {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    let mut file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.write_all(&bytes).unwrap();
}
