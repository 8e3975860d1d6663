//! The delay line and its band-limited fractional read.
//!
//! # Interpolator
//! A fractional delay `d = n + μ` is read with a 32-tap windowed-sinc FIR: the ideal
//! band-limited reconstruction `sinc(t)` truncated to |t| < 16 by a Kaiser window (β = 10). The
//! kernel is tabulated for 256 equally spaced values of μ in `[0, 1]` (257 rows, 32 KiB) and the
//! read linearly interpolates the coefficients between the two neighbouring rows (one pass of 32
//! multiply-adds). Design choices, measured with the analytic delayed sine as the reference:
//! - the cutoff sits exactly at Nyquist, so row 0 is a unit impulse: integer delays are bit-exact;
//! - every row is normalised to unity DC gain, then every fractional row is scaled down so its
//!   magnitude response never exceeds 1 (the Kaiser pass-band ripple reaches +2·10⁻⁵; left
//!   alone, a 100 % feedback loop at a fractional delay crept up by +0.24 dB per 6000 passes).
//!   The price is a DC gain within 2·10⁻⁵ of 1 (−94 dB) for fractional delays;
//! - error against the exact delayed sine (tests/delay.rs, 48 kHz, 8 fractions + a modulated
//!   read): −93.8 dB or better at 0.25·fs, −88 dB or better at 0.40·fs. Above ~0.42·fs the
//!   window's transition band takes over: the top of the spectrum (above ~18.5 kHz at 44.1 kHz)
//!   is softened whenever the delay is not a whole number of samples (modulating, gliding, or a
//!   fractional time such as 375 ms at 44.1 kHz);
//! - 16 taps would only reach −21 dB at 0.40·fs and −92 dB at 0.25·fs; 32 is the shortest length
//!   that is clean across the audio band.
//!
//! # Causality
//! The FIR is centred on the read point, so it needs 15 samples *newer* than the integer part of
//! the delay. Because the delay is read before the current sample is written (the feedback loop
//! needs the read to compute the write), the shortest readable delay is [`MIN_READ_DELAY`] = 16
//! samples (0.36 ms at 44.1 kHz; below 16 kHz the 1 ms minimum time is raised to 16 samples).

use crate::core::ring::Ring;

/// Number of FIR taps of the fractional read.
pub const INTERPOLATOR_TAPS: usize = 32;

/// Number of tabulated fractional positions between two samples (the table has one more row).
pub const INTERPOLATOR_PHASES: usize = 256;

/// Kaiser window shape: trades stop-band depth (≈ −100 dB) against transition width.
pub const INTERPOLATOR_KAISER_BETA: f64 = 10.0;

/// Every fractional row is scaled so its magnitude response peaks at `1 −` this. The margin
/// covers the rounding of the coefficients to f32 (≤ 32 · 2⁻²⁴ · Σ|c| ≈ 1.4·10⁻⁷), so the
/// stored kernel never amplifies any frequency.
pub const INTERPOLATOR_GAIN_HEADROOM: f64 = 2e-6;

/// Number of frequencies (0 to Nyquist) at which the design checks each row's gain; the ripple
/// lobes are ~60 points wide on this grid, so their peaks are not missed.
const GAIN_CHECK_POINTS: usize = 1024;

/// Half the FIR length: how far the kernel reaches on either side of the read point.
const HALF_TAPS: usize = INTERPOLATOR_TAPS / 2;

/// The shortest delay, in samples, the interpolating read can produce without looking ahead.
pub const MIN_READ_DELAY: f64 = HALF_TAPS as f64;

/// One row of the polyphase table: the kernel for one fractional position.
type KernelRow = [f32; INTERPOLATOR_TAPS];

/// The tabulated windowed-sinc kernel. Stateless after design; shared by every line of a stage.
#[derive(Debug, Clone, Default)]
pub struct SincTable {
    /// `INTERPOLATOR_PHASES + 1` rows; row `p` is the kernel for μ = p / PHASES. Tap `i` of a row
    /// multiplies the sample `16 − i` positions newer than the integer read point.
    rows: Vec<KernelRow>,
}

impl SincTable {
    /// An empty table (no allocation). [`design`](Self::design) fills it.
    pub fn new() -> Self {
        Self { rows: Vec::new() }
    }

    /// Computes the table (allocates; call from `prepare`). Idempotent: the kernel does not
    /// depend on the sample rate, so a second call does nothing.
    pub fn design(&mut self) {
        if !self.rows.is_empty() {
            return;
        }
        let grid = FrequencyGrid::new();
        self.rows = (0..=INTERPOLATOR_PHASES)
            .map(|p| kernel_row(p as f64 / INTERPOLATOR_PHASES as f64, &grid))
            .collect();
    }

    /// Whether [`design`](Self::design) has run.
    pub fn is_ready(&self) -> bool {
        !self.rows.is_empty()
    }

    /// The kernel tabulated for μ = `phase / INTERPOLATOR_PHASES`, for inspection by tests.
    #[cfg(any(test, feature = "testing"))]
    pub fn row(&self, phase: usize) -> &[f32; INTERPOLATOR_TAPS] {
        &self.rows[phase]
    }
}

/// Designs one kernel row in f64: Kaiser-windowed sinc sampled at `16 − i − μ`, unity DC gain.
fn kernel_row(mu: f64, grid: &FrequencyGrid) -> KernelRow {
    let half = HALF_TAPS as f64;
    let window_norm = bessel_i0(INTERPOLATOR_KAISER_BETA);
    let mut taps = [0.0f64; INTERPOLATOR_TAPS];
    for (i, tap) in taps.iter_mut().enumerate() {
        let t = half - i as f64 - mu;
        let shape = (1.0 - (t / half) * (t / half)).max(0.0);
        let window = bessel_i0(INTERPOLATOR_KAISER_BETA * shape.sqrt()) / window_norm;
        *tap = normalized_sinc(t) * window;
    }
    // Unity DC first, so a constant reads back as that constant ...
    let sum: f64 = taps.iter().sum();
    let mut scale = 1.0 / sum;
    // ... then no frequency may come out louder than it went in: the pass-band ripple would
    // otherwise let a 100 % feedback loop read at a fractional delay creep upwards forever.
    // The two whole-sample rows (μ = 0 and 1) are exact impulses and stay untouched.
    if mu != 0.0 && mu != 1.0 {
        let peak = grid.peak_magnitude(&taps) * scale;
        let limit = 1.0 - INTERPOLATOR_GAIN_HEADROOM;
        if peak > limit {
            scale *= limit / peak;
        }
    }
    let mut row = [0.0f32; INTERPOLATOR_TAPS];
    for (out, tap) in row.iter_mut().zip(taps) {
        *out = (tap * scale) as f32;
    }
    row
}

/// The complex exponentials `e^{−jωi}` of every tap `i` at [`GAIN_CHECK_POINTS`] + 1
/// frequencies from 0 to Nyquist, for checking a row's magnitude response (design time only).
struct FrequencyGrid {
    /// `cos(ω_k · i)` at index `k · TAPS + i`.
    cos: Vec<f64>,
    /// `sin(ω_k · i)` at index `k · TAPS + i`.
    sin: Vec<f64>,
}

impl FrequencyGrid {
    /// Tabulates the grid `ω_k = π·k / GAIN_CHECK_POINTS`.
    fn new() -> Self {
        let count = (GAIN_CHECK_POINTS + 1) * INTERPOLATOR_TAPS;
        let (mut cos, mut sin) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for k in 0..=GAIN_CHECK_POINTS {
            let omega = std::f64::consts::PI * k as f64 / GAIN_CHECK_POINTS as f64;
            for i in 0..INTERPOLATOR_TAPS {
                cos.push((omega * i as f64).cos());
                sin.push((omega * i as f64).sin());
            }
        }
        Self { cos, sin }
    }

    /// The largest `|Σ taps[i]·e^{−jωi}|` over the grid.
    fn peak_magnitude(&self, taps: &[f64; INTERPOLATOR_TAPS]) -> f64 {
        self.cos
            .chunks_exact(INTERPOLATOR_TAPS)
            .zip(self.sin.chunks_exact(INTERPOLATOR_TAPS))
            .map(|(c, s)| {
                let re: f64 = taps.iter().zip(c).map(|(t, c)| t * c).sum();
                let im: f64 = taps.iter().zip(s).map(|(t, s)| t * s).sum();
                (re * re + im * im).sqrt()
            })
            .fold(0.0, f64::max)
    }
}

/// `sin(πt)/(πt)`, exactly 1 at 0 and exactly 0 at the other integers (so row 0 is an impulse).
fn normalized_sinc(t: f64) -> f64 {
    if t == 0.0 {
        1.0
    } else if t == t.round() {
        0.0
    } else {
        let x = std::f64::consts::PI * t;
        x.sin() / x
    }
}

/// Modified Bessel function of the first kind, order 0, by its power series (converges fast for
/// the arguments a Kaiser window uses; 1e-17 relative accuracy at β = 10 within ~40 terms).
fn bessel_i0(x: f64) -> f64 {
    let half_x_sq = 0.25 * x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..200 {
        term *= half_x_sq / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-18 {
            break;
        }
    }
    sum
}

/// One channel's recorded signal (the engine's [`Ring`]), read at fractional delays.
///
/// The ring mirrors its first `INTERPOLATOR_TAPS` samples after its end, so the 32 samples under
/// the FIR are always one contiguous slice and the read needs no wrap check.
#[derive(Debug, Clone, Default)]
pub struct DelayLine {
    /// The recorded samples; `at(1)` is the newest.
    ring: Ring,
}

impl DelayLine {
    /// An empty line (no allocation). Reads return 0 until [`allocate`](Self::allocate).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sizes the ring so delays up to `max_delay` samples (plus the kernel reach) can be read.
    /// Allocates; call from `prepare`. Clears the content.
    pub fn allocate(&mut self, max_delay: f64) {
        let needed = max_delay.ceil() as usize + INTERPOLATOR_TAPS + 2;
        self.ring.allocate(needed, INTERPOLATOR_TAPS);
    }

    /// The longest delay (samples) that [`read`](Self::read) accepts, 0 before allocation.
    pub fn max_delay(&self) -> f64 {
        if self.ring.is_allocated() {
            (self.ring.capacity() - INTERPOLATOR_TAPS - 2) as f64
        } else {
            0.0
        }
    }

    /// The raw ring (including the mirror), for state inspection in tests.
    #[cfg(test)]
    pub fn recorded(&self) -> &[f32] {
        self.ring.storage()
    }

    /// Silences the line without reallocating.
    pub fn clear(&mut self) {
        self.ring.clear();
    }

    /// Appends one sample (the "record head").
    #[inline]
    pub fn push(&mut self, sample: f32) {
        if self.ring.is_allocated() {
            self.ring.push(sample);
        }
    }

    /// The signal as it was `delay` samples before the sample about to be pushed, band-limited
    /// interpolated. `delay` is clamped to `[MIN_READ_DELAY, max_delay()]`.
    #[inline]
    pub fn read(&self, table: &SincTable, delay: f64) -> f32 {
        if !self.ring.is_allocated() || !table.is_ready() {
            return 0.0;
        }
        let delay = delay.clamp(MIN_READ_DELAY, self.max_delay());
        // delay ≥ 16 > 0, so truncation is floor (and avoids a libm call on baseline x86-64).
        let whole = delay as usize;
        let fraction = delay - whole as f64;
        if fraction == 0.0 {
            // Row 0 is a unit impulse, so this shortcut is the same arithmetic, only cheaper.
            return self.ring.at(whole);
        }
        let window = self.ring.window::<INTERPOLATOR_TAPS>(whole + HALF_TAPS);
        let position = fraction * INTERPOLATOR_PHASES as f64;
        let phase = (position as usize).min(INTERPOLATOR_PHASES - 1);
        let between = (position - phase as f64) as f32;
        let (lower, upper) = (&table.rows[phase], &table.rows[phase + 1]);
        partial_sum_dot(window, |i| lower[i] + between * (upper[i] - lower[i]))
    }

    /// The read [`read`](Self::read) does at `delay`, prepared once for a delay that stays put
    /// for a whole block: the clamp, the split into whole and fractional part and, for a
    /// fractional delay, the kernel interpolated between its two table rows are done here, not
    /// per sample. [`read_fixed`](Self::read_fixed) then returns exactly what `read` would.
    pub fn fixed_read(&self, table: &SincTable, delay: f64) -> FixedRead {
        if !self.ring.is_allocated() || !table.is_ready() {
            return FixedRead::Silent;
        }
        let delay = delay.clamp(MIN_READ_DELAY, self.max_delay());
        let whole = delay as usize;
        let fraction = delay - whole as f64;
        if fraction == 0.0 {
            return FixedRead::Whole(whole);
        }
        let position = fraction * INTERPOLATOR_PHASES as f64;
        let phase = (position as usize).min(INTERPOLATOR_PHASES - 1);
        let between = (position - phase as f64) as f32;
        let (lower, upper) = (&table.rows[phase], &table.rows[phase + 1]);
        FixedRead::Fraction {
            window_age: whole + HALF_TAPS,
            kernel: std::array::from_fn(|i| lower[i] + between * (upper[i] - lower[i])),
        }
    }

    /// The sample [`read`](Self::read) would return for the delay `fixed` was prepared for,
    /// `ahead` pushes from now, as long as those pushes cannot reach the read (`ahead` below
    /// [`FixedRead::reach`]): reads for a run of frames before the run's samples are pushed.
    #[inline(always)]
    pub fn read_fixed_ahead(&self, fixed: &FixedRead, ahead: usize) -> f32 {
        match fixed {
            FixedRead::Silent => 0.0,
            FixedRead::Whole(age) => self.ring.at(*age - ahead),
            FixedRead::Fraction { window_age, kernel } => {
                let window = self.ring.window::<INTERPOLATOR_TAPS>(*window_age - ahead);
                partial_sum_dot(window, |i| kernel[i])
            }
        }
    }

    /// [`read_fixed_ahead`](Self::read_fixed_ahead) for `ahead` = 0, 1, … `out.len() − 1`
    /// (fewer than [`FixedRead::reach`]): a whole delay as one or two copies, a fractional
    /// one as one kernel pass per sample.
    pub fn read_fixed_run(&self, fixed: &FixedRead, out: &mut [f32]) {
        match fixed {
            FixedRead::Silent => out.fill(0.0),
            FixedRead::Whole(age) => self.ring.read_run(*age, out),
            FixedRead::Fraction { .. } => {
                for (ahead, sample) in out.iter_mut().enumerate() {
                    *sample = self.read_fixed_ahead(fixed, ahead);
                }
            }
        }
    }

    /// Appends a run of samples (the record head over a block).
    pub fn push_slice(&mut self, samples: &[f32]) {
        if self.ring.is_allocated() {
            self.ring.push_slice(samples);
        }
    }
}

impl FixedRead {
    /// How many frames can be read ahead before the samples they need are pushed: the read's
    /// newest sample is this many pushes old (a whole delay reads its own age; the kernel
    /// reaches 15 samples newer than the integer part). At least 1 (delays are ≥ 16).
    pub fn reach(&self) -> usize {
        match self {
            FixedRead::Silent => usize::MAX,
            FixedRead::Whole(age) => *age,
            FixedRead::Fraction { window_age, .. } => window_age + 1 - INTERPOLATOR_TAPS,
        }
    }
}

/// A read position prepared by [`DelayLine::fixed_read`] for a block in which it does not move.
#[derive(Debug, Clone, Copy)]
pub enum FixedRead {
    /// The line or the table is not set up: reads are silent.
    Silent,
    /// A whole number of samples: the sample of that age (row 0 of the kernel is an impulse).
    Whole(usize),
    /// A fractional delay: the 32 samples ending `window_age` pushes ago, weighted by the
    /// interpolated kernel.
    Fraction {
        /// Age of the oldest sample under the kernel.
        window_age: usize,
        /// The kernel for this fraction, interpolated between two table rows.
        kernel: KernelRow,
    },
}

/// `Σ x[i] · coefficient(i)`: the FIR, in one pass. The per-sample read passes coefficients
/// interpolated between two table rows (`lower[i] + t · (upper[i] − lower[i])`), a fixed read
/// the same values computed once per block, so both sum the same products in the same order.
/// Eight independent partial sums let the compiler keep them in SIMD registers (a single
/// running sum would serialise every add); written with indices because that is the form LLVM
/// vectorises best here (measured: 7.5 ns per read versus 11.3 ns for two separate dot products
/// and a lerp of their results).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn partial_sum_dot(x: &[f32; INTERPOLATOR_TAPS], coefficient: impl Fn(usize) -> f32) -> f32 {
    let mut partial = [0.0f32; 8];
    for block in 0..INTERPOLATOR_TAPS / 8 {
        for lane in 0..8 {
            let i = block * 8 + lane;
            partial[lane] += x[i] * coefficient(i);
        }
    }
    let quad =
        [partial[0] + partial[4], partial[1] + partial[5], partial[2] + partial[6], partial[3] + partial[7]];
    (quad[0] + quad[2]) + (quad[1] + quad[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn designed() -> SincTable {
        let mut t = SincTable::new();
        t.design();
        t
    }

    #[test]
    fn row_zero_is_a_unit_impulse_and_no_row_amplifies() {
        let t = designed();
        for (i, &c) in t.row(0).iter().enumerate() {
            assert_eq!(c, if i == HALF_TAPS { 1.0 } else { 0.0 });
        }
        // The last row is the first one moved by one sample.
        for i in 0..INTERPOLATOR_TAPS - 1 {
            assert_eq!(t.row(INTERPOLATOR_PHASES)[i], t.row(0)[i + 1]);
        }
        // Checked on a grid 8× finer than the design's, with the stored f32 coefficients, for
        // every row and for coefficients interpolated half-way between rows.
        let fine = 8 * GAIN_CHECK_POINTS;
        let gain = |row: &[f64; INTERPOLATOR_TAPS], k: usize| {
            let w = std::f64::consts::PI * k as f64 / fine as f64;
            let (re, im) = row.iter().enumerate().fold((0.0, 0.0), |(re, im), (i, &c)| {
                (re + c * (w * i as f64).cos(), im + c * (w * i as f64).sin())
            });
            (re * re + im * im).sqrt()
        };
        for p in (0..INTERPOLATOR_PHASES).step_by(5) {
            let lower = t.row(p).map(|c| c as f64);
            let upper = t.row(p + 1).map(|c| c as f64);
            let mid: [f64; INTERPOLATOR_TAPS] = std::array::from_fn(|i| 0.5 * (lower[i] + upper[i]));
            let dc: f64 = lower.iter().sum();
            assert!((dc - 1.0).abs() < 5e-5, "row {p} DC {dc}");
            for k in (0..=fine).step_by(3) {
                assert!(gain(&lower, k) <= 1.0, "row {p} amplifies at {k}");
                assert!(gain(&mid, k) <= 1.0, "row {p}+½ amplifies at {k}");
            }
        }
    }

    #[test]
    fn bessel_matches_known_values() {
        // Abramowitz & Stegun table 9.8: I0(1) = 1.2660658777, I0(10) = 2815.716628.
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-12);
        assert!((bessel_i0(10.0) / 2_815.716_628_466_254 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn integer_reads_are_exact_and_wrap() {
        let t = designed();
        let mut line = DelayLine::new();
        line.allocate(100.0);
        for i in 0..1000 {
            line.push(i as f32);
        }
        // The sample pushed last (999) is 1 sample old; delay 16 reads 1000 − 16 = 984.
        assert_eq!(line.read(&t, 16.0), 984.0);
        assert_eq!(line.read(&t, 100.0), 900.0);
        // Clamped to the shortest causal delay.
        assert_eq!(line.read(&t, 2.0), 984.0);
    }

    #[test]
    fn fractional_read_of_a_ramp_is_linear() {
        // A ramp is not band-limited at the ends, but deep inside the buffer the sinc kernel
        // reproduces it (rows have unity DC and are symmetric about the read point).
        let t = designed();
        let mut line = DelayLine::new();
        line.allocate(200.0);
        for i in 0..600 {
            line.push(i as f32 * 1e-3);
        }
        for &d in &[40.25, 57.5, 99.123] {
            let expected = (600.0 - d) * 1e-3;
            let got = line.read(&t, d) as f64;
            assert!((got - expected).abs() < 2e-5, "d={d}: {got} vs {expected}");
        }
    }
}
