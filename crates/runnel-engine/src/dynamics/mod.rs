//! The dynamics stages: an automatic gain control and a compressor (after the filter) and a
//! true-peak limiter (last in the chain, so nothing after it can overshoot).
//!
//! Shared pieces, each written once: the static gain curve ([`gain_computer`]), the
//! program-dependent release ([`release`]), the 4× true-peak interpolator ([`true_peak`]), the
//! window minimum the limiter's lookahead needs ([`window_min`]) and the BS.1770 K-weighted
//! loudness the AGC rides on ([`loudness`]). Envelopes, filters, rings and smoothers come from
//! [`core`](crate::core) and [`smoothing`](crate::smoothing).

pub mod agc;
pub mod compressor;
pub(crate) mod gain_computer;
pub mod limiter;
pub mod loudness;
pub(crate) mod release;
pub(crate) mod true_peak;
pub(crate) mod window_min;

pub use agc::{Agc, AgcSettings};
pub use compressor::{Compressor, CompressorSettings, Detector};
pub use limiter::{Limiter, LimiterSettings};
pub use loudness::MomentaryLoudness;

/// dB per octave of amplitude: `20·log10(2)`.
const DB_PER_OCTAVE: f32 = 6.020_6;

/// Decibels of an amplitude, floored at −200 dB so silence stays finite. Written with `log2`
/// (cheaper than `log10` per sample, the same value to f32 precision).
#[inline]
pub(crate) fn amplitude_to_db(amplitude: f32) -> f32 {
    DB_PER_OCTAVE * amplitude.max(1e-10).log2()
}

/// Amplitude of a level in decibels, with `exp2` (cheaper than `powf`).
#[inline]
pub(crate) fn db_to_gain(db: f32) -> f32 {
    (db / DB_PER_OCTAVE).exp2()
}

/// Samples in `ms` milliseconds at `sample_rate`, rounded.
#[inline]
pub(crate) fn ms_to_samples(ms: f32, sample_rate: f32) -> f64 {
    ms as f64 * 1e-3 * sample_rate as f64
}
