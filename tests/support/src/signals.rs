//! Test signals. Mono signals are `Vec<f32>`; multichannel ones are channels × frames.

use std::f64::consts::TAU;

use crate::rng::Rng;

/// `len` samples of silence with a unit impulse at `at`.
pub fn impulse(len: usize, at: usize) -> Vec<f32> {
    let mut v = vec![0.0; len];
    v[at] = 1.0;
    v
}

/// A sine of `hz` at `amplitude`, starting at phase 0.
pub fn sine(len: usize, hz: f64, amplitude: f64, sample_rate: f64) -> Vec<f32> {
    (0..len).map(|n| (amplitude * (TAU * hz * n as f64 / sample_rate).sin()) as f32).collect()
}

/// Uniform white noise in ±`amplitude`.
pub fn white_noise(len: usize, amplitude: f64, rng: &mut Rng) -> Vec<f32> {
    (0..len).map(|_| (amplitude * (2.0 * rng.unit() - 1.0)) as f32).collect()
}

/// `channels` copies of `mono`.
pub fn channels(mono: Vec<f32>, channels: usize) -> Vec<Vec<f32>> {
    vec![mono; channels]
}

/// `channels` of silence.
pub fn silence(frames: usize, channels: usize) -> Vec<Vec<f32>> {
    vec![vec![0.0; frames]; channels]
}

/// A stereo program-like signal: a log chirp 60 Hz → 8 kHz at about −12 dBFS, light noise, and
/// a click every 200 ms, with the right channel different from the left so stereo bugs show.
pub fn program(seconds: f64, sample_rate: f64, seed: u64) -> Vec<Vec<f32>> {
    let frames = (seconds * sample_rate).round() as usize;
    let mut rng = Rng::new(seed);
    let (f0, f1) = (60.0f64, 8000.0f64.min(sample_rate * 0.4));
    let k = (f1 / f0).ln() / seconds.max(1e-3);
    let click_period = (sample_rate as usize / 5).max(1);
    let mut left = Vec::with_capacity(frames);
    let mut right = Vec::with_capacity(frames);
    for n in 0..frames {
        let t = n as f64 / sample_rate;
        let phase = TAU * f0 * ((k * t).exp() - 1.0) / k;
        let noise_l = (rng.unit() - 0.5) * 0.02;
        let noise_r = (rng.unit() - 0.5) * 0.02;
        let click = if n % click_period == 0 { 0.5 } else { 0.0 };
        left.push((0.25 * phase.sin() + noise_l + click) as f32);
        right.push((0.2 * (phase * 1.01 + 0.3).sin() + noise_r - click * 0.5) as f32);
    }
    vec![left, right]
}

/// Appends `b` to `a`, channel by channel.
pub fn concat(mut a: Vec<Vec<f32>>, b: &[Vec<f32>]) -> Vec<Vec<f32>> {
    for (x, y) in a.iter_mut().zip(b) {
        x.extend_from_slice(y);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_has_the_requested_frequency_and_level() {
        let fs = 48_000.0;
        let x = sine(48_000, 1000.0, 0.5, fs);
        let crossings = x.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count();
        assert!((crossings as i64 - 1000).abs() <= 1, "{crossings} upward crossings");
        let rms = crate::rms(&x);
        assert!((rms - 0.5 / 2f64.sqrt()).abs() < 1e-4, "rms {rms}");
    }

    #[test]
    fn program_is_stereo_bounded_and_differs_between_channels() {
        let p = program(0.5, 48_000.0, 9);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].len(), 24_000);
        assert!(crate::peak(&p[0]) <= 0.76 && crate::peak(&p[1]) <= 0.76);
        assert_ne!(p[0], p[1]);
    }
}
