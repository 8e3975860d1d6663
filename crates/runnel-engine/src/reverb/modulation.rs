//! Slow random modulation of the delay-line read positions.
//!
//! A fixed set of modes rings metallically when a long tail exposes it. Moving each line's
//! length by a fraction of a millisecond shifts its modes by a fraction of their bandwidth over
//! time, smearing them. The movement must be random (periodic LFOs leave a periodic pattern
//! that is heard as chorus/warble) and smooth (a kink in position is a step in pitch).
//!
//! [`WanderBank`] draws, for each of its lanes, a new random target in [−1, 1] at the end of each segment and glides to
//! it with a smoothstep, so position and slope (pitch) are continuous. Segment lengths are
//! randomised too (±25 % around `1/rate`), so no two lines, and no two segments, share a period.

/// `N` smooth random walks in [−1, 1] with randomised segment lengths, one per delay line,
/// stored lane by lane (structure of arrays) so the per-sample glide of all lanes is one set of
/// vector operations; only the rare segment change (about once per second per lane) runs per
/// lane.
#[derive(Debug, Clone)]
pub struct WanderBank<const N: usize> {
    /// Position within each lane's current segment, 0..1.
    phase: [f32; N],
    /// Each lane's segment speed relative to the nominal rate (0.75..1.25).
    speed: [f32; N],
    /// Value at the start of each lane's segment.
    from: [f32; N],
    /// Value at the end of each lane's segment.
    to: [f32; N],
    /// Each lane's xorshift32 state; never zero.
    rng: [u32; N],
}

impl<const N: usize> Default for WanderBank<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> WanderBank<N> {
    /// Modulators seeded `1, 2, … N` (deterministic, so renders and tests are repeatable).
    pub fn new() -> Self {
        let mut bank = Self { phase: [0.0; N], speed: [1.0; N], from: [0.0; N], to: [0.0; N], rng: [1; N] };
        bank.reset();
        bank
    }

    /// Restarts every lane from its seed: a random start value, a random phase and target.
    #[allow(clippy::needless_range_loop)]
    pub fn reset(&mut self) {
        for lane in 0..N {
            let seed = lane as u32 + 1;
            self.rng[lane] = seed.wrapping_mul(0x9E37_79B9) | 1;
            self.from[lane] = self.next_bipolar(lane);
            self.to[lane] = self.next_bipolar(lane);
            self.phase[lane] = self.next_unit(lane);
            self.speed[lane] = 0.75 + 0.5 * self.next_unit(lane);
        }
    }

    /// Advances every lane one sample. `increments[i]` is lane `i`'s nominal rate divided by
    /// the sample rate.
    #[inline(always)]
    // Parallel lane arrays indexed by one counter: the form that vectorises.
    #[allow(clippy::needless_range_loop)]
    pub fn next(&mut self, increments: &[f32; N]) -> [f32; N] {
        // The phases in a local array, stored once: updating the fields in place made the
        // compiler reload them with loads straddling its stores (store-forwarding stalls).
        let mut phase = self.phase;
        let mut wrapped = false;
        for lane in 0..N {
            phase[lane] += increments[lane] * self.speed[lane];
            wrapped |= phase[lane] >= 1.0;
        }
        self.phase = phase;
        if wrapped {
            for lane in 0..N {
                if self.phase[lane] >= 1.0 {
                    self.next_segment(lane);
                }
            }
            phase = self.phase;
        }
        let mut out = [0.0; N];
        for lane in 0..N {
            let p = phase[lane];
            let s = p * p * (3.0 - 2.0 * p);
            out[lane] = self.from[lane] + (self.to[lane] - self.from[lane]) * s;
        }
        out
    }

    /// Lane `lane` starts its next segment: a new random target and speed.
    #[cold]
    fn next_segment(&mut self, lane: usize) {
        self.phase[lane] = (self.phase[lane] - 1.0).min(0.999);
        self.from[lane] = self.to[lane];
        self.to[lane] = self.next_bipolar(lane);
        self.speed[lane] = 0.75 + 0.5 * self.next_unit(lane);
    }

    /// Uniform in [0, 1) from lane `lane`'s generator.
    fn next_unit(&mut self, lane: usize) -> f32 {
        let mut x = self.rng[lane];
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng[lane] = x;
        (x >> 8) as f32 / (1u32 << 24) as f32
    }

    /// Uniform in [−1, 1) from lane `lane`'s generator.
    fn next_bipolar(&mut self, lane: usize) -> f32 {
        2.0 * self.next_unit(lane) - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_in_range_and_moves_smoothly() {
        let mut bank = WanderBank::<8>::new();
        let inc = 2.0 / 48_000.0;
        // Lane 6 (seed 7): every lane is an independent walk.
        let mut next = || bank.next(&[inc; 8])[6];
        let mut prev = next();
        let mut prev_step = 0.0f32;
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for _ in 0..48_000 * 20 {
            let v = next();
            assert!((-1.0..=1.0).contains(&v));
            let step = v - prev;
            // Max slope of smoothstep is 1.5 per segment; segment ≥ 1/(1.25·rate).
            assert!(step.abs() <= 2.0 * 1.5 * 1.25 * inc * 1.01);
            // Continuous slope: the step changes by a tiny amount per sample.
            assert!((step - prev_step).abs() < 1e-3);
            prev_step = step;
            prev = v;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        assert!(lo < -0.8 && hi > 0.8, "covers the range: {lo}..{hi}");
    }
}
