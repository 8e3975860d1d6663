//! Mutually prime delay-line lengths.
//!
//! Lines whose lengths share a factor have coinciding echo patterns and stack their modes on the
//! same frequencies, which is heard as a metallic ring. Distinct primes are pairwise coprime, so
//! the reverb picks, for every line, the prime nearest the length that Size (and the mode-density
//! rule) asks for. The primes come from a sieve run once in `prepare`; picking is a binary
//! search, cheap enough for `set_settings`.

/// All primes up to a limit, ascending.
#[derive(Debug, Clone, Default)]
pub struct PrimeTable {
    /// The primes, ascending.
    primes: Vec<u32>,
}

impl PrimeTable {
    /// An empty table (no allocation).
    pub fn new() -> Self {
        Self { primes: Vec::new() }
    }

    /// Fills the table with every prime `≤ limit` (sieve of Eratosthenes). Allocates: call from
    /// `prepare` only.
    pub fn build(&mut self, limit: u32) {
        let limit = limit.max(3) as usize;
        let mut composite = vec![false; limit + 1];
        self.primes.clear();
        for n in 2..=limit {
            if composite[n] {
                continue;
            }
            self.primes.push(n as u32);
            let mut m = n * n;
            while m <= limit {
                composite[m] = true;
                m += n;
            }
        }
    }

    /// Number of primes in the table.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.primes.len()
    }

    /// The `index`-th prime.
    #[cfg(test)]
    pub fn get(&self, index: usize) -> u32 {
        self.primes[index]
    }

    /// Index of the prime nearest to `target` (ties go to the smaller prime).
    pub fn nearest_index(&self, target: f64) -> usize {
        let upper = self.primes.partition_point(|&p| (p as f64) < target);
        if upper == 0 {
            return 0;
        }
        if upper >= self.primes.len() {
            return self.primes.len() - 1;
        }
        let below = self.primes[upper - 1] as f64;
        let above = self.primes[upper] as f64;
        if target - below <= above - target {
            upper - 1
        } else {
            upper
        }
    }

    /// Distinct primes near ascending `targets`, each at least `min_len` and at most `max_len`.
    ///
    /// Targets are visited in order; a line whose nearest prime is already taken by the line
    /// before moves up to the next prime, so the result is strictly increasing (hence distinct,
    /// hence pairwise coprime) whenever the table has room.
    pub fn distinct_lengths<const N: usize>(
        &self,
        targets: &[f64; N],
        min_len: u32,
        max_len: u32,
    ) -> [u32; N] {
        let mut out = [min_len; N];
        if self.primes.is_empty() {
            return out;
        }
        let floor = self.primes.partition_point(|&p| p < min_len).min(self.primes.len() - 1);
        let ceiling = self.primes.partition_point(|&p| p <= max_len).saturating_sub(1);
        let mut previous: Option<usize> = None;
        for (slot, &target) in out.iter_mut().zip(targets.iter()) {
            let mut index = self.nearest_index(target).max(floor).min(ceiling);
            if let Some(p) = previous {
                if index <= p {
                    index = (p + 1).min(ceiling);
                }
            }
            previous = Some(index);
            *slot = self.primes[index].clamp(min_len.min(max_len), max_len);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }

    #[test]
    fn sieve_is_right() {
        let mut t = PrimeTable::new();
        t.build(100);
        assert_eq!(t.len(), 25);
        assert_eq!(t.get(0), 2);
        assert_eq!(t.get(24), 97);
    }

    #[test]
    fn lengths_are_pairwise_coprime_even_when_crowded() {
        let mut t = PrimeTable::new();
        t.build(200_000);
        for &scale in &[10.0, 40.0, 2_000.0, 12_345.0] {
            let targets: [f64; 16] = std::array::from_fn(|i| scale * (0.5 + i as f64 / 15.0));
            let l = t.distinct_lengths(&targets, 8, 199_000);
            for i in 0..16 {
                assert!(l[i] >= 8);
                for j in 0..i {
                    assert_eq!(gcd(l[i], l[j]), 1, "{l:?}");
                }
            }
            if scale > 1000.0 {
                for i in 0..16 {
                    assert!((l[i] as f64 / targets[i] - 1.0).abs() < 0.01);
                }
            }
        }
    }
}
