//! The Runnel DSP engine. Nothing in this tree imports nice-plug: the plugin, the standalone, the
//! offline renderer and the tests all drive these plain structs.
//!
//! Every stage follows one lifecycle:
//! - `prepare(sample_rate, max_block)` allocates everything the stage will ever need;
//! - `reset()` clears state (delay lines, filter memories, envelopes) without allocating;
//! - `process(...)` never allocates, locks or blocks.

mod core;
pub mod delay;
pub mod denormal;
pub mod engine;
pub mod filter;
pub mod gain;
pub mod reverb;
pub mod smoothing;
pub mod stage_switch;

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
