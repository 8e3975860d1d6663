//! Test support behind the `testing` feature (the crate's dev-dependency on itself turns it on;
//! not part of the engine's API):
//! - internals that the crate's own integration tests and benches check directly (kernel tables,
//!   cascade designs, loop limits);
//! - test-only stages, for checking the chain's latency handling without a real latent stage:
//!   Runnel's own stages all have zero latency today.

/// Delay internals: the fractional-read kernel, the loop ceiling, note lengths, head timing.
pub mod delay {
    pub use crate::delay::feedback::SAFETY_CEILING;
    pub use crate::delay::line::{SincTable, INTERPOLATOR_PHASES, INTERPOLATOR_TAPS};
    pub use crate::delay::sync::note_seconds;
    pub use crate::delay::time_change::{CROSSFADE_MS, TAPE_MAX_GLIDE_RATE};
}

/// Filter internals: the high/low-pass designs and the cascade that runs them.
pub mod filter {
    pub use crate::filter::design::{PassDesign, PassKind};
    pub use crate::filter::svf::PassCascade;
}

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::engine::EngineSettings;
use crate::stage::Stage;

/// A stage that delays both channels by a fixed number of samples and scales them by a gain: a
/// pure delay at unity gain, or (gain ≠ 1) a latent stage whose output differs from its dry
/// input, so a crossfade between them is visible.
///
/// Its on/off state is not part of [`EngineSettings`]: it follows a shared flag
/// ([`LatencyStage::switch`]), read at every `Engine::set_settings`.
#[derive(Debug)]
pub struct LatencyStage {
    /// Delay in samples (the reported latency).
    latency: usize,
    /// Gain applied to the delayed signal.
    gain: f32,
    /// Whether the stage is switched on; shared with the test through [`switch`](Self::switch).
    enabled: Arc<AtomicBool>,
    /// Left delay line, exactly `latency` long; allocated in `prepare`.
    left: Vec<f32>,
    /// Right delay line.
    right: Vec<f32>,
    /// Slot holding the oldest sample (read, then overwritten, next).
    pos: usize,
}

impl LatencyStage {
    /// A stage delaying by `latency` samples with gain `gain`, switched on.
    pub fn new(latency: u32, gain: f32) -> Self {
        Self {
            latency: latency as usize,
            gain,
            enabled: Arc::new(AtomicBool::new(true)),
            left: Vec::new(),
            right: Vec::new(),
            pos: 0,
        }
    }

    /// The stage's on/off flag; a change takes effect at the next `Engine::set_settings`.
    pub fn switch(&self) -> Arc<AtomicBool> {
        self.enabled.clone()
    }
}

impl Stage for LatencyStage {
    fn name(&self) -> &'static str {
        "Latency (test)"
    }

    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {
        self.left = vec![0.0; self.latency];
        self.right = vec![0.0; self.latency];
        self.reset();
    }

    fn reset(&mut self) {
        self.left.fill(0.0);
        self.right.fill(0.0);
        self.pos = 0;
    }

    fn apply(&mut self, _settings: &EngineSettings) {}

    fn is_enabled(&self, _settings: &EngineSettings) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if self.latency > 0 {
                *l = std::mem::replace(&mut self.left[self.pos], *l);
                *r = std::mem::replace(&mut self.right[self.pos], *r);
                self.pos = (self.pos + 1) % self.latency;
            }
            *l *= self.gain;
            *r *= self.gain;
        }
    }

    fn latency_samples(&self) -> u32 {
        self.latency as u32
    }

    fn tail_samples(&self) -> Option<u32> {
        Some(self.latency as u32)
    }
}
