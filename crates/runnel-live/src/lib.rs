//! Runnel's live audio tools, around the engine rather than inside it: the audio backends are
//! here, so the engine crate stays free of them.
//!
//! - [`latency`]: a round-trip latency meter (chirp cross-correlation with a phase fit, to a tenth
//!   of a sample), independent of any backend;
//! - [`jack_host`]: the engine as a windowless JACK client with xrun and load counters;
//! - [`cpal_host`]: the same between a cpal capture and playback device (ALSA, CoreAudio,
//!   WASAPI), with drift correction and every over/underrun counted;
//! - [`jack_loop`]: plays the meter's stimulus into a JACK loop and records what returns;
//! - [`devices`]: the backends, devices and configurations this machine offers;
//! - [`recorder`]: the live output to WAV through a lock-free ring, every dropped frame counted;
//! - [`fault`]: stalls injected by tests (a slow writer, an engine that misses its deadline).

pub mod cpal_host;
pub mod devices;
pub mod fault;
pub mod jack_host;
pub mod jack_loop;
pub mod latency;
pub mod recorder;
