//! The filter stage's stateful sections: the engine's one SVF ([`crate::core::svf`]) and
//! one-pole ([`crate::core::one_pole`]), run on stereo frames in `f64`.
//!
//! Left and right are processed side by side (`[f64; 2]`): two independent recursions interleaved,
//! which hides part of each one's latency and lets the compiler pair them in SIMD registers.
//! State is `f64` so that 20 Hz at 384 kHz (`g ≈ 1.6e-4`) keeps its exact response and its noise
//! floor far below −120 dB (the scipy comparisons in tests/filter/ hold to 0.0033 dB).

use super::design::{OnePoleCoefficients, PassDesign, SvfCoefficients, MAX_SECTIONS};
use crate::core::one_pole::OnePole;
use crate::core::svf::SvfState;

/// One stereo frame in the filter's internal precision.
pub type Frame = [f64; 2];

/// One stereo second-order section's state.
pub type SvfSection = SvfState<f64, 2>;

/// State of one stereo first-order TPT section (low- or high-pass by its coefficients).
#[derive(Debug, Clone, Copy, Default)]
pub struct OnePoleSection {
    /// The left and right one-poles.
    lanes: [OnePole<f64>; 2],
}

impl OnePoleSection {
    /// Clears the integrators.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Advances one frame and returns the low- or high-pass output chosen by `c`.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    pub fn tick(&mut self, c: &OnePoleCoefficients, input: Frame) -> Frame {
        let mut out = [0.0; 2];
        for ch in 0..2 {
            let low = self.lanes[ch].lowpass(input[ch], c.g_ratio);
            out[ch] = if c.highpass { input[ch] - low } else { low };
        }
        out
    }
}

/// A high/low-pass cascade: the sections of one [`PassDesign`] and their state.
#[derive(Debug, Clone, Copy)]
pub struct PassCascade {
    /// Coefficients in use (replaced every few samples while the cutoff moves).
    design: PassDesign,
    /// Second-order states; only the first `design.section_count` are used.
    sections: [SvfSection; MAX_SECTIONS],
    /// State of the odd-order real pole.
    one_pole: OnePoleSection,
}

impl PassCascade {
    /// A silent cascade running `design`.
    pub fn new(design: PassDesign) -> Self {
        Self { design, sections: [SvfSection::default(); MAX_SECTIONS], one_pole: OnePoleSection::default() }
    }

    /// Swaps in new coefficients, keeping the state (used while modulating). If the design has a
    /// different structure (order), call [`reset`](Self::reset) too.
    #[inline]
    pub fn set_design(&mut self, design: PassDesign) {
        self.design = design;
    }

    /// Whether the design has a first-order pole (odd orders), which only
    /// [`process`](Self::process) runs: [`sections_mut`](Self::sections_mut) alone is then not
    /// the whole cascade.
    #[inline]
    pub fn has_one_pole(&self) -> bool {
        self.design.one_pole.is_some()
    }

    /// The second-order sections in use: coefficients and states, in processing order.
    #[inline]
    pub fn sections_mut(&mut self) -> (&[SvfCoefficients], &mut [SvfSection]) {
        let count = self.design.section_count;
        (&self.design.sections[..count], &mut self.sections[..count])
    }

    /// Clears every section.
    pub fn reset(&mut self) {
        self.sections = [SvfSection::default(); MAX_SECTIONS];
        self.one_pole.reset();
    }

    /// Filters `frames` in place.
    ///
    /// Sample-major (all sections for one frame, then the next frame): each section's recursion
    /// is a serial dependency chain, and interleaving the sections lets the CPU overlap them.
    #[inline]
    pub fn process(&mut self, frames: &mut [Frame]) {
        let count = self.design.section_count;
        let coefficients = &self.design.sections[..count];
        let sections = &mut self.sections[..count];
        match self.design.one_pole {
            Some(pole) => {
                for frame in frames.iter_mut() {
                    let mut x = self.one_pole.tick(&pole, *frame);
                    for (state, c) in sections.iter_mut().zip(coefficients) {
                        x = state.tick(c, x);
                    }
                    *frame = x;
                }
            }
            None => {
                for frame in frames.iter_mut() {
                    let mut x = *frame;
                    for (state, c) in sections.iter_mut().zip(coefficients) {
                        x = state.tick(c, x);
                    }
                    *frame = x;
                }
            }
        }
    }
}
