//! Helpers shared by the reverb integration tests: rendering, a small deterministic RNG and the
//! room-acoustics analysis. (A directory of its own, not `tests/common`, which holds the plugin host.)
#![allow(dead_code)]

pub mod room_acoustics;

use runnel_engine::reverb::{Reverb, ReverbSettings};

/// Block size used when rendering (the plugin's typical host block).
pub const BLOCK: usize = 256;

/// A deterministic xorshift64* generator, so every test run sees the same "random" input.
pub struct Rng(u64);

impl Rng {
    /// Seeded generator (zero is replaced).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Next raw value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in [lo, hi].
    pub fn int(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// Approximately Gaussian (sum of 4 uniforms), unit variance.
    pub fn noise(&mut self) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * 3f64.sqrt()
    }
}

/// A prepared reverb with `settings` applied (snapped).
pub fn prepared(settings: &ReverbSettings, fs: f32) -> Reverb {
    let mut r = Reverb::new();
    r.prepare(fs, BLOCK);
    r.set_settings(settings);
    r
}

/// Runs `input` (stereo) through `reverb` in blocks of [`BLOCK`], returning the stereo output.
pub fn run(reverb: &mut Reverb, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
        reverb.process(cl, cr);
    }
    (l, r)
}

/// Stereo impulse response (a unit impulse on both channels, i.e. a centred mono source) of
/// `seconds`, as f64.
pub fn impulse_response(settings: &ReverbSettings, fs: f32, seconds: f64) -> (Vec<f64>, Vec<f64>) {
    let n = (seconds * fs as f64).round() as usize;
    let mut reverb = prepared(settings, fs);
    let mut input = vec![0.0f32; n];
    input[0] = 1.0;
    let (l, r) = run(&mut reverb, &input, &input);
    (l.iter().map(|&v| v as f64).collect(), r.iter().map(|&v| v as f64).collect())
}

/// Settings for measuring the reverb itself: wet only, everything else default.
pub fn wet(decay_s: f32) -> ReverbSettings {
    ReverbSettings { decay_s, mix: 1.0, ..ReverbSettings::default() }
}
