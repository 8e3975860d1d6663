//! The Runnel DSP engine. Nothing in this crate imports nice-plug: the plugin, the standalone, the
//! command-line tools and the tests all drive these plain structs.
//!
//! Every stage implements [`stage::Stage`] and follows one lifecycle:
//! - `prepare(sample_rate, max_block)` allocates everything the stage will ever need, at any
//!   positive sample rate;
//! - `reset()` clears state (delay lines, filter memories, envelopes) without allocating;
//! - `process(...)` never allocates, locks or blocks.
//!
//! [`engine::Engine`] runs them as a list (the chain order is data: `engine::default_stages`),
//! each behind a latency-aligned on/off switch ([`stage_switch`]), and reports their summed
//! latency and tail.
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
pub mod dynamics;
pub mod engine;
pub mod filter;
pub mod gain;
pub mod params;
pub mod presets;
pub mod reverb;
mod smoothing;
pub mod stage;
mod stage_switch;
#[cfg(feature = "testing")]
pub mod testing;

pub use core::simd::SimdLevel;
pub use delay::{Delay, DelaySettings, NoteModifier, NoteValue, TimeChangeMode};
pub use dynamics::{Agc, AgcSettings, Compressor, CompressorSettings, Detector, Limiter, LimiterSettings};
pub use engine::{Engine, EngineSettings};
pub use filter::{
    BellSettings, Filter, FilterSettings, FilterSlope, NotchMode, NotchSettings, PassSettings, ShelfSettings,
};
pub use gain::Gain;
pub use reverb::{MixLaw, Reverb, ReverbSettings};
pub use stage::Stage;
pub use stage_switch::SWITCH_FADE_MS;

/// The lowest sample rate any stage designs for. Below it no audio exists (a 2 Hz rate cannot
/// even hold the 1 Hz one-pole the delay's loop filters clamp to); hosts only go there by
/// mistake and fuzzers on purpose, so a stage prepared at a lower rate runs as if at this one:
/// its times stretch in proportion, nothing panics and the output stays finite.
pub const MIN_DESIGN_SAMPLE_RATE: f32 = 8.0;

/// Lines (the delay's recording, the reverb's network and pre-delay) are sized for their
/// longest times at no more than this rate. Above it the longest reachable times shrink by
/// `LINE_MEMORY_RATE_HZ / sample_rate` instead of the memory growing: at 1.536 MHz the delay's
/// 16 s of synced time would take 268 MB (stereo f32 rings, rounded up to powers of two) and is
/// capped to 4 s (67 MB, the same as 16 s at 384 kHz; the free-running 4 s range stays whole up
/// to 1.536 MHz); the reverb's network (17 MB) and pre-delay (4 MB) stay at their 384 kHz size,
/// so its largest rooms and 500 ms pre-delay shrink likewise (decay times do not: absorption is
/// designed per sample). Only validators and converters run that high; up to 384 kHz (the top
/// of Runnel 0.1's range) nothing is capped.
pub const LINE_MEMORY_RATE_HZ: f32 = 384_000.0;

/// The rate a line should be sized for at `sample_rate`: the rate itself up to
/// [`LINE_MEMORY_RATE_HZ`], that above. See there for what it means for the longest times.
pub fn line_memory_rate(sample_rate: f32) -> f32 {
    sample_rate.min(LINE_MEMORY_RATE_HZ)
}

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
