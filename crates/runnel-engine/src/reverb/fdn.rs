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

/// Every line's bit in a line mask.
const ALL_LINES: u32 = (1 << LINES) - 1;

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

/// The lane sign masks of the four butterfly stages of [`hadamard`] (strides 1, 2, 4, 8): 0
/// where bit `stride` of the lane index is clear, the `f32` sign bit where it is set.
type ButterflySigns = [[u32; LINES]; 4];

/// The [`ButterflySigns`] values.
const BUTTERFLY_SIGNS: ButterflySigns = {
    let mut signs = [[0u32; LINES]; 4];
    let mut stage = 0;
    while stage < 4 {
        let mut j = 0;
        while j < LINES {
            if j & (1 << stage) != 0 {
                signs[stage][j] = SIGN_BIT;
            }
            j += 1;
        }
        stage += 1;
    }
    signs
};

/// The sign bit of an `f32`.
const SIGN_BIT: u32 = 0x8000_0000;

/// In-place fast Walsh–Hadamard transform scaled to be orthonormal: the textbook in-place
/// transform (strides 1, 2, 4, 8; see the test) written as uniform lane operations, each
/// stage one constant shuffle, one sign flip and one addition per vector.
///
/// `signs` must hold [`BUTTERFLY_SIGNS`]; the network passes its own copy, a value the
/// compiler cannot see, because with the constants in view it folds the sign flips back into
/// an addition on half the lanes and a subtraction on the other, which it then compiles to
/// 128-bit pieces and shuffles (three times the instructions).
#[inline(always)]
fn hadamard(x: &mut [f32; LINES], signs: &ButterflySigns) {
    butterflies::<1>(x, &signs[0]);
    butterflies::<2>(x, &signs[1]);
    butterflies::<4>(x, &signs[2]);
    butterflies::<8>(x, &signs[3]);
    // 1/√16 = ¼ is exact in binary floating point, so the scaling itself adds no rounding.
    for v in x.iter_mut() {
        *v *= 0.25;
    }
}

/// One stage of the in-place transform at stride `STRIDE`: for every pair `(a, b)` =
/// `(x[j], x[j + STRIDE])`, `x[j] = a + b` and `x[j + STRIDE] = a − b`, the values of the
/// textbook loop, computed for every lane alike as `partner + (±own)`: the lower lane gives
/// `b + a` (= `a + b`, addition commutes exactly), the upper `a + (−b)` (= `a − b`). The sign
/// is flipped by an exclusive or of the sign bit, an exact negation like a multiplication by
/// −1 (the values before this change), but one cycle of latency instead of four on the
/// network's longest dependency chain.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn butterflies<const STRIDE: usize>(x: &mut [f32; LINES], sign: &[u32; LINES]) {
    let mut out = [0.0f32; LINES];
    for j in 0..LINES {
        out[j] = x[j ^ STRIDE] + f32::from_bits(x[j].to_bits() ^ sign[j]);
    }
    *x = out;
}

/// The textbook in-place transform (stride 1, 2, 4, 8), the reference of [`hadamard`].
#[cfg(test)]
fn hadamard_in_place(x: &mut [f32; LINES]) {
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
    let mut newer = [0u32; LINES];
    for i in 0..LINES {
        newer[i] = whole[i] - 1;
    }
    let xm1 = lines.gather(&newer, 0);
    let x0 = lines.gather(&whole, 0);
    let x1 = lines.gather(&whole, 1);
    let x2 = lines.gather(&whole, 2);
    let mut out = [0.0f32; LINES];
    for i in 0..LINES {
        out[i] = cubic(fraction[i], xm1[i], x0[i], x1[i], x2[i]);
    }
    out
}

/// Cubic Lagrange interpolation at `f` (0..1) between `x0` (delay `⌊d⌋`) and `x1` (one older),
/// with the neighbours `xm1` (newer) and `x2` (older): the one formula every read uses.
#[inline(always)]
fn cubic(f: f32, xm1: f32, x0: f32, x1: f32, x2: f32) -> f32 {
    let fm1 = f - 1.0;
    let fm2 = f - 2.0;
    let fp1 = f + 1.0;
    let hm1 = -f * fm1 * fm2 * (1.0 / 6.0);
    let h0 = fp1 * fm1 * fm2 * 0.5;
    let h1 = -fp1 * f * fm2 * 0.5;
    let h2 = fp1 * f * fm1 * (1.0 / 6.0);
    hm1 * xm1 + h0 * x0 + h1 * x1 + h2 * x2
}

/// Where [`FeedbackDelayNetwork::process_run`] delivers each sample's output.
///
/// A consumer called inside the network's per-sample loop rather than after it: the reverb's
/// wet filters are a chain of dependent operations per sample that, run as a loop of their
/// own, waited on their own latency (a fifth of the reverb's time for a tenth of its
/// instructions); interleaved with the network's independent arithmetic that latency hides.
pub trait LateSink {
    /// Takes sample `k`'s (left, right) output of the run.
    fn take(&mut self, k: usize, left: f32, right: f32);
}

/// Outputs gathered into two arrays (left, right).
impl LateSink for [[f32; MAX_RUN]; 2] {
    #[inline(always)]
    fn take(&mut self, k: usize, left: f32, right: f32) {
        self[0][k] = left;
        self[1][k] = right;
    }
}

/// Longest run [`FeedbackDelayNetwork::process_run`] takes (the reverb's control interval).
pub const MAX_RUN: usize = crate::smoothing::CONTROL_INTERVAL;

/// Rows of a run's deskewed tap window: one per sample, three more for the cubic reader's
/// neighbours, and one for a read position that crosses an integer inside the run.
const WINDOW_ROWS: usize = MAX_RUN + 4;

/// `2²³`: adding and subtracting it rounds an `f32` in `[0, 2²²)` to an integer.
const ROUNDING_BIAS: f32 = 8_388_608.0;

/// `⌊x⌋` for `0 ≤ x < 2²²` in plain `f32` arithmetic (round to nearest by the bias, then one
/// step down where that rounded up): exactly the integer `x as i32` gives, but as lane
/// arithmetic that vectorises at every level, where a saturating float→int conversion does not.
#[inline(always)]
fn floor_small(x: f32) -> f32 {
    let nearest = (x + ROUNDING_BIAS) - ROUNDING_BIAS;
    if nearest > x {
        nearest - 1.0
    } else {
        nearest
    }
}

/// The smaller of `a` and `b`, neither of them NaN (read positions, depths and limits never
/// are): one compare-and-select, a single `minps` per vector, where `f32::min`'s NaN rule
/// costs two more instructions per vector. The same value as `f32::min` for such operands.
#[inline(always)]
fn smaller(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// The larger of `a` and `b`, neither of them NaN (see [`smaller`]).
#[inline(always)]
fn larger(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// `older` where `mask` is clear, `newer` where it is all ones: a lane select that vectorises.
#[inline(always)]
fn select(mask: u32, newer: f32, older: f32) -> f32 {
    f32::from_bits((newer.to_bits() & mask) | (older.to_bits() & !mask))
}

/// Scratch of one run (kept in the network so no run clears kilobytes of stack).
#[derive(Debug, Clone)]
struct RunScratch {
    /// Every sample's delay per lane; the fractional part once split.
    fraction: [[f32; LINES]; MAX_RUN],
    /// Integer part of every sample's delay per lane (an exact integer in `f32`).
    whole: [[f32; LINES]; MAX_RUN],
    /// The deskewed taps: row u, lane i holds line i's sample aged `base[i] + 3 − u` at the
    /// run's start.
    window: [[f32; LINES]; WINDOW_ROWS],
}

impl Default for RunScratch {
    fn default() -> Self {
        Self {
            fraction: [[0.0; LINES]; MAX_RUN],
            whole: [[0.0; LINES]; MAX_RUN],
            window: [[0.0; LINES]; WINDOW_ROWS],
        }
    }
}

impl RunScratch {
    /// Stores sample `k`'s read positions `delays` split into whole and fractional parts (the
    /// same values as [`read_cubic`]'s split) and widens the run's per-lane range of whole
    /// delays, `low..=high`, by them.
    ///
    /// Called once per sample with the lane arrays in registers: splitting all samples in a
    /// second pass over the stored rows made the compiler vectorise across samples instead of
    /// lanes (strided element inserts and extracts).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn split(&mut self, k: usize, delays: &[f32; LINES], low: &mut [f32; LINES], high: &mut [f32; LINES]) {
        let mut whole = [0.0f32; LINES];
        let mut fraction = [0.0f32; LINES];
        for i in 0..LINES {
            whole[i] = floor_small(delays[i]);
            fraction[i] = delays[i] - whole[i];
            low[i] = smaller(low[i], whole[i]);
            high[i] = larger(high[i], whole[i]);
        }
        self.whole[k] = whole;
        self.fraction[k] = fraction;
    }

    /// The window's base for a run of `run` samples whose whole delays span `low..=high` per
    /// lane: `low`, if every lane's integer delay stays within one of it and the whole run's
    /// taps were written before the run started (base ≥ run + 1); else `None`.
    #[inline(always)]
    fn window_base(run: usize, low: [f32; LINES], high: &[f32; LINES]) -> Option<[f32; LINES]> {
        let shortest = (run + 1) as f32;
        let fits = (0..LINES).all(|i| high[i] - low[i] <= 1.0 && low[i] >= shortest);
        fits.then_some(low)
    }

    /// Line reads of sample `k` from the window, for the run's `base`. `SHIFTS` is false when
    /// every lane's integer delay equals its base for the whole run (no lane crosses an
    /// integer, the usual run): the taps are then the rows themselves, without the per-lane
    /// selection (which gives the same rows when nothing is shifted).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn read<const SHIFTS: bool>(&self, k: usize, base: &[f32; LINES]) -> [f32; LINES] {
        // Sample k reads ages whole−1 … whole+2 (k pushes after the run's start): rows
        // k+4 … k+1, or one row earlier where the integer delay is one above the base.
        let rows: &[[f32; LINES]; 5] = self.window[k..k + 5].try_into().expect("window rows");
        if !SHIFTS {
            return self.interpolate(k, [rows[4], rows[3], rows[2], rows[1]]);
        }
        let mut shifted = [0u32; LINES];
        for i in 0..LINES {
            shifted[i] = if self.whole[k][i] != base[i] { u32::MAX } else { 0 };
        }
        // (Plain loops, no closures: everything here must inline into the per-level copies.)
        let mut taps = [[0.0f32; LINES]; 4];
        for t in 0..4 {
            for i in 0..LINES {
                taps[t][i] = select(shifted[i], rows[3 - t][i], rows[4 - t][i]);
            }
        }
        self.interpolate(k, taps)
    }

    /// The cubic reads of sample `k` from its four taps per lane (newest first).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn interpolate(&self, k: usize, taps: [[f32; LINES]; 4]) -> [f32; LINES] {
        let fraction = &self.fraction[k];
        let mut out = [0.0f32; LINES];
        for i in 0..LINES {
            out[i] = cubic(fraction[i], taps[0][i], taps[1][i], taps[2][i], taps[3][i]);
        }
        out
    }
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
    /// Per-run read positions and deskewed taps.
    scratch: RunScratch,
    /// Lines whose absorption is not yet designed for `profile`/`freeze` (bit i = line i).
    stale_lines: u32,
    /// Where the round robin of [`refresh_absorption`](Self::refresh_absorption) goes on.
    next_line: usize,
    /// [`BUTTERFLY_SIGNS`], read from here by [`hadamard`] (see there why).
    butterfly_signs: ButterflySigns,
    /// [`INPUT_LEFT`] and [`INPUT_RIGHT`], read from here when the input is written (for the
    /// reason of [`hadamard`]: with the ±¼ constants in view, the compiler assembled each
    /// product vector from shuffles of two values instead of one multiplication).
    input_patterns: [[f32; LINES]; 2],
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
            scratch: RunScratch::default(),
            stale_lines: 0,
            next_line: 0,
            butterfly_signs: BUTTERFLY_SIGNS,
            input_patterns: [INPUT_LEFT, INPUT_RIGHT],
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

    /// Sets the decay targets and the freeze amount. Every line's absorption becomes due for
    /// a redesign, done a few lines at a time by [`refresh_absorption`](Self::refresh_absorption).
    pub fn set_absorption(&mut self, profile: DecayProfile, freeze: f64) {
        if profile != self.profile || freeze != self.freeze {
            self.profile = profile;
            self.freeze = freeze;
            self.stale_lines = ALL_LINES;
        }
    }

    /// Redesigns up to `count` lines whose absorption is due, round robin, so that a moving
    /// decay costs the same few line designs at every control update instead of all sixteen
    /// at once (each line then follows the ramp at most `LINES / count − 1` updates late).
    pub fn refresh_absorption(&mut self, count: usize) {
        if self.stale_lines == 0 {
            return;
        }
        let warp = ShelfWarp::new(&self.profile, self.sample_rate);
        for _ in 0..count {
            if self.stale_lines == 0 {
                break;
            }
            // The next due line at or after the cursor (cyclically).
            let rotated = self.stale_lines.rotate_right(self.next_line as u32);
            let line = (self.next_line + rotated.trailing_zeros() as usize) % LINES;
            self.design_line(line, &warp);
            self.stale_lines &= !(1 << line);
            self.next_line = (line + 1) % LINES;
        }
    }

    /// Recomputes every line's trip gains (both crossfade ends) and shelves (for the `to`
    /// lengths) at once: when the lengths change (their gains must match at once).
    fn redesign(&mut self) {
        let warp = ShelfWarp::new(&self.profile, self.sample_rate);
        for line in 0..LINES {
            self.design_line(line, &warp);
        }
        self.stale_lines = 0;
    }

    /// Designs line `i`'s trip gains, shelves and modulation limit for the current profile.
    fn design_line(&mut self, i: usize, warp: &ShelfWarp) {
        let fs = self.sample_rate;
        let (from, to) = (self.lengths.from()[i], self.lengths.to()[i]);
        // A quarter of the line at most, so short lines (small Size) cannot be read ahead of
        // their write head.
        self.modulation_limits[i] = 0.25 * from.min(to) as f32;
        let design = LineAbsorption::design_with(warp, to as f64, fs, &self.profile, self.freeze);
        self.gain_to[i] = design.gain;
        self.low_shelves.set(i, &design.low_shelf);
        self.high_shelves.set(i, &design.high_shelf);
        self.gain_from[i] = if from == to {
            design.gain
        } else {
            LineAbsorption::design_with(warp, from as f64, fs, &self.profile, self.freeze).gain
        };
    }

    /// Runs a run of up to [`MAX_RUN`] samples: `depth[k]` and the inputs per sample, each
    /// sample's output handed to `out` as soon as it is computed; the same values as
    /// [`tick`](Self::tick) sample by sample.
    ///
    /// While the lengths are at rest (no crossfade), every sample's read positions are computed
    /// first (they depend only on the modulators), and — when the whole run's taps were written
    /// before it started, i.e. every line is longer than the run — each line's taps for the
    /// run are copied once into a deskewed window, so each sample's reads are four row loads
    /// instead of four 16-lane gathers.
    #[inline(always)]
    #[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
    pub fn process_run(
        &mut self,
        input_left: &[f32],
        input_right: &[f32],
        depth: &[f32],
        lfo_increment: f32,
        out: &mut impl LateSink,
    ) {
        let run = input_left.len().min(input_right.len()).min(depth.len()).min(MAX_RUN);
        if !self.lengths.is_at_rest() {
            for k in 0..run {
                let (left, right) = self.tick(input_left[k], input_right[k], depth[k], lfo_increment);
                out.take(k, left, right);
            }
            return;
        }
        let from = *self.lengths.from();
        // (Plain loops, no closures: everything here must inline into the per-level copies.)
        let mut increments = [0.0f32; LINES];
        let mut lengths = [0.0f32; LINES];
        for i in 0..LINES {
            increments[i] = lfo_increment * LFO_RATE_FACTORS[i];
            lengths[i] = from[i] as f32;
        }
        if run == 0 {
            return;
        }
        let limits = self.modulation_limits;
        // Every sample's whole delays lie in `low..=high` per lane (the delays are finite, so
        // the first sample replaces these starting values).
        let mut low = [f32::MAX; LINES];
        let mut high = [f32::MIN; LINES];
        for k in 0..run {
            let mut delays = lengths;
            if depth[k] > 0.0 {
                let wander = self.lfos.next(&increments);
                let depth = depth[k];
                for i in 0..LINES {
                    delays[i] = lengths[i] + smaller(depth, limits[i]) * wander[i];
                }
            }
            // (Else integer positions, fraction 0: the cubic kernel is the identity there.)
            self.scratch.split(k, &delays, &mut low, &mut high);
        }
        let Some(base) = RunScratch::window_base(run, low, &high) else {
            // Lines shorter than the run (tiny rooms at low rates) or fast, deep modulation:
            // gathered reads, sample by sample. (`whole + fraction` is the delay exactly: the
            // split's subtraction is exact for delays ≥ 1.)
            for k in 0..run {
                let (whole, fraction) = (&self.scratch.whole[k], &self.scratch.fraction[k]);
                let mut delays = [0.0f32; LINES];
                for i in 0..LINES {
                    delays[i] = whole[i] + fraction[i];
                }
                let y = read_cubic(&self.lines, &delays);
                let (left, right) = self.feed_back(y, input_left[k], input_right[k]);
                out.take(k, left, right);
            }
            return;
        };
        let mut oldest = [0u32; LINES];
        for i in 0..LINES {
            oldest[i] = base[i] as u32 + 3;
        }
        // A full run (the usual case) with its row count known to the compiler: each lane's
        // copy is then unrolled, without a loop of unknown length per lane.
        if run == MAX_RUN {
            self.lines.deskew(&oldest, WINDOW_ROWS, &mut self.scratch.window);
        } else {
            self.lines.deskew(&oldest, run + 4, &mut self.scratch.window);
        }
        // (Two copies of the loop, so the usual run without any lane crossing an integer
        // delay skips the per-lane tap selection.)
        if (0..LINES).all(|i| high[i] == base[i]) {
            for k in 0..run {
                let y = self.scratch.read::<false>(k, &base);
                let (left, right) = self.feed_back(y, input_left[k], input_right[k]);
                out.take(k, left, right);
            }
        } else {
            for k in 0..run {
                let y = self.scratch.read::<true>(k, &base);
                let (left, right) = self.feed_back(y, input_left[k], input_right[k]);
                out.take(k, left, right);
            }
        }
    }

    /// The rest of a sample once every line is read (lengths at rest): trip gains, shelves,
    /// outputs, the matrix and the write with the input.
    #[inline(always)]
    fn feed_back(&mut self, mut y: [f32; LINES], input_left: f32, input_right: f32) -> (f32, f32) {
        scale_lines(&mut y, &self.gain_from);
        self.absorb_mix_and_write(y, input_left, input_right)
    }

    /// Shelves, outputs, matrix and write of the absorbed-gain reads `y`.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn absorb_mix_and_write(&mut self, mut y: [f32; LINES], input_left: f32, input_right: f32) -> (f32, f32) {
        self.low_shelves.process(&mut y);
        self.high_shelves.process(&mut y);

        let (out_left, out_right) = (tap_sum(&OUTPUT_LEFT, &y), tap_sum(&OUTPUT_RIGHT, &y));

        hadamard(&mut y, &self.butterfly_signs);
        let mut frame = [0.0f32; LINES];
        for i in 0..LINES {
            let [in_left, in_right] = &self.input_patterns;
            frame[i] = flush(y[i] + in_left[i] * input_left + in_right[i] * input_right);
        }
        self.lines.push(frame);
        (out_left, out_right)
    }

    /// Runs one sample. `depth` is the modulation depth in samples (0 disables it and leaves the
    /// reads at integer positions, where cubic interpolation is exact); `lfo_increment` is the
    /// nominal modulation rate divided by the sample rate. Returns the (left, right) output.
    #[inline(always)]
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
        let y = if depth > 0.0 {
            let increments: [f32; LINES] = std::array::from_fn(|i| lfo_increment * LFO_RATE_FACTORS[i]);
            let wander = self.lfos.next(&increments);
            let offset: [f32; LINES] =
                std::array::from_fn(|i| smaller(depth, self.modulation_limits[i]) * wander[i]);
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
        self.absorb_mix_and_write(y, input_left, input_right)
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

/// `Σ pattern[i]·y[i]` as a pairwise tree (halves added lane by lane: 8, 4, 2, 1), which
/// vectorises; every instruction set forms the same sums in the same order.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn tap_sum(pattern: &[f32; LINES], y: &[f32; LINES]) -> f32 {
    let mut sums = [0.0f32; LINES / 2];
    for i in 0..LINES / 2 {
        sums[i] = pattern[i] * y[i] + pattern[i + LINES / 2] * y[i + LINES / 2];
    }
    let mut width = LINES / 4;
    while width > 0 {
        for i in 0..width {
            sums[i] += sums[i + width];
        }
        width /= 2;
    }
    sums[0]
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
            hadamard(&mut h, &BUTTERFLY_SIGNS);
            // Bent: the orthonormal Walsh–Hadamard transform is flat, ±1/4 everywhere.
            assert!(h.iter().all(|v| (v.abs() - 0.25).abs() < 1e-6), "{h:?}");
        }
        assert!(dot(&INPUT_LEFT, &INPUT_RIGHT).abs() < 1e-6);
        assert!(dot(&OUTPUT_LEFT, &OUTPUT_RIGHT).abs() < 1e-6);
    }

    /// A prepared network at `fs` with lines of mean `mean` samples and a 2 s decay.
    fn network(fs: f32, mean: f64) -> FeedbackDelayNetwork {
        let mut fdn = FeedbackDelayNetwork::new();
        fdn.prepare(fs, 4.0 * mean, 0.005 * fs, 64);
        let profile = DecayProfile {
            mid_s: 2.0,
            low_s: 2.0,
            high_s: 1.0,
            low_crossover_hz: 250.0,
            high_crossover_hz: 6000.0,
        };
        fdn.set_absorption(profile, 0.0);
        fdn.refresh_absorption(LINES);
        let lengths = fdn.lengths_for_mean(mean);
        fdn.set_lengths(lengths, false);
        fdn
    }

    #[test]
    fn runs_give_the_bits_of_single_ticks_on_every_read_path() {
        // (fs, mean line, depth in samples, rate): the deskewed window (long lines, slow
        // modulation), unmodulated reads, and the gathered fallback (lines shorter than a run
        // at 8 kHz; fast deep modulation moving more than a sample per run).
        for (fs, mean, depth, rate) in [
            (48_000.0f32, 2000.0, 19.0f32, 0.7f32),
            (48_000.0, 2000.0, 0.0, 0.7),
            (8_000.0, 14.0, 1.0, 0.7),
            (48_000.0, 3000.0, 240.0, 5.0),
        ] {
            let (mut runs, mut ticks) = (network(fs, mean), network(fs, mean));
            let mut seed = 11u32;
            let mut noise = || {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as f32 / u32::MAX as f32 - 0.5
            };
            let increment = rate / fs;
            for block in 0..400 {
                let n = [16usize, 5, 16, 1, 11][block % 5];
                let (inl, inr): (Vec<f32>, Vec<f32>) = (0..n).map(|_| (noise(), noise())).unzip();
                let depths = vec![depth; n];
                let mut out = [[0.0f32; MAX_RUN]; 2];
                runs.process_run(&inl, &inr, &depths, increment, &mut out);
                let [l, r] = out;
                for k in 0..n {
                    let (el, er) = ticks.tick(inl[k], inr[k], depth, increment);
                    assert_eq!(
                        (l[k].to_bits(), r[k].to_bits()),
                        (el.to_bits(), er.to_bits()),
                        "{fs} Hz {mean} {depth}"
                    );
                }
            }
        }
    }

    #[test]
    fn lane_parallel_hadamard_gives_the_bits_of_the_in_place_one() {
        let mut seed = 3u32;
        for _ in 0..1000 {
            let x: [f32; LINES] = std::array::from_fn(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as f32 / u32::MAX as f32 - 0.5
            });
            let (mut a, mut b) = (x, x);
            hadamard(&mut a, &BUTTERFLY_SIGNS);
            hadamard_in_place(&mut b);
            assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
        }
    }

    #[test]
    fn tap_sums_are_the_dot_products() {
        let y: [f32; LINES] = std::array::from_fn(|i| (i as f32 * 0.77).sin());
        for pattern in [&OUTPUT_LEFT, &OUTPUT_RIGHT] {
            let exact: f64 = pattern.iter().zip(&y).map(|(&p, &v)| p as f64 * v as f64).sum();
            assert!((tap_sum(pattern, &y) as f64 - exact).abs() < 1e-6);
        }
    }

    #[test]
    fn hadamard_is_orthonormal() {
        let mut x: [f32; LINES] = std::array::from_fn(|i| (i as f32 * 0.37).sin());
        let e0: f32 = x.iter().map(|v| v * v).sum();
        hadamard(&mut x, &BUTTERFLY_SIGNS);
        let e1: f32 = x.iter().map(|v| v * v).sum();
        assert!((e0 - e1).abs() < 1e-5 * e0);
        hadamard(&mut x, &BUTTERFLY_SIGNS); // H·H = I for the scaled Sylvester matrix
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
