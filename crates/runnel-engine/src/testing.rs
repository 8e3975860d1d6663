//! Internals that the crate's own integration tests and benches check directly (kernel tables,
//! cascade designs, loop limits). Not part of the engine's API: enabled only by the `testing`
//! feature, which the crate's dev-dependency on itself turns on.

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
