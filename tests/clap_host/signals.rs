//! The CLAP suite's view of the shared test helpers (`tests/support`): multichannel signals as
//! channels × frames, and the `.npy` writer for the files the VST3 test reads.

use std::path::Path;

pub use test_support::signals::{concat, program, silence};
pub use test_support::{first_non_finite, is_subnormal, Rng};

/// A sine at `hz` with amplitude `amp` on every channel.
pub fn sine(frames: usize, channels: usize, hz: f64, amp: f64, sample_rate: f64) -> Vec<Vec<f32>> {
    test_support::signals::channels(test_support::signals::sine(frames, hz, amp, sample_rate), channels)
}

/// Largest magnitude over all channels and samples.
pub fn peak(signal: &[Vec<f32>]) -> f32 {
    signal.iter().map(|ch| test_support::peak(ch)).fold(0.0, f32::max)
}

/// Writes `signal` (channels × frames) as a `.npy` file for the Python side; panics on I/O
/// errors, naming the file.
pub fn write_npy(path: &Path, signal: &[Vec<f32>]) {
    test_support::npy::write_npy(path, signal).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
