//! Parameter smoothing shared by every stage.
//!
//! Every continuous parameter in the engine is driven through a [`LinearSmoother`] so that a host
//! jumping a value (automation, a preset change, a user typing a number) produces a ramp instead
//! of a step. The smoother lives in the engine crate, not in the plugin wrapper, so that the
//! command-line tools and the tests get exactly the same behaviour as a DAW.

/// Default ramp length for gains, mixes and other amplitude-like parameters.
pub const RAMP_MS_DEFAULT: f32 = 20.0;

/// Samples between coefficient updates while a parameter ramps, in every stage (the filter's
/// bands, the reverb's absorption, wet cuts and modulation rate). Each update re-derives the
/// coefficients exactly (`tan` prewarp, shelf designs) from the smoothers; 16 samples is
/// 0.33 ms at 48 kHz, so the steps of a 20–50 ms ramp are far below audibility while the
/// redesign cost is spread over 16 samples.
pub const CONTROL_INTERVAL: usize = 16;

/// A linear ramp from the current value to a target over a fixed time.
///
/// Linear (rather than exponential) ramps reach the target in a bounded number of samples, which
/// keeps tests exact and lets a stage know when it can stop recomputing coefficients. Frequencies
/// should be smoothed in a log domain (e.g. `log2(hz)`) by the caller so a sweep sounds even.
#[derive(Debug, Clone)]
pub struct LinearSmoother {
    /// The value returned by the most recent [`next()`](Self::next) call.
    current: f32,
    /// Where the ramp ends.
    target: f32,
    /// Increment per sample while ramping.
    step: f32,
    /// Samples left until `current == target`.
    remaining: u32,
    /// Ramp length in samples, derived from the sample rate and the ramp time.
    ramp_samples: u32,
}

impl Default for LinearSmoother {
    fn default() -> Self {
        Self::new(0.0)
    }
}

impl LinearSmoother {
    /// A smoother resting at `value`. Call [`set_ramp()`](Self::set_ramp) before use.
    pub fn new(value: f32) -> Self {
        Self { current: value, target: value, step: 0.0, remaining: 0, ramp_samples: 1 }
    }

    /// Sets the ramp time. Called from `prepare()`; a ramp in flight keeps its old slope.
    pub fn set_ramp(&mut self, sample_rate: f32, ramp_ms: f32) {
        self.ramp_samples = ((sample_rate * ramp_ms / 1000.0).round() as u32).max(1);
    }

    /// Jumps to `value` immediately (used by `reset()` and at the first block after `prepare()`).
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
        self.step = 0.0;
        self.remaining = 0;
    }

    /// Starts a ramp towards `target`. Setting the same target again does not restart the ramp.
    #[inline]
    pub fn set_target(&mut self, target: f32) {
        if target == self.target {
            return;
        }
        self.target = target;
        self.remaining = self.ramp_samples;
        self.step = (target - self.current) / self.ramp_samples as f32;
    }

    /// Advances one sample and returns the new value.
    // Not `Iterator::next`: a smoother never ends and returns a plain value, not an `Option`.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 { self.target } else { self.current + self.step };
        }
        self.current
    }

    /// Advances `n` samples at once and returns the value reached. Used by stages that only
    /// recompute coefficients every few samples.
    #[inline]
    pub fn skip(&mut self, n: u32) -> f32 {
        if n >= self.remaining {
            self.remaining = 0;
            self.current = self.target;
        } else {
            self.remaining -= n;
            self.current += self.step * n as f32;
        }
        self.current
    }

    /// The value most recently returned.
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// The value the ramp is heading to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// Whether a ramp is still in flight.
    #[inline]
    pub fn is_smoothing(&self) -> bool {
        self.remaining > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_reaches_target_in_exact_sample_count() {
        let mut s = LinearSmoother::new(0.0);
        s.set_ramp(1000.0, 10.0); // 10 samples
        s.set_target(1.0);
        for i in 1..=10 {
            let v = s.next();
            assert!((v - i as f32 / 10.0).abs() < 1e-6, "sample {i}: {v}");
        }
        assert!(!s.is_smoothing());
        assert_eq!(s.next(), 1.0);
    }

    #[test]
    fn skip_matches_repeated_next() {
        let mut a = LinearSmoother::new(2.0);
        let mut b = LinearSmoother::new(2.0);
        a.set_ramp(48000.0, 5.0);
        b.set_ramp(48000.0, 5.0);
        a.set_target(-3.0);
        b.set_target(-3.0);
        for _ in 0..7 {
            a.next();
        }
        assert!((b.skip(7) - a.current()).abs() < 1e-5);
        assert_eq!(b.skip(10_000), -3.0);
    }
}
