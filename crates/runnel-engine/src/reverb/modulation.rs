//! Slow random modulation of the delay-line read positions.
//!
//! A fixed set of modes rings metallically when a long tail exposes it. Moving each line's
//! length by a fraction of a millisecond shifts its modes by a fraction of their bandwidth over
//! time, smearing them. The movement must be random (periodic LFOs leave a periodic pattern
//! that is heard as chorus/warble) and smooth (a kink in position is a step in pitch).
//!
//! [`WanderLfo`] draws a new random target in [−1, 1] at the end of each segment and glides to
//! it with a smoothstep, so position and slope (pitch) are continuous. Segment lengths are
//! randomised too (±25 % around `1/rate`), so no two lines, and no two segments, share a period.

/// A smooth random walk in [−1, 1] with randomised segment lengths.
#[derive(Debug, Clone)]
pub struct WanderLfo {
    /// Position within the current segment, 0..1.
    phase: f32,
    /// This segment's speed relative to the nominal rate (0.75..1.25).
    speed: f32,
    /// Value at the start of the segment.
    from: f32,
    /// Value at the end of the segment.
    to: f32,
    /// xorshift32 state; never zero.
    rng: u32,
}

impl WanderLfo {
    /// A modulator seeded with `seed` (any value; zero is replaced). Deterministic, so renders
    /// and tests are repeatable.
    pub fn new(seed: u32) -> Self {
        let mut lfo = Self { phase: 0.0, speed: 1.0, from: 0.0, to: 0.0, rng: 1 };
        lfo.reset(seed);
        lfo
    }

    /// Restarts from `seed`: a random start value, a random phase and target.
    pub fn reset(&mut self, seed: u32) {
        self.rng = seed.wrapping_mul(0x9E37_79B9) | 1;
        self.from = self.next_bipolar();
        self.to = self.next_bipolar();
        self.phase = self.next_unit();
        self.speed = 0.75 + 0.5 * self.next_unit();
    }

    /// Advances one sample. `increment` is the nominal rate divided by the sample rate.
    #[inline]
    pub fn next(&mut self, increment: f32) -> f32 {
        self.phase += increment * self.speed;
        if self.phase >= 1.0 {
            self.phase = (self.phase - 1.0).min(0.999);
            self.from = self.to;
            self.to = self.next_bipolar();
            self.speed = 0.75 + 0.5 * self.next_unit();
        }
        let p = self.phase;
        let s = p * p * (3.0 - 2.0 * p);
        self.from + (self.to - self.from) * s
    }

    /// Uniform in [0, 1).
    fn next_unit(&mut self) -> f32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x >> 8) as f32 / (1u32 << 24) as f32
    }

    /// Uniform in [−1, 1).
    fn next_bipolar(&mut self) -> f32 {
        2.0 * self.next_unit() - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_in_range_and_moves_smoothly() {
        let mut l = WanderLfo::new(7);
        let inc = 2.0 / 48_000.0;
        let mut prev = l.next(inc);
        let mut prev_step = 0.0f32;
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for _ in 0..48_000 * 20 {
            let v = l.next(inc);
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
