//! Level and continuity measurements used by the assertions.

/// Largest magnitude.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, &v| m.max(v.abs()))
}

/// Root mean square, in f64 (0 for an empty slice).
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

/// An amplitude ratio in dB.
pub fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// The largest difference between neighbouring samples: a click shows as a step far above the
/// signal's own slope.
pub fn max_step(x: &[f32]) -> f64 {
    x.windows(2).map(|w| (w[1] as f64 - w[0] as f64).abs()).fold(0.0, f64::max)
}

/// Whether `x` is subnormal (nonzero and below the smallest normal float).
pub fn is_subnormal(x: f32) -> bool {
    x != 0.0 && x.abs() < f32::MIN_POSITIVE
}

/// The first (channel, index, value) that is NaN or infinite.
pub fn first_non_finite(signal: &[Vec<f32>]) -> Option<(usize, usize, f32)> {
    signal
        .iter()
        .enumerate()
        .find_map(|(c, ch)| ch.iter().position(|x| !x.is_finite()).map(|i| (c, i, ch[i])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measurements_of_known_signals() {
        assert_eq!(peak(&[0.1, -0.7, 0.3]), 0.7);
        assert!((rms(&[1.0, -1.0, 1.0, -1.0]) - 1.0).abs() < 1e-12);
        assert!((db(0.5) + 6.0206).abs() < 1e-4);
        assert!((max_step(&[0.0, 0.25, -0.5, -0.4]) - 0.75).abs() < 1e-7);
        assert!(is_subnormal(1e-40) && !is_subnormal(0.0) && !is_subnormal(1e-30));
        assert_eq!(
            first_non_finite(&[vec![0.0, 1.0], vec![0.0, f32::NAN]]).map(|f| (f.0, f.1)),
            Some((1, 1))
        );
        assert_eq!(first_non_finite(&[vec![0.0, 1.0]]), None);
    }
}
