//! The settled bands' sections run together, sample-major, in one loop.
//!
//! Each band alone filters the whole block before the next band starts (band-major). A
//! section's recursion is a serial dependency chain (≈ 20 cycles per sample through its two
//! integrators), so band-major processing pays that latency once per band and section. When
//! several bands are settled (no ramp, no crossfade: by far the most common state), their
//! sections are collected here and run one frame at a time through all of them: the chains of
//! different sections then overlap in the CPU, and the sections' states stay in registers for
//! the whole block.
//!
//! The arithmetic per section and frame is exactly [`SvfSection::tick`]'s, in the same order
//! of sections, so the output is bit-identical to band-major processing (every section is
//! linear time-invariant within the block and only sees its predecessor's output).

use super::design::SvfCoefficients;
use super::svf::{Frame, SvfSection};

/// The most sections one fused run holds: both 8th-order pass cascades (4 sections each), the
/// two shelves and the two bells.
pub const MAX_FUSED_SECTIONS: usize = 12;

/// The sections of consecutive settled bands, borrowed from their bands for one run.
pub struct FusedSections<'a> {
    /// Each section's coefficients and state, in signal order; the first `count` are set.
    sections: [Option<(&'a SvfCoefficients, &'a mut SvfSection)>; MAX_FUSED_SECTIONS],
    /// Sections collected so far.
    count: usize,
}

impl<'a> FusedSections<'a> {
    /// An empty run.
    pub fn new() -> Self {
        Self { sections: Default::default(), count: 0 }
    }

    /// Appends a band's sections (after the ones already collected), first running what was
    /// collected over `frames` if they would not fit.
    pub fn push(
        &mut self,
        coefficients: &'a [SvfCoefficients],
        states: &'a mut [SvfSection],
        frames: &mut [Frame],
    ) {
        if self.count + coefficients.len().min(states.len()) > MAX_FUSED_SECTIONS {
            self.run(frames);
        }
        for (c, state) in coefficients.iter().zip(states) {
            self.sections[self.count] = Some((c, state));
            self.count += 1;
        }
    }

    /// Runs the collected sections over `frames` and empties the run (states written back).
    pub fn run(&mut self, frames: &mut [Frame]) {
        match self.count {
            0 => {}
            1 => self.run_fixed::<1>(frames),
            2 => self.run_fixed::<2>(frames),
            3 => self.run_fixed::<3>(frames),
            4 => self.run_fixed::<4>(frames),
            _ => self.run_any(frames),
        }
        self.count = 0;
    }

    /// `N` sections with coefficients and states in local variables (registers) for the whole
    /// block.
    #[inline]
    fn run_fixed<const N: usize>(&mut self, frames: &mut [Frame]) {
        let coefficients: [SvfCoefficients; N] = std::array::from_fn(|i| self.coefficients(i));
        let mut states: [SvfSection; N] = std::array::from_fn(|i| self.state(i));
        for frame in frames.iter_mut() {
            let mut x = *frame;
            for (state, c) in states.iter_mut().zip(&coefficients) {
                x = state.tick(c, x);
            }
            *frame = x;
        }
        self.store(&states);
    }

    /// Any number of sections (up to [`MAX_FUSED_SECTIONS`]), looped per frame.
    fn run_any(&mut self, frames: &mut [Frame]) {
        let count = self.count;
        let coefficients: [SvfCoefficients; MAX_FUSED_SECTIONS] =
            std::array::from_fn(
                |i| {
                    if i < count {
                        self.coefficients(i)
                    } else {
                        SvfCoefficients::identity()
                    }
                },
            );
        let mut states: [SvfSection; MAX_FUSED_SECTIONS] = std::array::from_fn(|i| self.state(i));
        for frame in frames.iter_mut() {
            let mut x = *frame;
            for (state, c) in states[..count].iter_mut().zip(&coefficients[..count]) {
                x = state.tick(c, x);
            }
            *frame = x;
        }
        self.store(&states[..count]);
    }

    /// A copy of section `i`'s coefficients.
    #[inline(always)]
    fn coefficients(&self, i: usize) -> SvfCoefficients {
        self.sections[i].as_ref().map(|(c, _)| **c).unwrap_or_default()
    }

    /// A copy of section `i`'s state (silent for an unused slot).
    #[inline(always)]
    fn state(&self, i: usize) -> SvfSection {
        self.sections[i].as_ref().map(|(_, s)| **s).unwrap_or_default()
    }

    /// Writes the states back to their bands and releases the borrows.
    fn store(&mut self, states: &[SvfSection]) {
        for (slot, state) in self.sections.iter_mut().zip(states) {
            if let Some((_, target)) = slot.take() {
                *target = *state;
            }
        }
    }
}

impl Default for FusedSections<'_> {
    fn default() -> Self {
        Self::new()
    }
}
