//! Helpers shared by the reverb integration tests: rendering, a small deterministic RNG and the
//! room-acoustics analysis. (A directory of its own, not `tests/common`, which holds the plugin host.)
#![allow(dead_code)]

pub mod room_acoustics;

pub use test_support::Rng;

use runnel_engine::reverb::{Reverb, ReverbSettings};

/// Block size used when rendering (the plugin's typical host block).
pub const BLOCK: usize = 256;

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
