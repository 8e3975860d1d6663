//! Click-free jumps of read positions: the engine's one crossfade.
//!
//! Moving a read head through a delay line makes the pitch bend (Doppler); jumping it makes a
//! click. Crossfading between the old and the new position does neither: for a few tens of
//! milliseconds both positions are read and their outputs are blended with an equal-*gain*
//! curve (the weights sum to 1). An equal-gain blend of two reads never exceeds the louder one,
//! so inside a feedback loop it cannot add energy (an equal-power blend could, when both reads
//! are correlated).
//!
//! [`Fade`] is the clock and the curve of one fade: how many samples have passed and the
//! incoming weight, linear or raised-cosine. [`ChainedCrossfade`] sequences fades between
//! layouts (the reverb's tap layouts and line lengths): it holds the layout being faded from,
//! the one faded to and the latest request; a request that arrives mid-fade waits until the
//! fade completes, then starts the next one, so a knob swept continuously produces a chain of
//! short fades that follows it. The delay's read heads drive a [`Fade`] themselves, because
//! between fades their position may also glide (tape mode).

/// The shape of the incoming weight over a fade (both are equal-gain: outgoing = 1 − incoming).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FadeCurve {
    /// `w = t`: constant slope (the reverb's length and layout changes).
    Linear,
    /// `w = ½ − ½·cos(π·t)`: zero slope at both ends (the delay's head changes).
    RaisedCosine,
}

/// The clock of one fade: samples elapsed since it started, and its curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fade {
    /// Samples stepped since [`start`](Self::start).
    elapsed: u32,
    /// Whether a fade is in flight.
    fading: bool,
    /// The weight curve.
    curve: FadeCurve,
}

impl Fade {
    /// An idle fade with `curve`.
    pub const fn new(curve: FadeCurve) -> Self {
        Self { elapsed: 0, fading: false, curve }
    }

    /// Starts a fade at weight 0.
    #[inline]
    pub fn start(&mut self) {
        self.elapsed = 0;
        self.fading = true;
    }

    /// Abandons any fade in flight.
    #[inline]
    pub fn stop(&mut self) {
        self.fading = false;
    }

    /// Advances one sample of a fade `length` samples long; returns `false` (and goes idle) when
    /// the fade has reached its end, i.e. the incoming side now stands alone.
    #[inline]
    pub fn step(&mut self, length: u32) -> bool {
        self.elapsed += 1;
        if self.elapsed >= length {
            self.fading = false;
        }
        self.fading
    }

    /// Weight of the incoming side at the current sample of a fade `length` samples long.
    #[inline]
    pub fn weight(&self, length: u32) -> f32 {
        let progress = self.elapsed as f32 / length as f32;
        match self.curve {
            FadeCurve::Linear => progress,
            FadeCurve::RaisedCosine => 0.5 - 0.5 * (std::f32::consts::PI * progress).cos(),
        }
    }

    /// Whether a fade is in flight.
    #[inline]
    pub fn is_fading(&self) -> bool {
        self.fading
    }
}

/// The state of one crossfade between two layouts of read positions.
#[derive(Debug, Clone, Copy)]
pub struct ChainedCrossfade<T: Copy + PartialEq> {
    /// The layout being faded from (the only one read when idle).
    from: T,
    /// The layout being faded to.
    to: T,
    /// The most recent request, adopted when the current fade completes.
    pending: T,
    /// The clock of the fade in flight (linear).
    fade: Fade,
    /// Fade length in samples (≥ 1).
    length: u32,
    /// Idle with `pending == from` known: `tick` need not compare the layouts (up to 200 bytes
    /// for the early reflections) on every sample. Cleared by `request` and by a fade's end.
    settled: bool,
}

impl<T: Copy + PartialEq> ChainedCrossfade<T> {
    /// Idle at `layout`.
    pub fn new(layout: T) -> Self {
        Self {
            from: layout,
            to: layout,
            pending: layout,
            fade: Fade::new(FadeCurve::Linear),
            length: 1,
            settled: true,
        }
    }

    /// Sets the fade length in samples (≥ 1).
    pub fn set_length(&mut self, samples: u32) {
        self.length = samples.max(1);
    }

    /// Jumps to `layout` with no fade (reset, first settings).
    pub fn snap(&mut self, layout: T) {
        self.from = layout;
        self.to = layout;
        self.pending = layout;
        self.fade.stop();
        self.settled = true;
    }

    /// Asks for `layout`; it is faded to as soon as no other fade is in flight.
    #[inline]
    pub fn request(&mut self, layout: T) {
        self.pending = layout;
        self.settled = false;
    }

    /// Advances one sample. Returns `true` when a new fade starts on this sample (the caller
    /// may need to recompute values that depend on [`to()`](Self::to)). A new fade's first
    /// sample already has weight `1/length`; when the weight would reach 1, `to` becomes `from`.
    #[inline]
    pub fn tick(&mut self) -> bool {
        if self.fade.is_fading() {
            if !self.fade.step(self.length) {
                self.from = self.to;
            }
            false
        } else if self.settled {
            false
        } else if self.pending != self.from {
            self.to = self.pending;
            self.fade.start();
            if !self.fade.step(self.length) {
                // A one-sample fade is a jump.
                self.from = self.to;
            }
            true
        } else {
            self.settled = true;
            false
        }
    }

    /// Whether the next `tick`s change nothing until the next [`request`](Self::request): no
    /// fade in flight and none pending. Lets a caller process a stretch of samples block-wise.
    #[inline]
    pub fn is_at_rest(&mut self) -> bool {
        if !self.settled && !self.fade.is_fading() && self.pending == self.from {
            self.settled = true;
        }
        self.settled && !self.fade.is_fading()
    }

    /// The layout faded from (the current one when idle).
    #[inline]
    pub fn from(&self) -> &T {
        &self.from
    }

    /// The layout faded to (equal to `from` when idle).
    #[inline]
    pub fn to(&self) -> &T {
        &self.to
    }

    /// The layout that will be current once all fades are done.
    #[inline]
    pub fn latest(&self) -> &T {
        &self.pending
    }

    /// Blend weight of [`to()`](Self::to); 0 when idle.
    #[inline]
    pub fn progress(&self) -> f32 {
        if self.fade.is_fading() {
            self.fade.weight(self.length)
        } else {
            0.0
        }
    }

    /// Whether a fade is in flight.
    #[inline]
    pub fn is_fading(&self) -> bool {
        self.fade.is_fading()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_chain_and_weights_ramp_linearly() {
        let mut x = ChainedCrossfade::new(10u32);
        x.set_length(4);
        x.request(20);
        assert!(x.tick());
        assert_eq!((*x.from(), *x.to(), x.progress()), (10, 20, 0.25));
        x.request(30); // arrives mid-fade: waits
        for w in [0.5, 0.75] {
            assert!(!x.tick());
            assert_eq!(x.progress(), w);
        }
        assert!(!x.tick()); // fade completes
        assert_eq!((*x.from(), x.is_fading()), (20, false));
        assert!(x.tick()); // the waiting request starts
        assert_eq!((*x.from(), *x.to()), (20, 30));
    }
}
