//! The spectrum analyzer's numbers (drawing is in [`super::graph`]): windowed FFTs of the
//! copied audio on the GUI thread, mapped onto log-spaced display points, smoothed, with a
//! peak hold that falls at a steady rate.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// FFT length: 4096 points resolve 11.7 Hz at 48 kHz, fine enough for the 20 Hz end.
pub const FFT_SIZE: usize = 4096;
/// New samples between transforms (75 % overlap).
pub const HOP: usize = FFT_SIZE / 4;
/// Display points from 20 Hz to 20 kHz (about two per point of plot width at the default size).
pub const POINTS: usize = 480;
/// Lowest and highest frequency shown.
pub const FREQ_RANGE: (f32, f32) = (20.0, 20_000.0);
/// Floor of the analyzer, dBFS.
pub const FLOOR_DB: f32 = -120.0;
/// Time constant of the falling smoothing (rises are immediate), seconds.
const RELEASE_S: f32 = 0.25;
/// How long a peak is held before it falls, seconds.
const PEAK_HOLD_S: f32 = 1.0;
/// How fast a held peak falls, dB per second.
pub const PEAK_FALL_DB_PER_S: f32 = 20.0;
/// Seconds of silence after which nothing on the analyzer moves any more: the time a held peak
/// takes to fall to the floor from 24 dB above full scale (higher than any peak it shows).
pub const SETTLE_S: f32 = PEAK_HOLD_S + (24.0 - FLOOR_DB) / PEAK_FALL_DB_PER_S;

/// The frequency of display point `i`.
pub fn point_frequency(i: usize) -> f32 {
    let t = i as f32 / (POINTS - 1) as f32;
    FREQ_RANGE.0 * (FREQ_RANGE.1 / FREQ_RANGE.0).powf(t)
}

/// One analyzed signal (the input or the output): sample history, the FFT, and the curves.
pub struct Analyzer {
    /// The last [`FFT_SIZE`] mono samples (oldest first once full; written circularly).
    history: Vec<f32>,
    /// Next write position in `history`.
    write: usize,
    /// Samples since the last transform.
    since_transform: usize,
    /// The forward transform.
    fft: Arc<dyn RealToComplex<f32>>,
    /// Hann window.
    window: Vec<f32>,
    /// FFT input scratch.
    input: Vec<f32>,
    /// FFT output scratch.
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    /// FFT scratch space.
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    /// Magnitude (dBFS, a full-scale sine reads 0) of the latest transform per display point.
    pub latest_db: Vec<f32>,
    /// The smoothed curve that is drawn.
    pub smoothed_db: Vec<f32>,
    /// The peak-hold curve.
    pub peak_db: Vec<f32>,
    /// Seconds each peak has left before it starts to fall.
    peak_age: Vec<f32>,
    /// The sample rate the display points were mapped for.
    sample_rate: f32,
}

impl Analyzer {
    /// An analyzer with everything allocated, showing the floor.
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
        let window = (0..FFT_SIZE)
            .map(|n| {
                let phase = 2.0 * std::f32::consts::PI * n as f32 / FFT_SIZE as f32;
                0.5 - 0.5 * phase.cos()
            })
            .collect();
        let input = fft.make_input_vec();
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        Self {
            history: vec![0.0; FFT_SIZE],
            write: 0,
            since_transform: 0,
            fft,
            window,
            input,
            spectrum,
            scratch,
            latest_db: vec![FLOOR_DB; POINTS],
            smoothed_db: vec![FLOOR_DB; POINTS],
            peak_db: vec![FLOOR_DB; POINTS],
            peak_age: vec![0.0; POINTS],
            sample_rate: 48_000.0,
        }
    }

    /// Feeds interleaved stereo samples (analyzed as their mid, (L+R)/2) at `sample_rate`,
    /// transforming every [`HOP`] samples; then advances smoothing and peak hold by `dt`
    /// seconds of display time.
    pub fn push_stereo(&mut self, interleaved: &[f32], sample_rate: f32, dt: f32) {
        if sample_rate > 0.0 {
            self.sample_rate = sample_rate;
        }
        for frame in interleaved.chunks_exact(2) {
            let mid = 0.5 * (frame[0] + frame[1]);
            self.history[self.write] = if mid.is_finite() { mid } else { 0.0 };
            self.write = (self.write + 1) % FFT_SIZE;
            self.since_transform += 1;
            if self.since_transform >= HOP {
                self.since_transform = 0;
                self.transform();
                // Peaks see every transform, not only the last of a frame.
                for (peak, (&latest, age)) in
                    self.peak_db.iter_mut().zip(self.latest_db.iter().zip(&mut self.peak_age))
                {
                    if latest >= *peak {
                        *peak = latest;
                        *age = PEAK_HOLD_S;
                    }
                }
            }
        }
        let release = (-dt.max(0.0) / RELEASE_S).exp();
        for (smoothed, &latest) in self.smoothed_db.iter_mut().zip(&self.latest_db) {
            *smoothed = if latest > *smoothed { latest } else { latest + (*smoothed - latest) * release };
        }
        for (peak, age) in self.peak_db.iter_mut().zip(&mut self.peak_age) {
            if *age > 0.0 {
                *age -= dt;
            } else {
                *peak = (*peak - PEAK_FALL_DB_PER_S * dt).max(FLOOR_DB);
            }
        }
    }

    /// Transforms the history and maps the magnitudes onto the display points: the strongest
    /// bin within each point's share of the axis (so narrow peaks survive at high frequencies),
    /// or the interpolated magnitude where points are closer than bins (low frequencies).
    fn transform(&mut self) {
        for (i, (x, w)) in self.input.iter_mut().zip(&self.window).enumerate() {
            *x = self.history[(self.write + i) % FFT_SIZE] * w;
        }
        if self.fft.process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch).is_err() {
            return;
        }
        // A sine of amplitude A peaks at |X| = A · Σw / 2 (Σw = N/2 for Hann).
        let scale = 2.0 / (FFT_SIZE as f32 * 0.5);
        let bin_hz = self.sample_rate / FFT_SIZE as f32;
        let magnitude = |bin: usize| self.spectrum.get(bin).map_or(0.0, |c| c.norm() * scale);
        let ratio = (FREQ_RANGE.1 / FREQ_RANGE.0).powf(0.5 / (POINTS - 1) as f32);
        for (i, out) in self.latest_db.iter_mut().enumerate() {
            let f = point_frequency(i);
            let (low, high) = (f / ratio / bin_hz, f * ratio / bin_hz);
            let lowest = low.ceil() as usize;
            let highest = high.floor() as usize;
            let amplitude = if highest >= lowest && highest > 0 {
                (lowest..=highest).map(magnitude).fold(0.0, f32::max)
            } else {
                let exact = f / bin_hz;
                let below = exact.floor() as usize;
                let frac = exact - below as f32;
                magnitude(below) * (1.0 - frac) + magnitude(below + 1) * frac
            };
            *out = (20.0 * amplitude.max(1e-12).log10()).max(FLOOR_DB);
        }
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amplitude: f32, sample_rate: f32, frames: usize) -> Vec<f32> {
        (0..frames)
            .flat_map(|n| {
                let x = amplitude * (2.0 * std::f32::consts::PI * freq * n as f32 / sample_rate).sin();
                [x, x]
            })
            .collect()
    }

    #[test]
    fn a_sine_reads_its_level_at_its_frequency() {
        let mut analyzer = Analyzer::new();
        analyzer.push_stereo(&sine(1000.0, 0.5, 48_000.0, 3 * FFT_SIZE), 48_000.0, 0.1);
        let (peak_index, peak_db) = analyzer
            .latest_db
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |best, (i, &db)| if db > best.1 { (i, db) } else { best });
        // The display point nearest 1 kHz (points are 1.4 % apart).
        let nearest = (0..POINTS).min_by(|&a, &b| {
            (point_frequency(a) / 1000.0).ln().abs().total_cmp(&(point_frequency(b) / 1000.0).ln().abs())
        });
        assert_eq!(Some(peak_index), nearest);
        // −6.02 dBFS; Hann's scalloping loss is at most 1.42 dB between bins.
        assert!((-6.02 - 1.5..=-6.02 + 0.05).contains(&peak_db), "{peak_db}");
        // Far from the tone, the Hann sidelobes are far down.
        assert!(analyzer.latest_db[nearest.unwrap() + 60] < -70.0);
    }

    #[test]
    fn held_peaks_fall_at_the_stated_rate_after_the_hold() {
        let mut analyzer = Analyzer::new();
        analyzer.push_stereo(&sine(1000.0, 0.5, 48_000.0, 2 * FFT_SIZE), 48_000.0, 0.0);
        let i = analyzer.peak_db.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        let held = analyzer.peak_db[i];
        // Silence: the hold lasts PEAK_HOLD_S, then the peak falls 20 dB/s.
        let silence = vec![0.0; 2 * 480];
        for _ in 0..100 {
            analyzer.push_stereo(&silence, 48_000.0, 0.01);
        }
        assert!((analyzer.peak_db[i] - held).abs() < 1e-3, "fell during the hold");
        for _ in 0..50 {
            analyzer.push_stereo(&silence, 48_000.0, 0.01);
        }
        let fallen = held - analyzer.peak_db[i];
        assert!((fallen - 0.5 * PEAK_FALL_DB_PER_S).abs() < 0.3, "fell {fallen} dB in 0.5 s");
    }
}
