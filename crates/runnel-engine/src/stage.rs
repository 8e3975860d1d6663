//! The one interface every processing stage of the chain implements.
//!
//! The [`Engine`](crate::engine::Engine) holds its stages as a list of `Box<dyn Stage>`, each
//! behind a latency-aligned on/off switch ([`StageSwitch`](crate::stage_switch::StageSwitch)),
//! and drives all of them through this trait: preparing, resetting, applying settings, running
//! blocks and summing latencies and tails. Dispatch is dynamic once per stage per block, never
//! per sample.

use crate::engine::EngineSettings;

/// A stereo, in-place processing stage of the chain.
///
/// Lifecycle (the engine's rules): [`prepare`](Stage::prepare) allocates everything the stage
/// will ever need, [`reset`](Stage::reset) clears state without allocating, and
/// [`process`](Stage::process) never allocates, locks, blocks or loops unboundedly.
pub trait Stage: Send {
    /// Short human-readable name ("Filter", "Delay"), for meters and debugging.
    fn name(&self) -> &'static str;

    /// Allocates for `sample_rate` (any positive value: a stage clamps what its design needs)
    /// and blocks of up to `max_block` frames, then resets.
    fn prepare(&mut self, sample_rate: f32, max_block: usize);

    /// Clears all audio state (lines, filter memories, envelopes) without allocating; the next
    /// [`apply`](Stage::apply) takes effect without a ramp.
    fn reset(&mut self);

    /// Reads this stage's own part of `settings` and sets its targets (they ramp, they never
    /// jump, except right after `prepare`/`reset`). Called once per block or sub-block.
    fn apply(&mut self, settings: &EngineSettings);

    /// Whether `settings` switch this stage on. An off stage is crossfaded to its
    /// latency-aligned dry signal and then not processed at all.
    fn is_enabled(&self, settings: &EngineSettings) -> bool;

    /// The host tempo in BPM, for stages that follow it. Most stages ignore it.
    fn set_tempo(&mut self, _bpm: f64) {}

    /// Processes one stereo block in place; `left.len() == right.len() <= max_block`.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]);

    /// How many samples the output lags the input. Most stages fix it at `prepare`; a stage
    /// whose latency is a setting (a lookahead) may change it in [`apply`](Stage::apply), up to
    /// [`max_latency_samples`](Stage::max_latency_samples): the switch's aligned dry path
    /// follows it and hosts are told the new sum.
    fn latency_samples(&self) -> u32;

    /// The largest latency the stage can report until the next `prepare` (the switch sizes its
    /// dry path for it). Defaults to the fixed [`latency_samples`](Stage::latency_samples).
    fn max_latency_samples(&self) -> u32 {
        self.latency_samples()
    }

    /// Gain reduction in dB (≥ 0) over the last processed block, for meters; `None` for
    /// stages that do not reduce gain. Read after `process`, from the thread that owns the
    /// engine (no locks, no allocation).
    fn gain_reduction_db(&self) -> Option<f32> {
        None
    }

    /// Samples of output that can follow silent input, counted from the last non-silent input
    /// sample (so it includes the latency); `None` while unbounded (infinite feedback, freeze).
    fn tail_samples(&self) -> Option<u32>;
}
