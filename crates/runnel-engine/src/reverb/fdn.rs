//! The late reverb: a 16-line feedback delay network.
//!
//! Structure per sample:
//! 1. every line is read at its length plus a slow random offset (cubic Lagrange interpolation),
//!    and — while a length change is being crossfaded — also at its new length;
//! 2. each read passes the line's absorption (broadband gain, low shelf, high shelf) so that the
//!    loop loses `−60·dᵢ/(fs·T60(f))` dB per trip, the same dB per *sample* on every line;
//! 3. the two outputs are taken from the absorbed reads with two orthogonal sign patterns;
//! 4. the reads are mixed by a 16×16 Hadamard matrix (scaled by ¼: orthogonal, hence lossless,
//!    and computed as a fast Walsh–Hadamard transform in 64 additions) and written back together
//!    with the input, which enters through two more orthogonal sign patterns.
//!
//! Why these choices:
//! - Hadamard rather than Householder: at 16 lines a Householder matrix keeps 7/8 of every line
//!   in place each trip, so echoes multiply slowly; every Hadamard entry has the same magnitude,
//!   so each trip spreads every line over all 16 and the echo density grows 16× per trip.
//! - Input and output patterns are *bent* sign vectors (their Walsh–Hadamard transform is flat):
//!   one trip after injection the input is spread evenly over all lines, instead of collapsing
//!   into one line as a Hadamard-row pattern would. Left and right patterns are orthogonal, so
//!   the two outputs of a diffuse tail are uncorrelated (low IACC).
//! - Cubic Lagrange interpolation rather than linear: linear interpolation at half-sample
//!   offsets is a (1+z⁻¹)/2 low-pass *inside the loop* that would shorten the 2 kHz decay of a
//!   10 s setting by tens of percent. Cubic Lagrange loses 0.001 dB per trip at 2 kHz/44.1 kHz
//!   and is passive (|H| ≤ 1), so it never adds energy.

use super::absorption::{DecayProfile, LineAbsorption, ShelfWarp};
use super::modulation::WanderBank;
use super::primes::PrimeTable;
use crate::core::crossfade::ChainedCrossfade;
use crate::core::ring::RingBank;
use crate::core::svf::SvfBank;
use crate::denormal::flush;

/// Number of delay lines.
pub const LINES: usize = 16;

/// Shortest line, samples. Keeps the cubic reader's four taps behind the write head even with
/// modulation (limited to a quarter of the line) at the smallest Size and 8 kHz.
pub const MIN_LINE_SAMPLES: u32 = 8;

/// Relative line lengths before normalisation to a mean of 1: a roughly geometric spread over a
/// ratio of ~3.7 (short lines give early echo density, long ones a smooth late decay), detuned
/// by a few percent so no two ratios are simply related.
const RAW_LENGTH_RATIOS: [f64; LINES] = [
    0.550, 0.6044, 0.6539, 0.7204, 0.7727, 0.8720, 0.9308, 1.0291, 1.0937, 1.2214, 1.3085, 1.4347, 1.5278,
    1.7102, 1.8633, 2.0441,
];

/// Per-line multipliers of the modulation rate, so no two lines wander in step.
const LFO_RATE_FACTORS: [f32; LINES] =
    [0.81, 1.17, 0.93, 1.29, 0.87, 1.06, 0.76, 1.21, 0.98, 1.12, 0.84, 1.25, 0.90, 1.02, 0.79, 1.15];

/// `(−1)^f(i)` for the bent function `f = (b₀∧b₁) ⊕ (b₂∧b₃)` (or the same with the bit pairs
/// `p`/`q`) plus the linear term selected by `linear_mask`, scaled by ¼ for unit norm.
///
/// Adding a non-zero linear term keeps the function bent and makes it orthogonal to the one
/// without it, which is how the left/right pairs are built.
const fn bent_pattern(p: (u32, u32), q: (u32, u32), linear_mask: usize) -> [f32; LINES] {
    let mut out = [0.0f32; LINES];
    let mut i = 0;
    while i < LINES {
        let quadratic = ((i >> p.0) & (i >> p.1) & 1) ^ ((i >> q.0) & (i >> q.1) & 1);
        let f = quadratic ^ ((i & linear_mask).count_ones() as usize & 1);
        out[i] = if f == 0 { 0.25 } else { -0.25 };
        i += 1;
    }
    out
}

/// How the left input enters the lines.
const INPUT_LEFT: [f32; LINES] = bent_pattern((0, 1), (2, 3), 0);
/// How the right input enters the lines (orthogonal to the left).
const INPUT_RIGHT: [f32; LINES] = bent_pattern((0, 1), (2, 3), 0b0001);
/// Left output taps.
const OUTPUT_LEFT: [f32; LINES] = bent_pattern((0, 2), (1, 3), 0b0110);
/// Right output taps (orthogonal to the left).
const OUTPUT_RIGHT: [f32; LINES] = bent_pattern((0, 2), (1, 3), 0b1110);

/// In-place fast Walsh–Hadamard transform scaled to be orthonormal.
#[inline(always)]
fn hadamard(x: &mut [f32; LINES]) {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (a, b) = (x[j], x[j + h]);
                x[j] = a + b;
                x[j + h] = a - b;
            }
            i += 2 * h;
        }
        h *= 2;
    }
    // 1/√16 = ¼ is exact in binary floating point, so the scaling itself adds no rounding.
    for v in x.iter_mut() {
        *v *= 0.25;
    }
}

/// Reads every line of `lines` at its own fractional delay (≥ 2 pushes ago, before this
/// sample's push) with cubic Lagrange interpolation over the delays `⌊delay⌋−1 … ⌊delay⌋+2`.
///
/// Written lane-parallel: four gathers (one per tap) and the kernel of all 16 lines as vector
/// arithmetic. Each lane computes exactly the scalar formula, in the same order.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn read_cubic(lines: &RingBank<LINES>, delays: &[f32; LINES]) -> [f32; LINES] {
    // Through i32: float↔int32 conversions are single vector instructions (the delays are
    // positive and far below 2³¹, so the values are those of a conversion through usize).
    let mut whole = [0u32; LINES];
    let mut fraction = [0.0f32; LINES];
    for i in 0..LINES {
        let truncated = delays[i] as i32;
        whole[i] = truncated as u32;
        fraction[i] = delays[i] - truncated as f32;
    }
    let xm1 = lines.gather(&whole.map(|w| w - 1), 0);
    let x0 = lines.gather(&whole, 0);
    let x1 = lines.gather(&whole, 1);
    let x2 = lines.gather(&whole, 2);
    let mut out = [0.0f32; LINES];
    for i in 0..LINES {
        let f = fraction[i];
        let fm1 = f - 1.0;
        let fm2 = f - 2.0;
        let fp1 = f + 1.0;
        let hm1 = -f * fm1 * fm2 * (1.0 / 6.0);
        let h0 = fp1 * fm1 * fm2 * 0.5;
        let h1 = -fp1 * f * fm2 * 0.5;
        let h2 = fp1 * f * fm1 * (1.0 / 6.0);
        out[i] = hm1 * xm1[i] + h0 * x0[i] + h1 * x1[i] + h2 * x2[i];
    }
    out
}

/// Reads every line at its integer delay: where the cubic kernel is the identity (`f == 0`
/// gives weights 0, 1, 0, 0), so this is the same value without the kernel.
#[inline(always)]
fn read_whole(lines: &RingBank<LINES>, delays: &[u32; LINES]) -> [f32; LINES] {
    lines.gather(delays, 0)
}

/// The 16-line network with its absorption, modulation and length crossfades.
#[derive(Debug, Clone)]
pub struct FeedbackDelayNetwork {
    /// The delay lines, one head for all.
    lines: RingBank<LINES>,
    /// Longest length a line may be given (buffer room minus modulation and interpolation).
    max_length: u32,
    /// Line lengths (integer samples, distinct primes): current and crossfade target.
    lengths: ChainedCrossfade<[u32; LINES]>,
    /// Relative lengths, normalised to mean 1.
    ratios: [f64; LINES],
    /// Broadband trip gain for the `from` lengths.
    gain_from: [f32; LINES],
    /// Broadband trip gain for the `to` lengths.
    gain_to: [f32; LINES],
    /// Shelves at the low crossover, one per line (designed for the `to` lengths).
    low_shelves: SvfBank<f32, LINES>,
    /// Shelves at the high crossover, one per line.
    high_shelves: SvfBank<f32, LINES>,
    /// One random modulator per line.
    lfos: WanderBank<LINES>,
    /// Per line, the largest modulation excursion: a quarter of its shorter crossfade end.
    modulation_limits: [f32; LINES],
    /// Decay targets the absorption is designed for.
    profile: DecayProfile,
    /// How far the loop is frozen (0..1) in the current design.
    freeze: f64,
    /// Sample rate, Hz.
    sample_rate: f64,
    /// Sieve for picking prime lengths.
    primes: PrimeTable,
}

impl Default for FeedbackDelayNetwork {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedbackDelayNetwork {
    /// An unprepared network (no allocation).
    pub fn new() -> Self {
        let mean = RAW_LENGTH_RATIOS.iter().sum::<f64>() / LINES as f64;
        Self {
            lines: Default::default(),
            max_length: MIN_LINE_SAMPLES,
            lengths: ChainedCrossfade::new([MIN_LINE_SAMPLES; LINES]),
            ratios: std::array::from_fn(|i| RAW_LENGTH_RATIOS[i] / mean),
            gain_from: [0.0; LINES],
            gain_to: [0.0; LINES],
            low_shelves: SvfBank::default(),
            high_shelves: SvfBank::default(),
            lfos: WanderBank::new(),
            modulation_limits: [0.0; LINES],
            profile: DecayProfile {
                mid_s: 1.0,
                low_s: 1.0,
                high_s: 1.0,
                low_crossover_hz: 200.0,
                high_crossover_hz: 4000.0,
            },
            freeze: 0.0,
            sample_rate: 48_000.0,
            primes: PrimeTable::new(),
        }
    }

    /// Whether [`prepare`](Self::prepare) has run.
    pub fn is_prepared(&self) -> bool {
        self.lines.is_allocated()
    }

    /// Allocates every line for a mean length up to `max_mean_samples`, with room for
    /// `max_modulation` samples of modulation, and sets the length crossfade to `fade_samples`.
    pub fn prepare(
        &mut self,
        sample_rate: f32,
        max_mean_samples: f64,
        max_modulation: f32,
        fade_samples: u32,
    ) {
        self.sample_rate = sample_rate as f64;
        let longest_ratio = self.ratios.iter().cloned().fold(0.0, f64::max);
        // The prime picker may move a line a few primes up; 2 % and 64 samples cover that.
        let max_length =
            ((longest_ratio * max_mean_samples * 1.02).ceil() as u32 + 64).max(4 * MIN_LINE_SAMPLES);
        let room = max_length as usize + max_modulation.ceil() as usize + 8;
        self.lines.allocate(room);
        self.max_length = max_length;
        self.primes.build(max_length + 1000);
        self.lengths.set_length(fade_samples);
        self.reset();
    }

    /// Clears lines, filters and modulators (no allocation).
    pub fn reset(&mut self) {
        self.lines.clear();
        self.low_shelves.reset();
        self.high_shelves.reset();
        self.lfos.reset();
        let latest = *self.lengths.latest();
        self.lengths.snap(latest);
        self.redesign();
    }

    /// The distinct prime lengths for a mean line length of `mean_samples`.
    pub fn lengths_for_mean(&self, mean_samples: f64) -> [u32; LINES] {
        let targets: [f64; LINES] = std::array::from_fn(|i| self.ratios[i] * mean_samples);
        self.primes.distinct_lengths(&targets, MIN_LINE_SAMPLES, self.max_length)
    }

    /// Moves the lines to `lengths`: at once (`fade == false`, for reset and the first
    /// settings) or by a crossfade.
    pub fn set_lengths(&mut self, lengths: [u32; LINES], fade: bool) {
        if fade {
            self.lengths.request(lengths);
        } else {
            self.lengths.snap(lengths);
            self.redesign();
        }
    }

    /// Sets the decay targets and the freeze amount, redesigning every line's absorption.
    pub fn set_absorption(&mut self, profile: DecayProfile, freeze: f64) {
        if profile != self.profile || freeze != self.freeze {
            self.profile = profile;
            self.freeze = freeze;
            self.redesign();
        }
    }

    /// Recomputes trip gains (both crossfade ends) and shelves (for the `to` lengths).
    fn redesign(&mut self) {
        let fs = self.sample_rate;
        let warp = ShelfWarp::new(&self.profile, fs);
        let from = *self.lengths.from();
        let to = *self.lengths.to();
        // A quarter of the line at most, so short lines (small Size) cannot be read ahead of
        // their write head.
        self.modulation_limits = std::array::from_fn(|i| 0.25 * from[i].min(to[i]) as f32);
        for i in 0..LINES {
            let design = LineAbsorption::design_with(&warp, to[i] as f64, fs, &self.profile, self.freeze);
            self.gain_to[i] = design.gain;
            self.low_shelves.set(i, &design.low_shelf);
            self.high_shelves.set(i, &design.high_shelf);
            self.gain_from[i] = if from[i] == to[i] {
                design.gain
            } else {
                LineAbsorption::design_with(&warp, from[i] as f64, fs, &self.profile, self.freeze).gain
            };
        }
    }

    /// Runs one sample. `depth` is the modulation depth in samples (0 disables it and leaves the
    /// reads at integer positions, where cubic interpolation is exact); `lfo_increment` is the
    /// nominal modulation rate divided by the sample rate. Returns the (left, right) output.
    #[inline]
    pub fn tick(&mut self, input_left: f32, input_right: f32, depth: f32, lfo_increment: f32) -> (f32, f32) {
        let was_fading = self.lengths.is_fading();
        if self.lengths.tick() {
            self.redesign();
        } else if was_fading && !self.lengths.is_fading() {
            self.gain_from = self.gain_to;
        }
        let from = self.lengths.from();
        let to = self.lengths.to();
        let fading = self.lengths.is_fading();
        let progress = self.lengths.progress();

        // Modulation offsets: every line's wander as one vector pass (the segment changes branch
        // inside the bank, rarely).
        let mut y = if depth > 0.0 {
            let increments: [f32; LINES] = std::array::from_fn(|i| lfo_increment * LFO_RATE_FACTORS[i]);
            let wander = self.lfos.next(&increments);
            let offset: [f32; LINES] =
                std::array::from_fn(|i| depth.min(self.modulation_limits[i]) * wander[i]);
            let mut y = read_cubic(&self.lines, &std::array::from_fn(|i| from[i] as f32 + offset[i]));
            if fading {
                let w = read_cubic(&self.lines, &std::array::from_fn(|i| to[i] as f32 + offset[i]));
                crossfade_lines(&mut y, &self.gain_from, &w, &self.gain_to, progress);
            } else {
                scale_lines(&mut y, &self.gain_from);
            }
            y
        } else {
            // Integer positions: the cubic kernel is the identity there.
            let mut y = read_whole(&self.lines, from);
            if fading {
                let w = read_whole(&self.lines, to);
                crossfade_lines(&mut y, &self.gain_from, &w, &self.gain_to, progress);
            } else {
                scale_lines(&mut y, &self.gain_from);
            }
            y
        };
        self.low_shelves.process(&mut y);
        self.high_shelves.process(&mut y);

        let mut out_left = 0.0;
        let mut out_right = 0.0;
        for i in 0..LINES {
            out_left += OUTPUT_LEFT[i] * y[i];
            out_right += OUTPUT_RIGHT[i] * y[i];
        }

        hadamard(&mut y);
        self.lines.push(std::array::from_fn(|i| {
            flush(y[i] + INPUT_LEFT[i] * input_left + INPUT_RIGHT[i] * input_right)
        }));
        (out_left, out_right)
    }

    /// Energy stored in the lines: the sum of squares of the last `length` samples of every line.
    ///
    /// With a frozen loop (lossless absorption, no modulation, no crossfade) this is exactly
    /// what the orthogonal matrix preserves, so tests use it to prove that freeze never grows.
    /// Diagnostic only: O(total delay), not for the audio thread.
    pub fn stored_energy(&self) -> f64 {
        let lengths = self.lengths.from();
        let mut sum = 0.0f64;
        for (i, &len) in lengths.iter().enumerate() {
            for k in 1..=len as usize {
                let v = self.lines.at(i, k) as f64;
                sum += v * v;
            }
        }
        sum
    }
}

/// `y[i] *= gain[i]`: the lines' broadband trip gains.
#[inline(always)]
fn scale_lines(y: &mut [f32; LINES], gain: &[f32; LINES]) {
    for (y, g) in y.iter_mut().zip(gain) {
        *y *= g;
    }
}

/// `y = y·gain_from + progress·(w·gain_to − y·gain_from)`: the length crossfade of every line.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn crossfade_lines(
    y: &mut [f32; LINES],
    gain_from: &[f32; LINES],
    w: &[f32; LINES],
    gain_to: &[f32; LINES],
    progress: f32,
) {
    for i in 0..LINES {
        let from = y[i] * gain_from[i];
        y[i] = from + progress * (w[i] * gain_to[i] - from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_orthonormal_and_bent() {
        let dot = |a: &[f32; LINES], b: &[f32; LINES]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        for p in [&INPUT_LEFT, &INPUT_RIGHT, &OUTPUT_LEFT, &OUTPUT_RIGHT] {
            assert!((dot(p, p) - 1.0).abs() < 1e-6);
            let mut h = *p;
            hadamard(&mut h);
            // Bent: the orthonormal Walsh–Hadamard transform is flat, ±1/4 everywhere.
            assert!(h.iter().all(|v| (v.abs() - 0.25).abs() < 1e-6), "{h:?}");
        }
        assert!(dot(&INPUT_LEFT, &INPUT_RIGHT).abs() < 1e-6);
        assert!(dot(&OUTPUT_LEFT, &OUTPUT_RIGHT).abs() < 1e-6);
    }

    #[test]
    fn hadamard_is_orthonormal() {
        let mut x: [f32; LINES] = std::array::from_fn(|i| (i as f32 * 0.37).sin());
        let e0: f32 = x.iter().map(|v| v * v).sum();
        hadamard(&mut x);
        let e1: f32 = x.iter().map(|v| v * v).sum();
        assert!((e0 - e1).abs() < 1e-5 * e0);
        hadamard(&mut x); // H·H = I for the scaled Sylvester matrix
        for (i, v) in x.iter().enumerate() {
            assert!((v - (i as f32 * 0.37).sin()).abs() < 1e-5);
        }
    }

    #[test]
    fn cubic_reader_is_exact_at_integers_and_on_cubics() {
        let mut lines = RingBank::<LINES>::default();
        lines.allocate(64);
        // Push a cubic polynomial of time into every line, the newest sample (age 1) at t = 0.
        let p = |t: f32| 0.5 + 0.1 * t - 0.01 * t * t + 0.0005 * t * t * t;
        for k in (0..60usize).rev() {
            lines.push([p(-(k as f32)); LINES]);
        }
        // Each line read at its own delay, integer and fractional.
        let delays: [f32; LINES] = std::array::from_fn(|i| [2.0f32, 3.25, 7.5, 10.9][i % 4] + (i / 4) as f32);
        let read = read_cubic(&lines, &delays);
        for (&d, &v) in delays.iter().zip(&read) {
            assert!((v - p(1.0 - d)).abs() < 1e-4, "{d}: {v} vs {}", p(1.0 - d));
        }
        // At integer delays the kernel is the identity: the plain read gives the same values.
        let whole: [u32; LINES] = std::array::from_fn(|i| 2 + i as u32);
        let integer_read = read_cubic(&lines, &whole.map(|d| d as f32));
        assert_eq!(read_whole(&lines, &whole), integer_read);
    }

    #[test]
    fn cubic_reader_is_passive() {
        // |H(ω)| ≤ 1 for every fraction: the interpolator can never add energy to the loop.
        for step in 0..=20 {
            let f = step as f64 / 20.0;
            let h = [
                -f * (f - 1.0) * (f - 2.0) / 6.0,
                (f + 1.0) * (f - 1.0) * (f - 2.0) / 2.0,
                -(f + 1.0) * f * (f - 2.0) / 2.0,
                (f + 1.0) * f * (f - 1.0) / 6.0,
            ];
            for k in 0..=200 {
                let w = std::f64::consts::PI * k as f64 / 200.0;
                let (mut re, mut im) = (0.0, 0.0);
                for (n, c) in h.iter().enumerate() {
                    re += c * (w * n as f64).cos();
                    im -= c * (w * n as f64).sin();
                }
                assert!(re * re + im * im <= 1.0 + 1e-9, "f={f} w={w}");
            }
        }
    }
}
