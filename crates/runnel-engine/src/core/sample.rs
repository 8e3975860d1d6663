//! The sample types the building blocks run in.
//!
//! Coefficients are always designed in `f64`; the recursions run in whichever precision their
//! stage needs: `f64` where a low cutoff at a high sample rate must keep its exact response (the
//! filter stage, 20 Hz at 384 kHz has `g ≈ 1.6e-4`), `f32` where throughput matters more and the
//! tolerance is perceptual (the reverb's 16-line network, whose banks vectorise as `f32`).

use std::ops::{Add, Mul, Sub};

use crate::denormal::{flush, flush64};

/// A floating-point sample type a building block can run in (`f32` or `f64`).
pub trait Sample:
    Copy + Default + PartialEq + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    /// Exact zero.
    const ZERO: Self;
    /// Converts a design-time `f64` value (rounding to nearest for `f32`).
    fn from_f64(value: f64) -> Self;
    /// Widens to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Snaps magnitudes below [`FLUSH_THRESHOLD`](crate::denormal::FLUSH_THRESHOLD) to zero
    /// (for recursive state).
    fn flush(self) -> Self;
}

impl Sample for f32 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn flush(self) -> Self {
        flush(self)
    }
}

impl Sample for f64 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn flush(self) -> Self {
        flush64(self)
    }
}
