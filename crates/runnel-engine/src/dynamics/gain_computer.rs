//! The compressor's static curve: a feed-forward, log-domain gain computer with a quadratic
//! soft knee (Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design — A
//! Tutorial and Analysis", JAES 60(6), 2012, eq. 4).

/// The static curve's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaticCurve {
    /// Threshold T in dB.
    pub threshold_db: f32,
    /// `1 − 1/R` for ratio R: 0 for 1:1, 1 for ∞:1 (so ∞ needs no special case).
    pub slope: f32,
    /// Knee width W in dB (0 = hard knee).
    pub knee_db: f32,
}

/// `1 − 1/ratio`, with ∞ (and anything non-finite or above it) giving 1.
#[inline]
pub fn slope_of_ratio(ratio: f32) -> f32 {
    if ratio.is_finite() {
        1.0 - 1.0 / ratio.max(1.0)
    } else {
        1.0
    }
}

impl StaticCurve {
    /// Gain reduction in dB (≥ 0) for a detector level `level_db`:
    /// below the knee 0; inside it `slope·(x − T + W/2)²/(2W)`; above it `slope·(x − T)`.
    #[inline]
    pub fn reduction_db(&self, level_db: f32) -> f32 {
        let over = level_db - self.threshold_db;
        let half_knee = 0.5 * self.knee_db;
        if over <= -half_knee {
            0.0
        } else if over < half_knee {
            let into = over + half_knee;
            self.slope * into * into / (2.0 * self.knee_db)
        } else {
            self.slope * over
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_knee_is_the_two_line_curve_and_the_soft_knee_joins_it_smoothly() {
        let hard = StaticCurve { threshold_db: -20.0, slope: slope_of_ratio(4.0), knee_db: 0.0 };
        assert_eq!(hard.reduction_db(-30.0), 0.0);
        assert!((hard.reduction_db(-8.0) - 9.0).abs() < 1e-5);
        let soft = StaticCurve { knee_db: 10.0, ..hard };
        // At the knee's ends the soft curve meets the hard one.
        assert!(soft.reduction_db(-25.0).abs() < 1e-6);
        assert!((soft.reduction_db(-15.0) - hard.reduction_db(-15.0)).abs() < 1e-5);
        // At the threshold: slope·W/8.
        assert!((soft.reduction_db(-20.0) - 0.75 * 10.0 / 8.0).abs() < 1e-5);
        assert_eq!(slope_of_ratio(f32::INFINITY), 1.0);
    }
}
