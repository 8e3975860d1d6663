//! Round-trip latency of an audio loop, to a tenth of a sample.
//!
//! The meter plays a linear chirp several times, records what the loop returns, and for each
//! repeat:
//! 1. cross-correlates stimulus and capture (by FFT) and takes the lag of the largest magnitude
//!    as the whole-frame latency; its sign is the loop's polarity;
//! 2. removes that lag from the cross-spectrum and fits the remaining phase, which a pure delay
//!    makes a straight line through the origin, `φ(f) = −2π f d / fs`, by weighted least squares
//!    over the chirp's band. `d` is the fractional part, and the fit's residual gives its
//!    standard error.
//!
//! The phase fit is what makes half a sample measurable: any loop whose phase is linear (a pure
//! delay, or a delay behind a symmetric FIR such as two averaged taps) is read exactly, whatever
//! its magnitude response. A loop that returns nothing, or noise that does not correlate with the
//! chirp, or repeats that disagree, is refused with the reason instead of a number.

use std::fmt;

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

/// Length of one chirp.
const CHIRP_SECONDS: f64 = 0.25;
/// Lowest frequency of the chirp: low enough to be above any DC blocker's corner by far
/// anyway, high enough that a short chirp still holds many cycles of it.
const CHIRP_LOW_HZ: f64 = 100.0;
/// Highest frequency of the chirp as a fraction of the sample rate: below converters'
/// anti-alias filters, which start near 0.45 fs.
const CHIRP_HIGH_FRACTION: f64 = 0.4;
/// Raised-cosine fade at both ends of the chirp, so it starts and stops without a click.
const CHIRP_FADE_SECONDS: f64 = 0.005;
/// Peak level of the chirp (−12 dBFS): loud enough to stand far above a physical loop's noise,
/// far from clipping a converter.
const CHIRP_LEVEL: f64 = 0.25;
/// How many chirps one measurement plays; their spread is the meter's consistency check.
pub const REPEATS: usize = 4;
/// Correlation peak over the correlation's RMS elsewhere below which the loop is called broken or
/// too noisy. An uncorrelated capture peaks near 4× (12 dB) its RMS over a second of lags.
const MIN_PEAK_TO_NOISE_DB: f64 = 25.0;
/// Largest standard error of the fractional part that is still reported.
const MAX_STANDARD_ERROR_FRAMES: f64 = 0.05;
/// Largest disagreement between repeats that is still reported.
const MAX_SPREAD_FRAMES: f64 = 0.2;
/// Lags this close to the peak belong to it (the chirp's correlation main lobe and its first
/// sidelobes), not to the noise floor.
const PEAK_NEIGHBOURHOOD: usize = 64;

/// The test signal and its timing: what to play and how to cut the recording.
#[derive(Debug, Clone)]
pub struct Stimulus {
    /// One chirp.
    chirp: Vec<f32>,
    /// Frames from the start of one chirp to the start of the next: the chirp plus room for the
    /// longest latency the meter looks for.
    segment_frames: usize,
    /// The sample rate the chirp was made for.
    sample_rate: f64,
}

impl Stimulus {
    /// A stimulus for `sample_rate` that can measure latencies up to `max_latency_seconds`.
    pub fn new(sample_rate: u32, max_latency_seconds: f64) -> Self {
        let fs = f64::from(sample_rate);
        let frames = (CHIRP_SECONDS * fs).round() as usize;
        let fade = (CHIRP_FADE_SECONDS * fs).round().max(1.0) as usize;
        let high = CHIRP_HIGH_FRACTION * fs;
        let sweep_rate = (high - CHIRP_LOW_HZ) / CHIRP_SECONDS;
        let chirp = (0..frames)
            .map(|n| {
                let t = n as f64 / fs;
                let phase = 2.0 * std::f64::consts::PI * (CHIRP_LOW_HZ * t + 0.5 * sweep_rate * t * t);
                let edge = n.min(frames - 1 - n);
                let envelope = if edge < fade {
                    0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / fade as f64).cos()
                } else {
                    1.0
                };
                (CHIRP_LEVEL * envelope * phase.sin()) as f32
            })
            .collect();
        let segment_frames = frames + (max_latency_seconds * fs).ceil() as usize + PEAK_NEIGHBOURHOOD;
        Self { chirp, segment_frames, sample_rate: fs }
    }

    /// Total frames to play and record: [`REPEATS`] segments.
    pub fn total_frames(&self) -> usize {
        REPEATS * self.segment_frames
    }

    /// The sample to play at `frame` of the measurement (zero between and after the chirps).
    pub fn sample(&self, frame: usize) -> f32 {
        if frame >= self.total_frames() {
            return 0.0;
        }
        self.chirp.get(frame % self.segment_frames).copied().unwrap_or(0.0)
    }

    /// Estimates the loop's latency from `captured`, recorded in step with the playback (frame 0
    /// of the capture is the cycle in which frame 0 of the stimulus was played).
    pub fn estimate(&self, captured: &[f32]) -> Result<LatencyEstimate, LatencyError> {
        if captured.len() < self.total_frames() {
            return Err(LatencyError::ShortCapture { frames: captured.len(), needed: self.total_frames() });
        }
        let mut correlator = Correlator::new(&self.chirp, self.segment_frames, self.sample_rate);
        let mut repeats = Vec::with_capacity(REPEATS);
        for segment in captured[..self.total_frames()].chunks_exact(self.segment_frames) {
            repeats.push(correlator.measure(segment)?);
        }
        let inverted = repeats[0].inverted;
        if repeats.iter().any(|r| r.inverted != inverted) {
            return Err(LatencyError::Unstable { spread_frames: f64::NAN, reason: "the polarity changed" });
        }
        let (min, max) = repeats
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r.frames), hi.max(r.frames)));
        let spread = max - min;
        if spread > MAX_SPREAD_FRAMES {
            return Err(LatencyError::Unstable { spread_frames: spread, reason: "the repeats disagree" });
        }
        let n = repeats.len() as f64;
        Ok(LatencyEstimate {
            frames: repeats.iter().map(|r| r.frames).sum::<f64>() / n,
            sample_rate: self.sample_rate,
            inverted,
            spread_frames: spread,
            standard_error_frames: repeats.iter().map(|r| r.standard_error).fold(0.0, f64::max),
            peak_to_noise_db: repeats.iter().map(|r| r.peak_to_noise_db).fold(f64::INFINITY, f64::min),
        })
    }
}

/// A reported round-trip latency.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyEstimate {
    /// Latency in frames, with its fractional part (mean over the repeats).
    pub frames: f64,
    /// The loop's sample rate, for [`LatencyEstimate::milliseconds`].
    pub sample_rate: f64,
    /// Whether the loop inverts the signal.
    pub inverted: bool,
    /// Largest minus smallest latency over the repeats, in frames.
    pub spread_frames: f64,
    /// The largest standard error of the phase fit over the repeats, in frames.
    pub standard_error_frames: f64,
    /// The weakest repeat's correlation peak over its noise floor, in dB.
    pub peak_to_noise_db: f64,
}

impl LatencyEstimate {
    /// The latency in milliseconds.
    pub fn milliseconds(&self) -> f64 {
        self.frames * 1000.0 / self.sample_rate
    }
}

impl fmt::Display for LatencyEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "round trip {:.2} frames = {:.3} ms at {} Hz, polarity {}; repeats within {:.2} frames, \
             fit error ±{:.3} frames, correlation {:.0} dB above its floor",
            self.frames,
            self.milliseconds(),
            self.sample_rate,
            if self.inverted { "inverted" } else { "normal" },
            self.spread_frames,
            self.standard_error_frames,
            self.peak_to_noise_db
        )
    }
}

/// Why the meter refused to report a latency.
#[derive(Debug, Clone, PartialEq)]
pub enum LatencyError {
    /// Fewer frames were recorded than the measurement needs.
    ShortCapture {
        /// Frames recorded.
        frames: usize,
        /// Frames needed.
        needed: usize,
    },
    /// Nothing came back: the loop is open (or muted).
    Silent,
    /// Something came back, but it does not look like the chirp: noise, or a loop too distorted.
    Noisy {
        /// The correlation peak over its floor, in dB.
        peak_to_noise_db: f64,
    },
    /// Each repeat found a latency, but they disagree (a drifting or glitching loop).
    Unstable {
        /// Largest minus smallest latency over the repeats (NaN when the polarity flipped).
        spread_frames: f64,
        /// What disagreed.
        reason: &'static str,
    },
}

impl fmt::Display for LatencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShortCapture { frames, needed } => {
                write!(f, "only {frames} of the {needed} frames the measurement needs were recorded")
            }
            Self::Silent => write!(f, "nothing came back: the loop is open or muted"),
            Self::Noisy { peak_to_noise_db } => write!(
                f,
                "what came back does not match the test signal (correlation {peak_to_noise_db:.1} dB above \
                 its floor, {MIN_PEAK_TO_NOISE_DB} dB needed): the loop is broken, too noisy or too distorted"
            ),
            Self::Unstable { spread_frames, reason } => write!(
                f,
                "the loop is not stable: {reason} (spread {spread_frames:.2} frames, at most \
                 {MAX_SPREAD_FRAMES} allowed); a drifting clock or dropouts?"
            ),
        }
    }
}

impl std::error::Error for LatencyError {}

/// One repeat's measurement.
struct Repeat {
    /// Latency in frames.
    frames: f64,
    /// Whether the correlation peak was negative.
    inverted: bool,
    /// Standard error of the fractional part.
    standard_error: f64,
    /// Correlation peak over its floor, in dB.
    peak_to_noise_db: f64,
}

/// FFT cross-correlation of one chirp against segments of a capture, planned once.
struct Correlator {
    /// FFT length: at least a segment plus a chirp, so the correlation does not wrap into the
    /// lags that are looked at.
    fft_len: usize,
    /// Spectrum of the zero-padded chirp, conjugated.
    chirp_spectrum_conj: Vec<Complex<f64>>,
    /// Forward transform.
    forward: std::sync::Arc<dyn realfft::RealToComplex<f64>>,
    /// Inverse transform.
    inverse: std::sync::Arc<dyn realfft::ComplexToReal<f64>>,
    /// Largest lag that counts (a segment's room for latency).
    max_lag: usize,
    /// First and last FFT bin of the phase fit (inside the chirp's band, off its fades).
    fit_bins: (usize, usize),
}

impl Correlator {
    /// Plans the transforms for `chirp` and segments of `segment_frames`.
    fn new(chirp: &[f32], segment_frames: usize, sample_rate: f64) -> Self {
        let fft_len = (segment_frames + chirp.len()).next_power_of_two();
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        let mut padded = vec![0.0; fft_len];
        for (p, &c) in padded.iter_mut().zip(chirp) {
            *p = f64::from(c);
        }
        let mut spectrum = forward.make_output_vec();
        forward.process(&mut padded, &mut spectrum).expect("buffers sized by the plan");
        let chirp_spectrum_conj = spectrum.iter().map(|c| c.conj()).collect();
        let bin_hz = sample_rate / fft_len as f64;
        let fit_bins = (
            (2.0 * CHIRP_LOW_HZ / bin_hz).ceil() as usize,
            (0.95 * CHIRP_HIGH_FRACTION * sample_rate / bin_hz).floor() as usize,
        );
        Self {
            fft_len,
            chirp_spectrum_conj,
            forward,
            inverse,
            max_lag: segment_frames - chirp.len(),
            fit_bins,
        }
    }

    /// Measures one segment (the capture from the start of one chirp to the start of the next).
    fn measure(&mut self, segment: &[f32]) -> Result<Repeat, LatencyError> {
        let mut padded = vec![0.0; self.fft_len];
        for (p, &x) in padded.iter_mut().zip(segment) {
            *p = if x.is_finite() { f64::from(x) } else { 0.0 };
        }
        if padded.iter().all(|&x| x == 0.0) {
            return Err(LatencyError::Silent);
        }
        let mut spectrum = self.forward.make_output_vec();
        self.forward.process(&mut padded, &mut spectrum).expect("buffers sized by the plan");
        let cross: Vec<Complex<f64>> =
            spectrum.iter().zip(&self.chirp_spectrum_conj).map(|(c, s)| c * s).collect();
        let mut correlation = self.inverse.make_output_vec();
        let mut scratch = cross.clone();
        self.inverse.process(&mut scratch, &mut correlation).expect("buffers sized by the plan");

        // Whole-frame lag: the strongest correlation among the lags a segment can hold.
        let lags = &correlation[..=self.max_lag];
        let (lag, peak) =
            lags.iter()
                .enumerate()
                .fold((0, 0.0f64), |best, (i, &r)| if r.abs() > best.1.abs() { (i, r) } else { best });
        let floor_energy: f64 = lags
            .iter()
            .enumerate()
            .filter(|(i, _)| i.abs_diff(lag) > PEAK_NEIGHBOURHOOD)
            .map(|(_, r)| r * r)
            .sum();
        let floor_count = lags.len().saturating_sub(2 * PEAK_NEIGHBOURHOOD + 1).max(1);
        let floor_rms = (floor_energy / floor_count as f64).sqrt();
        let peak_to_noise_db = 20.0 * (peak.abs() / floor_rms.max(f64::MIN_POSITIVE)).log10();
        if peak_to_noise_db < MIN_PEAK_TO_NOISE_DB {
            return Err(LatencyError::Noisy { peak_to_noise_db });
        }
        let inverted = peak < 0.0;

        // Fractional part: with the whole lag and the polarity taken out, a pure delay leaves the
        // phase −2π·k·d/N at bin k. Fit d by least squares weighted by the cross-spectrum's
        // magnitude (bins where the chirp and the loop carry energy count most).
        let polarity = if inverted { -1.0 } else { 1.0 };
        let (mut sxy, mut sxx) = (0.0, 0.0);
        let mut points = Vec::with_capacity(self.fit_bins.1 - self.fit_bins.0 + 1);
        for (k, c) in cross.iter().enumerate().take(self.fit_bins.1 + 1).skip(self.fit_bins.0) {
            let omega = 2.0 * std::f64::consts::PI * k as f64 / self.fft_len as f64;
            let aligned = c * polarity * Complex::from_polar(1.0, omega * lag as f64);
            let weight = aligned.norm();
            let phase = aligned.arg();
            sxy += weight * omega * phase;
            sxx += weight * omega * omega;
            points.push((omega, phase, weight));
        }
        if sxx <= 0.0 {
            return Err(LatencyError::Noisy { peak_to_noise_db });
        }
        let fraction = -sxy / sxx;
        // The slope's standard error from the weighted residual (weights as relative precisions).
        let residual: f64 = points.iter().map(|&(x, phase, w)| w * (phase + fraction * x).powi(2)).sum();
        let dof = points.len().saturating_sub(1).max(1) as f64;
        let standard_error = (residual / dof / sxx).sqrt();
        if standard_error > MAX_STANDARD_ERROR_FRAMES || fraction.abs() > 1.0 {
            return Err(LatencyError::Noisy { peak_to_noise_db });
        }
        Ok(Repeat { frames: lag as f64 + fraction, inverted, standard_error, peak_to_noise_db })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    /// Plays the stimulus through `loop_fn` (sample in → sample out, called in order) and returns
    /// the capture.
    fn through(stimulus: &Stimulus, mut loop_fn: impl FnMut(f32) -> f32) -> Vec<f32> {
        (0..stimulus.total_frames()).map(|n| loop_fn(stimulus.sample(n))).collect()
    }

    /// A delay of `frames` whole frames, then `post` applied to (current, previous) taps.
    fn delay_loop(frames: usize, post: impl Fn(f32, f32) -> f32) -> impl FnMut(f32) -> f32 {
        let mut line = vec![0.0f32; frames + 2];
        let mut at = 0;
        move |x| {
            let len = line.len();
            line[at] = x;
            let current = line[(at + len - frames) % len];
            let previous = line[(at + len - frames - 1) % len];
            at = (at + 1) % len;
            post(current, previous)
        }
    }

    #[test]
    fn whole_and_half_frame_delays_are_read_to_a_tenth_of_a_frame() {
        let stimulus = Stimulus::new(RATE, 0.2);
        for n in [0usize, 1, 37, 256, 1000, 7328] {
            if n as f64 > 0.2 * f64::from(RATE) {
                continue;
            }
            let whole = stimulus.estimate(&through(&stimulus, delay_loop(n, |c, _| c))).unwrap();
            assert!((whole.frames - n as f64).abs() < 0.01, "{n}: {whole}");
            assert!(!whole.inverted);
            let half = stimulus.estimate(&through(&stimulus, delay_loop(n, |c, p| 0.5 * (c + p)))).unwrap();
            println!("{n}: {whole}\n{n} + 0.5: {half}");
            assert!((half.frames - (n as f64 + 0.5)).abs() < 0.01, "{n} + 0.5: {half}");
            let inverted = stimulus.estimate(&through(&stimulus, delay_loop(n, |c, _| -0.7 * c))).unwrap();
            assert!(
                (inverted.frames - n as f64).abs() < 0.01 && inverted.inverted,
                "{n} inverted: {inverted}"
            );
        }
    }

    #[test]
    fn a_quarter_frame_through_an_interpolating_filter_is_read() {
        // A fractional delay of 0.25 frames by a windowed-sinc FIR (31 taps), centred at 15.25.
        let taps: Vec<f32> = (0..31)
            .map(|i| {
                let x = i as f64 - 15.25;
                let sinc = if x == 0.0 {
                    1.0
                } else {
                    (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
                };
                let window = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (i as f64 + 0.5 - 0.25) / 31.0).cos();
                (sinc * window) as f32
            })
            .collect();
        let stimulus = Stimulus::new(RATE, 0.1);
        let mut history = vec![0.0f32; taps.len()];
        let capture = through(&stimulus, |x| {
            history.rotate_right(1);
            history[0] = x;
            history.iter().zip(&taps).map(|(h, t)| h * t).sum()
        });
        let estimate = stimulus.estimate(&capture).unwrap();
        println!("windowed-sinc 15.25: {estimate}");
        assert!((estimate.frames - 15.25).abs() < 0.1, "{estimate}");
    }

    #[test]
    fn noise_in_the_loop_is_tolerated_until_it_swamps_the_chirp() {
        let stimulus = Stimulus::new(RATE, 0.1);
        let mut state = 0x1234_5678_u64;
        let mut noise = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let mut delayed = delay_loop(300, |c, _| c);
        // −40 dB of noise against the chirp: still exact.
        let capture = through(&stimulus, |x| delayed(x) + 0.0025 * noise() as f32);
        let estimate = stimulus.estimate(&capture).unwrap();
        println!("300 with noise at -40 dB: {estimate}");
        assert!((estimate.frames - 300.0).abs() < 0.1, "{estimate}");
        // Only noise: refused.
        let capture = through(&stimulus, |_| 0.25 * noise() as f32);
        let refused = stimulus.estimate(&capture);
        println!("noise only: {refused:?}");
        assert!(matches!(refused, Err(LatencyError::Noisy { .. })), "{refused:?}");
    }

    #[test]
    fn an_open_loop_a_short_capture_and_a_jumping_loop_are_refused() {
        let stimulus = Stimulus::new(RATE, 0.1);
        assert_eq!(stimulus.estimate(&vec![0.0; stimulus.total_frames()]), Err(LatencyError::Silent));
        assert!(matches!(stimulus.estimate(&[0.0; 10]), Err(LatencyError::ShortCapture { .. })));
        // The loop's delay jumps by 3 frames between the second and third chirp (a dropout).
        let mut first = delay_loop(100, |c, _| c);
        let mut second = delay_loop(103, |c, _| c);
        let half = stimulus.total_frames() / 2;
        let capture: Vec<f32> = (0..stimulus.total_frames())
            .map(|n| {
                let x = stimulus.sample(n);
                let (a, b) = (first(x), second(x));
                if n < half {
                    a
                } else {
                    b
                }
            })
            .collect();
        assert!(
            matches!(stimulus.estimate(&capture), Err(LatencyError::Unstable { .. })),
            "{:?}",
            stimulus.estimate(&capture)
        );
    }
}
