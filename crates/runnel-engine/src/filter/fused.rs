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
//! # The same filter, a shorter recursion
//! Within a settled block a section is linear and time-invariant, so its update can be
//! written out as one matrix step on the two integrator memories (`ic1`, `ic2`, the same
//! memories [`SvfSection::tick`] keeps, so a band can move between this path and its own from
//! one block to the next):
//!
//! ```text
//! ic1' = (2a1 − 1)·ic1 − 2a2·ic2 + 2a2·x        y = (m0 + m1·a2 + m2·a3)·x
//! ic2' = 2a2·ic1 + (1 − 2a3)·ic2 + 2a3·x             + (m1·a1 + m2·a2)·ic1 + (m2·(1 − a3) − m1·a2)·ic2
//! ```
//!
//! which is `tick`'s arithmetic regrouped (multiply out `v1`, `v2` and `2v − ic`). The
//! loop-carried chain per sample becomes one multiply and two adds instead of a subtract,
//! multiply, three adds and the denormal flush, and the flush moves to the end of the block
//! (the stage runs under a [`DenormalGuard`](crate::denormal::DenormalGuard), so nothing
//! subnormal is computed in between, and the stored memories are flushed as before). Not
//! bit-identical to `tick`: the regrouping rounds differently, ~1e-16 relative (f64); the
//! crate's test measures the difference against band-major processing over randomized
//! settings (below 1e-12, i.e. −240 dB) and the scipy comparisons hold unchanged.

use super::design::SvfCoefficients;
use super::svf::{Frame, SvfSection};

/// The most sections one fused run holds: both 8th-order pass cascades (4 sections each), the
/// two shelves and the two bells.
pub const MAX_FUSED_SECTIONS: usize = 12;

/// One section's update as a matrix step on its integrator memories, and its output mix (see
/// the module docs).
#[derive(Debug, Clone, Copy)]
struct StateStep {
    /// `ic1' = c11·ic1 + c12·ic2 + b1·x`.
    c11: f64,
    /// See `c11`.
    c12: f64,
    /// See `c11`.
    b1: f64,
    /// `ic2' = c21·ic1 + c22·ic2 + b2·x`.
    c21: f64,
    /// See `c21`.
    c22: f64,
    /// See `c21`.
    b2: f64,
    /// `y = d·x + o1·ic1 + o2·ic2` (before the update).
    d: f64,
    /// See `d`.
    o1: f64,
    /// See `d`.
    o2: f64,
}

impl StateStep {
    /// The step equivalent to [`SvfSection::tick`] with `c`.
    fn new(c: &SvfCoefficients) -> Self {
        let (a1, a2, a3) = (c.a1, c.a2, c.a3);
        let (m0, m1, m2) = (c.m0, c.m1, c.m2);
        Self {
            c11: 2.0 * a1 - 1.0,
            c12: -2.0 * a2,
            b1: 2.0 * a2,
            c21: 2.0 * a2,
            c22: 1.0 - 2.0 * a3,
            b2: 2.0 * a3,
            d: m0 + m1 * a2 + m2 * a3,
            o1: m1 * a1 + m2 * a2,
            o2: m2 * (1.0 - a3) - m1 * a2,
        }
    }
}

/// A section's memories as plain lanes: `[ic1, ic2]` per channel.
type Memories = [[f64; 2]; 2];

/// Advances one section by one frame and returns its output.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn step(s: &StateStep, m: &mut Memories, x: Frame) -> Frame {
    let mut y = [0.0; 2];
    let (mut ic1, mut ic2) = ([0.0; 2], [0.0; 2]);
    for ch in 0..2 {
        let (i1, i2) = (m[0][ch], m[1][ch]);
        y[ch] = s.d * x[ch] + (s.o1 * i1 + s.o2 * i2);
        ic1[ch] = (s.c11 * i1 + s.c12 * i2) + s.b1 * x[ch];
        ic2[ch] = (s.c21 * i1 + s.c22 * i2) + s.b2 * x[ch];
    }
    *m = [ic1, ic2];
    y
}

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
        let steps: [StateStep; N] = std::array::from_fn(|i| StateStep::new(&self.coefficients(i)));
        let mut memories: [Memories; N] = std::array::from_fn(|i| self.state(i).memories());
        for frame in frames.iter_mut() {
            let mut x = *frame;
            for (m, s) in memories.iter_mut().zip(&steps) {
                x = step(s, m, x);
            }
            *frame = x;
        }
        self.store(&memories.map(SvfSection::from_memories));
    }

    /// Any number of sections (up to [`MAX_FUSED_SECTIONS`]), looped per frame.
    fn run_any(&mut self, frames: &mut [Frame]) {
        let count = self.count;
        let steps: [StateStep; MAX_FUSED_SECTIONS] =
            std::array::from_fn(|i| StateStep::new(&self.coefficients(i)));
        let mut memories: [Memories; MAX_FUSED_SECTIONS] = std::array::from_fn(|i| self.state(i).memories());
        for frame in frames.iter_mut() {
            let mut x = *frame;
            for (m, s) in memories[..count].iter_mut().zip(&steps[..count]) {
                x = step(s, m, x);
            }
            *frame = x;
        }
        let states: [SvfSection; MAX_FUSED_SECTIONS] = memories.map(SvfSection::from_memories);
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
