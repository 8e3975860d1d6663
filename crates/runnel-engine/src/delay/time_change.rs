//! What happens when the delay time changes: the read heads.
//!
//! Each channel has two read heads over its delay line; their delays are in samples (f64, since
//! 16 s at 384 kHz (6.1 M samples) needs more than f32's 24 bits to keep sub-sample precision).
//!
//! - **Tape**: one head is heard. Its delay follows the target like a tape machine's motor
//!   changing speed: a critically damped second-order glide (position time constant
//!   [`TAPE_GLIDE_MS`], velocity smoothed over a quarter of that) whose speed is limited to
//!   [`TAPE_MAX_GLIDE_RATE`] samples of delay per sample. Reading at a delay that changes by
//!   `v` per sample plays the recording at speed `1 − v`, so the pitch bends by at most
//!   ×0.5…×1.5 and the output stays continuous (no click). When the glide arrives it snaps the
//!   last fraction of 10⁻⁴ sample, so integer times end up bit-exact again.
//! - **Crossfade**: the heads stand still (no pitch change). A new target is given to the idle
//!   head and the output crossfades to it over [`CROSSFADE_MS`] with a raised-cosine
//!   (equal-gain) curve: the two heads read the same recording, which is often correlated, and
//!   equal gain never exceeds the louder of the two, while equal power could add +3 dB. A
//!   target that moves during a fade (a knob being dragged) is picked up when the fade ends, so
//!   a drag becomes a chain of 50 ms fades that trails the knob by at most one fade.
//!
//! Switching mode mid-change is seamless: a fade in flight always completes first, and a glide
//! that is interrupted by Crossfade simply becomes the old head of the next fade.

use crate::core::crossfade::{Fade, FadeCurve};
use crate::core::one_pole::smoothing_coefficient;

/// Tape glide: time constant of the delay's approach to a new target.
pub const TAPE_GLIDE_MS: f32 = 150.0;

/// Tape glide: the fastest the delay may change, in samples per sample (pitch ratio 1 ∓ this).
pub const TAPE_MAX_GLIDE_RATE: f64 = 0.5;

/// Crossfade: duration of the fade from the old head to the new one.
pub const CROSSFADE_MS: f32 = 50.0;

/// Crossfade: target changes smaller than this (samples) are ignored, so that a host's tempo
/// jitter in the last bits does not trigger endless fades.
pub const CROSSFADE_MIN_CHANGE: f64 = 1e-3;

/// When the tape glide is this close (samples) and this slow, it lands exactly on the target.
const GLIDE_SNAP_DISTANCE: f64 = 1e-4;
/// Velocity (samples per sample) below which the glide may land.
const GLIDE_SNAP_VELOCITY: f64 = 1e-6;

/// How the delay time moves when it is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeChangeMode {
    /// The read head glides to the new time; the pitch bends on the way, like a tape echo.
    #[default]
    Tape,
    /// The output crossfades to a second head at the new time; no pitch change.
    Crossfade,
}

impl TimeChangeMode {
    /// Every mode, for the plugin's enum parameter.
    pub const ALL: [TimeChangeMode; 2] = [TimeChangeMode::Tape, TimeChangeMode::Crossfade];

    /// Text for the parameter display.
    pub fn label(self) -> &'static str {
        match self {
            TimeChangeMode::Tape => "Tape",
            TimeChangeMode::Crossfade => "Crossfade",
        }
    }
}

/// Per-sample-rate constants of the heads (stateless design, shared by both channels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadTiming {
    /// Tape: position time constant in samples.
    glide_samples: f64,
    /// Tape: one-pole coefficient of the velocity smoothing (time constant = glide / 4, which
    /// makes the second-order glide critically damped: no overshoot past the target).
    velocity_coefficient: f64,
    /// Crossfade: fade length in samples.
    fade_samples: u32,
}

impl HeadTiming {
    /// Derives the constants for `sample_rate`.
    pub fn new(sample_rate: f32) -> Self {
        let glide_samples = (TAPE_GLIDE_MS as f64 * 1e-3 * sample_rate as f64).max(4.0);
        let velocity_time_constant = glide_samples / 4.0;
        Self {
            glide_samples,
            velocity_coefficient: smoothing_coefficient(velocity_time_constant),
            fade_samples: ((CROSSFADE_MS * 1e-3 * sample_rate).round() as u32).max(1),
        }
    }

    /// Crossfade length in samples.
    pub fn fade_samples(&self) -> u32 {
        self.fade_samples
    }
}

impl Default for HeadTiming {
    fn default() -> Self {
        Self::new(48_000.0)
    }
}

/// Where to read this sample: one or two delays and the weight of the second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadPositions {
    /// Delay (samples) of the head being faded out, or the only head.
    pub outgoing: f64,
    /// Delay of the head being faded in (equal to `outgoing` when not fading).
    pub incoming: f64,
    /// Weight of `incoming`; `1 − weight` goes to `outgoing`. 0 when not fading.
    pub incoming_weight: f32,
}

/// One channel's pair of read heads.
#[derive(Debug, Clone, Copy)]
pub struct ReadHeads {
    /// Delay of the head that is heard (when not fading) or faded out (when fading).
    active: f64,
    /// Delay of the head being faded in; meaningful only while `fade` is in flight.
    incoming: f64,
    /// The crossfade from `active` to `incoming` (raised cosine, equal gain).
    fade: Fade,
    /// Tape: current rate of change of `active`, samples per sample.
    velocity: f64,
}

impl Default for ReadHeads {
    fn default() -> Self {
        Self { active: 0.0, incoming: 0.0, fade: Fade::new(FadeCurve::RaisedCosine), velocity: 0.0 }
    }
}

impl ReadHeads {
    /// Puts the heard head at `delay` at once, cancelling any glide or fade.
    pub fn snap(&mut self, delay: f64) {
        *self = Self { active: delay, incoming: delay, ..Self::default() };
    }

    /// The longest delay either head is reading, for the tail estimate.
    pub fn longest_delay(&self) -> f64 {
        if self.fade.is_fading() {
            self.active.max(self.incoming)
        } else {
            self.active
        }
    }

    /// Whether the heads are at rest on `target` (no glide, no fade).
    #[cfg(test)]
    pub fn is_settled_at(&self, target: f64) -> bool {
        !self.fade.is_fading() && self.velocity == 0.0 && self.active == target
    }

    /// The delay the heads read at when they are at rest for `target` in `mode`: no fade, no
    /// glide, and [`advance`](Self::advance) would neither move them nor start a fade (Tape: on
    /// the target; Crossfade: within [`CROSSFADE_MIN_CHANGE`] of it). `None` while they move.
    pub fn resting_delay(&self, target: f64, mode: TimeChangeMode) -> Option<f64> {
        let at_rest = !self.fade.is_fading()
            && self.velocity == 0.0
            && match mode {
                TimeChangeMode::Tape => self.active == target,
                TimeChangeMode::Crossfade => (target - self.active).abs() <= CROSSFADE_MIN_CHANGE,
            };
        at_rest.then_some(self.active)
    }

    /// Advances one sample towards `target` (samples) and returns where to read.
    #[inline]
    pub fn advance(&mut self, target: f64, mode: TimeChangeMode, timing: &HeadTiming) -> HeadPositions {
        if self.fade.is_fading() {
            if self.fade.step(timing.fade_samples) {
                return HeadPositions {
                    outgoing: self.active,
                    incoming: self.incoming,
                    incoming_weight: self.fade.weight(timing.fade_samples),
                };
            }
            self.active = self.incoming;
        }
        match mode {
            TimeChangeMode::Tape => self.glide(target, timing),
            TimeChangeMode::Crossfade => {
                self.velocity = 0.0;
                if (target - self.active).abs() > CROSSFADE_MIN_CHANGE {
                    self.incoming = target;
                    // Weight 0 this sample, then 1/N, 2/N, … : the fade takes N samples.
                    self.fade.start();
                }
            }
        }
        HeadPositions { outgoing: self.active, incoming: self.active, incoming_weight: 0.0 }
    }

    /// Tape: one step of the rate-limited, critically damped glide.
    #[inline]
    fn glide(&mut self, target: f64, timing: &HeadTiming) {
        let distance = target - self.active;
        if distance == 0.0 && self.velocity == 0.0 {
            return;
        }
        let wanted = (distance / timing.glide_samples).clamp(-TAPE_MAX_GLIDE_RATE, TAPE_MAX_GLIDE_RATE);
        self.velocity += (wanted - self.velocity) * timing.velocity_coefficient;
        self.active += self.velocity;
        if (target - self.active).abs() < GLIDE_SNAP_DISTANCE && self.velocity.abs() < GLIDE_SNAP_VELOCITY {
            self.active = target;
            self.velocity = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tape_glide_is_rate_limited_monotonic_and_lands_exactly() {
        let timing = HeadTiming::new(48_000.0);
        let mut heads = ReadHeads::default();
        heads.snap(4800.0);
        let mut previous = 4800.0;
        let mut samples = 0;
        while !heads.is_settled_at(19_200.0) {
            let p = heads.advance(19_200.0, TimeChangeMode::Tape, &timing);
            let step = p.outgoing - previous;
            assert!(step >= 0.0, "overshoot/backtrack at {samples}");
            assert!(step <= TAPE_MAX_GLIDE_RATE + 1e-12);
            assert!(p.outgoing <= 19_200.0);
            previous = p.outgoing;
            samples += 1;
            assert!(samples < 48_000 * 10, "never landed");
        }
        // 14400 samples at ≤ 0.5 per sample need at least 28800 samples.
        assert!(samples > 28_800, "{samples}");
    }

    #[test]
    fn crossfade_fades_once_and_queues_moving_targets() {
        let timing = HeadTiming::new(1000.0); // 50-sample fades
        let mut heads = ReadHeads::default();
        heads.snap(100.0);
        let p = heads.advance(200.0, TimeChangeMode::Crossfade, &timing);
        assert_eq!((p.outgoing, p.incoming_weight), (100.0, 0.0));
        let mut weights = vec![];
        for i in 0..49 {
            // The target keeps moving during the fade; the incoming head must not follow.
            let p = heads.advance(300.0 + i as f64, TimeChangeMode::Crossfade, &timing);
            assert_eq!(p.incoming, 200.0);
            weights.push(p.incoming_weight);
        }
        assert!(weights.windows(2).all(|w| w[1] > w[0]));
        // The fade has ended and the next one starts from 200 towards the latest target.
        let p = heads.advance(348.0, TimeChangeMode::Crossfade, &timing);
        assert_eq!((p.outgoing, p.incoming_weight), (200.0, 0.0));
        let p = heads.advance(348.0, TimeChangeMode::Crossfade, &timing);
        assert_eq!(p.incoming, 348.0);
    }
}
