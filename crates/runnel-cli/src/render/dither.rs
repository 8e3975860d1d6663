//! TPDF dither for integer output: before rounding to the integer grid, each sample gets the
//! sum of two independent uniform values of ±½ LSB, a triangular density over ±1 LSB. That
//! makes the rounding error independent of the signal (no distortion on quiet fades and
//! reverb tails, a flat noise floor instead: 16-bit TPDF dither measures −96.3 + 4.8 ≈
//! −91.5 dBFS RMS, 24-bit −139.6). The generator is seeded the same for every file, so renders
//! stay reproducible (the same input gives the same bytes).

/// `--dither`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DitherChoice {
    /// Triangular (TPDF) dither of ±1 LSB before rounding (integer formats; the default).
    Tpdf,
    /// Round to nearest without dither.
    None,
}

/// A TPDF dither source: xorshift32 noise, two uniform draws per sample.
#[derive(Debug, Clone)]
pub struct Tpdf {
    /// xorshift32 state; never zero.
    state: u32,
}

/// The seed every file starts from (any non-zero value).
const SEED: u32 = 0x9E37_79B9;

impl Default for Tpdf {
    fn default() -> Self {
        Self { state: SEED }
    }
}

impl Tpdf {
    /// The next uniform value in [0, 1).
    fn unit(&mut self) -> f64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        f64::from(x) / 4_294_967_296.0
    }

    /// The next dither value in LSB: triangular over (−1, 1), mean 0, variance 1/6.
    pub fn next_lsb(&mut self) -> f64 {
        self.unit() + self.unit() - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dither_is_triangular_over_one_lsb_with_the_tpdf_variance() {
        let mut tpdf = Tpdf::default();
        let n = 400_000;
        let values: Vec<f64> = (0..n).map(|_| tpdf.next_lsb()).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(values.iter().all(|v| v.abs() < 1.0));
        assert!(mean.abs() < 0.005, "{mean}");
        assert!((variance - 1.0 / 6.0).abs() < 0.003, "{variance}");
        // Triangular: a quarter of the mass beyond ±0.5 LSB (uniform would put half there).
        let outer = values.iter().filter(|v| v.abs() > 0.5).count() as f64 / n as f64;
        assert!((outer - 0.25).abs() < 0.005, "{outer}");
        // Reproducible from the same seed.
        let mut again = Tpdf::default();
        assert!(values.iter().take(100).all(|v| *v == again.next_lsb()));
    }
}
