//! The one deterministic random generator of the test suites.

/// SplitMix64: tiny, seedable, statistically good enough for test signals, random settings and
/// random block sizes. Every sequence depends only on the seed, so a failure reproduces.
#[derive(Debug, Clone)]
pub struct Rng {
    /// The generator's whole state; advanced by a fixed odd constant per draw.
    state: u64,
}

impl Rng {
    /// A generator whose sequence depends only on `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Self { state: seed ^ 0x9e37_79b9_7f4a_7c15 }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in the `f32` range `(lo, hi)`, the shape the engine's range constants have.
    pub fn in_range(&mut self, (lo, hi): (f32, f32)) -> f32 {
        lo + (hi - lo) * self.unit() as f32
    }

    /// Log-uniform in `(lo, hi)` (both positive): every octave equally likely, as for frequencies.
    pub fn log_range(&mut self, (lo, hi): (f32, f32)) -> f32 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.unit() as f32).exp()
    }

    /// Uniform integer in `[lo, hi]`, both ends included.
    pub fn int(&mut self, lo: usize, hi: usize) -> usize {
        assert!(lo <= hi, "empty integer range {lo}..={hi}");
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// Uniform integer in `[0, n)`.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0) has no value");
        (self.next_u64() % n as u64) as usize
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }

    /// One element of `items`, uniformly.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Approximately Gaussian with unit variance (the sum of four uniforms, scaled): enough for
    /// noise signals, and cheap.
    pub fn gaussian(&mut self) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * 3f64.sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_different_seeds_differ() {
        let a: Vec<u64> = (0..8).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..8).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let c: Vec<u64> = (0..8).scan(Rng::new(8), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn unit_is_uniform_enough() {
        let mut rng = Rng::new(1);
        let n = 100_000;
        let mut bins = [0usize; 10];
        let mut sum = 0.0;
        for _ in 0..n {
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
            sum += u;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.005, "mean {}", sum / n as f64);
        for count in bins {
            assert!((count as f64 / n as f64 - 0.1).abs() < 0.005, "bins {bins:?}");
        }
    }

    #[test]
    fn gaussian_has_unit_variance_and_zero_mean() {
        let mut rng = Rng::new(3);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.gaussian()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
    }

    #[test]
    fn integer_ranges_hit_both_ends_and_nothing_outside() {
        let mut rng = Rng::new(5);
        let mut seen = [false; 4];
        for _ in 0..1000 {
            let k = rng.int(3, 6);
            assert!((3..=6).contains(&k));
            seen[k - 3] = true;
        }
        assert_eq!(seen, [true; 4]);
    }
}
