//! Helpers every Runnel test suite shares.
//!
//! - [`rng`]: the one deterministic random generator (seeded, reproducible, no `rand` crate);
//! - [`signals`]: impulses, sines, noise, a program-like test signal, silence;
//! - [`render`]: running a stereo processor block by block, as a host would;
//! - [`analysis`]: peak, RMS, dB, largest step, first non-finite sample;
//! - [`npy`]: writing signals for the Python (pedalboard) side;
//! - [`servers`]: finding and stopping external programs, and a private X server (Xvfb);
//! - [`self_naming`]: a signal whose every frame names itself, played through a JACK loop.
//!
//! Nothing here knows about Runnel's types, so it can be used by the engine's tests and the
//! plugin's tests alike without a dependency cycle.

pub mod analysis;
pub mod npy;
pub mod render;
pub mod rng;
pub mod self_naming;
pub mod servers;
pub mod signals;

pub use analysis::{db, first_non_finite, is_subnormal, max_step, peak, rms};
pub use render::render_blocks;
pub use rng::Rng;
