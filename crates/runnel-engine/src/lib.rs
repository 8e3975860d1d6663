//! The Runnel DSP engine. Nothing in this crate imports nice-plug: the plugin, the standalone, the
//! command-line tools and the tests all drive these plain structs.
//!
//! Every stage follows one lifecycle:
//! - `prepare(sample_rate, max_block)` allocates everything the stage will ever need;
//! - `reset()` clears state (delay lines, filter memories, envelopes) without allocating;
//! - `process(...)` never allocates, locks or blocks.
//!
//! # Public API
//! The crate root re-exports what a user of the engine needs: [`Engine`] and [`EngineSettings`],
//! each stage with its settings types and enums. Each stage's module (`filter`, `delay`,
//! `reverb`, `gain`, `engine`) holds the same items plus its ranges and defaults (`X_RANGE`,
//! `X_DEFAULT`; e.g. `reverb::MIX_RANGE` and `delay::MIX_RANGE` differ, hence no root
//! re-export of constants). The building blocks ([`core`](crate::core): SVF, one-pole,
//! envelope follower) and every stage's internals are private to the crate; the crate's own
//! tests and benches reach the few internals they check through the `testing` feature.
//!
//! # Conventions
//! - constants: `X_RANGE` and `X_DEFAULT` (never `DEFAULT_X`), units in the name (`_HZ`, `_MS`,
//!   `_S`, `_DB`, `_M`);
//! - `Settings::clamped()` returns settings with every value in its range (non-finite values
//!   replaced by the default), see [`clamp_setting`];
//! - a stage's `snap_next` flag makes the next `set_settings` jump instead of ramp (set by
//!   `prepare`/`reset`);
//! - [`CONTROL_INTERVAL`](smoothing::CONTROL_INTERVAL): samples between coefficient updates
//!   while a parameter ramps, shared by every stage.

mod core;
pub mod delay;
mod denormal;
pub mod engine;
pub mod filter;
pub mod gain;
pub mod reverb;
mod smoothing;
mod stage_switch;
#[cfg(feature = "testing")]
pub mod testing;

pub use delay::{Delay, DelaySettings, NoteModifier, NoteValue, TimeChangeMode};
pub use engine::{Engine, EngineSettings};
pub use filter::{
    BellSettings, Filter, FilterSettings, FilterSlope, NotchMode, NotchSettings, PassSettings,
    ShelfSettings,
};
pub use gain::Gain;
pub use reverb::{MixLaw, Reverb, ReverbSettings};

/// Clamps a setting into `range`, replacing NaN/±Inf with `fallback`, so a host (or a fuzzer)
/// sending garbage can never put a non-finite value into a coefficient or a delay time. Every
/// stage's `set_settings` passes its targets through this.
pub fn clamp_setting(value: f32, range: (f32, f32), fallback: f32) -> f32 {
    if value.is_finite() {
        value.clamp(range.0, range.1)
    } else {
        fallback
    }
}
