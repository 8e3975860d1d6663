//! Click-free jumps of read positions.
//!
//! Moving a read head through a delay line makes the pitch bend (Doppler); jumping it makes a
//! click. Crossfading between the old and the new position does neither: for a few tens of
//! milliseconds both positions are read and their outputs are blended linearly. A linear blend
//! of two reads never exceeds the louder one, so inside a feedback loop it cannot add energy
//! (an equal-power blend could, when both reads are correlated).
//!
//! [`ChainedCrossfade`] holds the layout being faded from, the one faded to and the latest
//! request. A request that arrives mid-fade waits until the fade completes, then starts the
//! next one: a knob swept continuously produces a chain of short fades that follows it.

/// The state of one crossfade between two layouts of read positions.
#[derive(Debug, Clone, Copy)]
pub struct ChainedCrossfade<T: Copy + PartialEq> {
    /// The layout being faded from (the only one read when idle).
    from: T,
    /// The layout being faded to.
    to: T,
    /// The most recent request, adopted when the current fade completes.
    pending: T,
    /// Blend amount of `to`, 0..1.
    progress: f32,
    /// Increment of `progress` per sample (1 / fade length).
    step: f32,
    /// Whether a fade is in flight.
    fading: bool,
}

impl<T: Copy + PartialEq> ChainedCrossfade<T> {
    /// Idle at `layout`.
    pub fn new(layout: T) -> Self {
        Self {
            from: layout,
            to: layout,
            pending: layout,
            progress: 0.0,
            step: 1.0,
            fading: false,
        }
    }

    /// Sets the fade length in samples (≥ 1).
    pub fn set_length(&mut self, samples: u32) {
        self.step = 1.0 / samples.max(1) as f32;
    }

    /// Jumps to `layout` with no fade (reset, first settings).
    pub fn snap(&mut self, layout: T) {
        self.from = layout;
        self.to = layout;
        self.pending = layout;
        self.progress = 0.0;
        self.fading = false;
    }

    /// Asks for `layout`; it is faded to as soon as no other fade is in flight.
    #[inline]
    pub fn request(&mut self, layout: T) {
        self.pending = layout;
    }

    /// Advances one sample. Returns `true` when a new fade starts on this sample (the caller
    /// may need to recompute values that depend on [`to()`](Self::to)).
    #[inline]
    pub fn tick(&mut self) -> bool {
        if self.fading {
            self.progress += self.step;
            if self.progress >= 1.0 {
                self.from = self.to;
                self.progress = 0.0;
                self.fading = false;
            }
            false
        } else if self.pending != self.from {
            self.to = self.pending;
            self.progress = self.step;
            self.fading = true;
            true
        } else {
            false
        }
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
        self.progress
    }

    /// Whether a fade is in flight.
    #[inline]
    pub fn is_fading(&self) -> bool {
        self.fading
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
