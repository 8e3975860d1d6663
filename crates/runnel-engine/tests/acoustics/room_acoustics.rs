//! Room-acoustics measurements of impulse responses, in f64, for the tests.
//!
//! - [`schroeder_db`]: Schroeder backward integration (energy decay curve, ISO 3382-1).
//! - [`decay_time`] / [`t30`]: reverberation time from a linear fit of the decay curve between
//!   −5 and −35 dB, extrapolated to 60 dB.
//! - [`octave_band`]: zero-phase octave-band filtering in the frequency domain (realfft), with a
//!   6th-order Butterworth band-pass magnitude (−3 dB at `fc/√2` and `fc·√2`, −39 dB one octave
//!   from the centre, −87 dB two octaves away).
//! - [`echo_density`]: normalised echo density (Abel & Huang 2006): in a 20 ms Hann window, the
//!   weighted fraction of samples outside one standard deviation, divided by the fraction a
//!   Gaussian has outside one standard deviation, `erfc(1/√2)`. 1 means "as dense as noise".
//! - [`iacc`]: interaural cross-correlation coefficient, the largest normalised cross-correlation
//!   magnitude within ±1 ms of lag.

use realfft::RealFftPlanner;

/// `erfc(1/√2)`: fraction of a Gaussian's samples outside ±σ.
pub const GAUSSIAN_OUTSIDE_ONE_SIGMA: f64 = 0.317_310_507_862_914_1;

/// Energy decay curve in dB (0 dB at t = 0), by backward integration of `h²`.
pub fn schroeder_db(ir: &[f64]) -> Vec<f64> {
    let mut edc = vec![0.0; ir.len()];
    let mut acc = 0.0;
    for i in (0..ir.len()).rev() {
        acc += ir[i] * ir[i];
        edc[i] = acc;
    }
    let total = edc.first().copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
    edc.iter().map(|e| 10.0 * (e / total).max(1e-300).log10()).collect()
}

/// Reverberation time (s) from a least-squares line through the decay curve between `upper_db`
/// and `lower_db` (e.g. −5 and −35 for T30), extrapolated to a 60 dB fall. `None` when the curve
/// never reaches `lower_db`.
pub fn decay_time(edc_db: &[f64], sample_rate: f64, upper_db: f64, lower_db: f64) -> Option<f64> {
    let start = edc_db.iter().position(|&v| v <= upper_db)?;
    let end = start + edc_db[start..].iter().position(|&v| v <= lower_db)?;
    if end <= start + 2 {
        return None;
    }
    let n = (end - start) as f64;
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for (k, &y) in edc_db[start..end].iter().enumerate() {
        let x = (start + k) as f64 / sample_rate;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    (slope < 0.0).then(|| -60.0 / slope)
}

/// T30 of an impulse response (−5 to −35 dB fit).
pub fn t30(ir: &[f64], sample_rate: f64) -> Option<f64> {
    decay_time(&schroeder_db(ir), sample_rate, -5.0, -35.0)
}

/// Zero-phase octave-band filtered copy of `ir` around `centre_hz`.
pub fn octave_band(ir: &[f64], sample_rate: f64, centre_hz: f64) -> Vec<f64> {
    const ORDER: i32 = 6;
    let q = 1.0 / (std::f64::consts::SQRT_2 - std::f64::consts::FRAC_1_SQRT_2);
    let n = (2 * ir.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(n);
    let inverse = planner.plan_fft_inverse(n);
    let mut time = vec![0.0; n];
    time[..ir.len()].copy_from_slice(ir);
    let mut spectrum = forward.make_output_vec();
    forward.process(&mut time, &mut spectrum).expect("fft");
    for (k, bin) in spectrum.iter_mut().enumerate() {
        let f = k as f64 * sample_rate / n as f64;
        let gain = if f <= 0.0 {
            0.0
        } else {
            let x = q * (f / centre_hz - centre_hz / f);
            1.0 / (1.0 + x.powi(2 * ORDER)).sqrt()
        };
        *bin *= gain / n as f64;
    }
    // The DC and Nyquist bins must be real for the inverse transform.
    spectrum[0].im = 0.0;
    if let Some(last) = spectrum.last_mut() {
        last.im = 0.0;
    }
    inverse.process(&mut spectrum, &mut time).expect("ifft");
    time.truncate(ir.len());
    time
}

/// Normalised echo density profile: `(time_s, density)` every `hop_s`, 20 ms Hann window
/// centred on each time.
pub fn echo_density(ir: &[f64], sample_rate: f64, hop_s: f64) -> Vec<(f64, f64)> {
    let window_len = ((0.020 * sample_rate).round() as usize) | 1;
    let half = window_len / 2;
    let window: Vec<f64> = (0..window_len)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (i as f64 + 0.5) / window_len as f64).cos())
        .collect();
    let wsum: f64 = window.iter().sum();
    let hop = ((hop_s * sample_rate).round() as usize).max(1);
    let mut out = Vec::new();
    let mut centre = half;
    while centre + half < ir.len() {
        let seg = &ir[centre - half..=centre + half];
        let sigma = (seg.iter().zip(&window).map(|(h, w)| w * h * h).sum::<f64>() / wsum).sqrt();
        let outside: f64 =
            seg.iter().zip(&window).filter(|(h, _)| h.abs() > sigma).map(|(_, w)| w).sum::<f64>() / wsum;
        out.push((centre as f64 / sample_rate, outside / GAUSSIAN_OUTSIDE_ONE_SIGMA));
        centre += hop;
    }
    out
}

/// Interaural cross-correlation coefficient: max over |lag| ≤ `max_lag_s` of the normalised
/// cross-correlation magnitude of `left` and `right`.
pub fn iacc(left: &[f64], right: &[f64], sample_rate: f64, max_lag_s: f64) -> f64 {
    let n = left.len().min(right.len());
    let el: f64 = left[..n].iter().map(|v| v * v).sum();
    let er: f64 = right[..n].iter().map(|v| v * v).sum();
    let norm = (el * er).sqrt().max(f64::MIN_POSITIVE);
    let max_lag = (max_lag_s * sample_rate).round() as isize;
    let mut best: f64 = 0.0;
    for lag in -max_lag..=max_lag {
        let mut acc = 0.0;
        for i in 0..n as isize {
            let j = i + lag;
            if j >= 0 && (j as usize) < n {
                acc += left[i as usize] * right[j as usize];
            }
        }
        best = best.max((acc / norm).abs());
    }
    best
}
