//! The whole signal chain: input gain → filter → AGC → compressor → delay → reverb → output
//! gain → limiter.
//!
//! [`Engine`] is what the plugin, the standalone, the command-line tools and the tests drive.
//! It owns the chain (a list of [`Stage`]s, each behind a latency-aligned on/off
//! [`StageSwitch`]), the whole-engine bypass, the host tempo, and the input sanitizing that keeps
//! NaN/Inf from ever reaching a recursive state.
//!
//! The chain order is data: [`default_stages`] lists the stages once, in signal order; adding a
//! stage is one line there (plus its [`Stage`] implementation and its part of
//! [`EngineSettings`]).

use super::delay::{Delay, DelaySettings};
use super::denormal::DenormalGuard;
use super::dynamics::{Agc, AgcSettings, Compressor, CompressorSettings, Limiter, LimiterSettings};
use super::filter::{Filter, FilterSettings};
use super::gain::GainStage;
use super::reverb::{Reverb, ReverbSettings};
use super::stage::Stage;
use super::stage_switch::{StageSwitch, SwitchState};

/// Input samples are clamped to ±this (≈ +60 dBFS). Anything louder is a broken upstream plugin,
/// and letting it through would only push the feedback paths into their safety limiters.
pub const INPUT_CLAMP: f32 = 1000.0;

/// Sample rate assumed when `prepare` is given one that is not a positive finite number (every
/// positive rate is accepted as is; each stage clamps what its design needs).
pub const FALLBACK_SAMPLE_RATE: f32 = 48_000.0;

/// Tempo used when no host transport provides one (the delay's own default).
pub use super::delay::TEMPO_BPM_DEFAULT;

/// Every stage's settings for one block. The plugin fills it from its parameters; the
/// command-line tools and the tests fill it directly. Transport (tempo) is not a setting: see
/// [`Engine::set_tempo`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineSettings {
    /// Input gain in dB (bottom of the range mutes).
    pub input_gain_db: f32,
    /// Whether the filter stage is heard.
    pub filter_on: bool,
    /// The filter stage's settings.
    pub filter: FilterSettings,
    /// Whether the automatic gain control is heard.
    pub agc_on: bool,
    /// The automatic gain control's settings.
    pub agc: AgcSettings,
    /// Whether the compressor is heard.
    pub compressor_on: bool,
    /// The compressor's settings.
    pub compressor: CompressorSettings,
    /// Whether the delay stage is heard.
    pub delay_on: bool,
    /// The delay stage's settings.
    pub delay: DelaySettings,
    /// Whether the reverb stage is heard.
    pub reverb_on: bool,
    /// The reverb stage's settings.
    pub reverb: ReverbSettings,
    /// Output gain in dB (bottom of the range mutes).
    pub output_gain_db: f32,
    /// Whether the true-peak limiter is heard (last in the chain).
    pub limiter_on: bool,
    /// The limiter's settings.
    pub limiter: LimiterSettings,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            input_gain_db: 0.0,
            filter_on: true,
            filter: FilterSettings::default(),
            // The dynamics stages start off, so sound, presets and latency of earlier versions
            // stay as they were.
            agc_on: false,
            agc: AgcSettings::default(),
            compressor_on: false,
            compressor: CompressorSettings::default(),
            delay_on: true,
            delay: DelaySettings::default(),
            reverb_on: true,
            reverb: ReverbSettings::default(),
            output_gain_db: 0.0,
            limiter_on: false,
            limiter: LimiterSettings::default(),
        }
    }
}

/// Runnel's stages in signal order: the one place the chain is defined.
pub fn default_stages() -> Vec<Box<dyn Stage>> {
    vec![
        Box::new(GainStage::input()),
        Box::new(Filter::new()),
        Box::new(Agc::new()),
        Box::new(Compressor::new()),
        Box::new(Delay::new()),
        Box::new(Reverb::new()),
        Box::new(GainStage::output()),
        Box::new(Limiter::new()),
    ]
}

/// One place in the chain: a stage and its on/off switch.
struct Slot {
    /// The stage.
    stage: Box<dyn Stage>,
    /// Its click-free, latency-aligned on/off switch.
    switch: StageSwitch,
}

/// The stages in signal order, run one after the other on the same block. A [`Stage`] itself,
/// so the whole-engine bypass is the same latency-aligned switch as every stage's.
struct Chain {
    /// The slots, in signal order.
    slots: Vec<Slot>,
}

impl Stage for Chain {
    fn name(&self) -> &'static str {
        "Chain"
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        for slot in &mut self.slots {
            slot.stage.prepare(sample_rate, max_block);
            slot.switch.prepare(sample_rate, max_block, slot.stage.max_latency_samples());
            slot.switch.sync_latency(slot.stage.as_ref());
        }
    }

    fn reset(&mut self) {
        for slot in &mut self.slots {
            slot.stage.reset();
            slot.switch.reset();
        }
    }

    fn apply(&mut self, settings: &EngineSettings) {
        for slot in &mut self.slots {
            slot.switch.set_enabled(slot.stage.is_enabled(settings));
            slot.stage.apply(settings);
            slot.switch.sync_latency(slot.stage.as_ref());
        }
    }

    fn is_enabled(&self, _settings: &EngineSettings) -> bool {
        true
    }

    fn set_tempo(&mut self, bpm: f64) {
        for slot in &mut self.slots {
            slot.stage.set_tempo(bpm);
        }
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        for slot in &mut self.slots {
            slot.switch.run(slot.stage.as_mut(), left, right);
        }
    }

    /// The sum of the switches' latencies (each equal to its stage's, on or off).
    fn latency_samples(&self) -> u32 {
        self.slots.iter().map(|slot| slot.switch.latency_samples()).sum()
    }

    /// The sum of the stages' largest latencies: what the whole-engine bypass's dry path holds.
    fn max_latency_samples(&self) -> u32 {
        self.slots.iter().map(|slot| slot.stage.max_latency_samples()).sum()
    }

    /// The sum of the audible stages' tails (an off stage contributes its dry path's delay),
    /// since each stage feeds the next; `None` as soon as one is unbounded.
    fn tail_samples(&self) -> Option<u32> {
        self.slots.iter().try_fold(0u32, |total, slot| {
            Some(total.saturating_add(slot.switch.tail_samples(slot.stage.as_ref())?))
        })
    }
}

impl Chain {
    /// Whether no stage switch is mid-fade (a fade, and the latency change at its end, only
    /// advance while the chain runs).
    fn is_settled(&self) -> bool {
        self.slots.iter().all(|slot| slot.switch.state() != SwitchState::Fading)
    }
}

/// The Runnel signal chain.
pub struct Engine {
    /// The stages with their switches.
    chain: Chain,
    /// The whole-engine bypass: crossfades to the input delayed by the chain's latency.
    bypass: StageSwitch,
    /// Host tempo in BPM, handed to every stage (and to stages inserted later).
    tempo_bpm: f64,
    /// Sample rate given to `prepare()`; 0 before.
    sample_rate: f32,
    /// Block size given to `prepare()`; longer calls to `process` are split into such chunks.
    max_block: usize,
    /// Right channel used when processing a mono signal, sized in `prepare()`.
    mono_scratch: Vec<f32>,
    /// Whether the chain sleeps through silence (input silent past the tail, output decayed).
    sleep: SilenceSleep,
}

/// Output level (linear, −120 dBFS) below which a chain whose input has been silent for longer
/// than its tail counts as decayed: stopping there and outputting exact zeros is a step of at
/// most this size, far below audibility and below 24-bit resolution (−144 dBFS is one LSB; a
/// typical listening chain's noise floor is above −110 dBFS).
pub const SLEEP_FLOOR: f32 = 1e-6;

/// Engine-level silence detection: "silence costs nothing".
///
/// It watches the sanitized input and the chain's output. Once the input has been exactly zero
/// for longer than the chain's [`tail`](Stage::tail_samples) (the sum over the stages, so every
/// stage — including stages added later — takes part through its own `tail_samples`) and a
/// whole block of output stayed below [`SLEEP_FLOOR`], the chain stops running and the engine
/// outputs exact zeros, checking only whether the input is still silent. The first block with a
/// non-zero input sample runs the chain again from the state it stopped in, so the onset is
/// processed exactly where it arrives. An unbounded tail (freeze, infinite feedback) never
/// sleeps.
#[derive(Debug, Clone)]
struct SilenceSleep {
    /// Sleeping is allowed (on by default; off for a reference that must never sleep).
    enabled: bool,
    /// Consecutive frames of exactly silent input (saturating).
    silent_frames: u64,
    /// The chain is not running; the output is exact zeros.
    asleep: bool,
}

impl SilenceSleep {
    /// Forgets the history (after `prepare`/`reset`): awake, and silence counts from zero again.
    fn reset(&mut self) {
        *self = Self { enabled: self.enabled, ..Self::default() };
    }
}

impl Default for SilenceSleep {
    fn default() -> Self {
        Self { enabled: true, silent_frames: 0, asleep: false }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    /// Runnel's chain ([`default_stages`]); must be [`prepare`](Self::prepare)d before
    /// processing.
    pub fn new() -> Self {
        Self::with_stages(default_stages())
    }

    /// An engine running `stages` in this order (e.g. a custom or a test chain).
    pub fn with_stages(stages: Vec<Box<dyn Stage>>) -> Self {
        let slots = stages.into_iter().map(|stage| Slot { stage, switch: StageSwitch::new() });
        Self {
            chain: Chain { slots: slots.collect() },
            bypass: StageSwitch::new(),
            tempo_bpm: TEMPO_BPM_DEFAULT,
            sample_rate: 0.0,
            max_block: 0,
            mono_scratch: Vec::new(),
            sleep: SilenceSleep::default(),
        }
    }

    /// Inserts `stage` at `index` in the chain (clamped to the end); allocates, so call it
    /// outside the audio thread. On a prepared engine the stage is prepared at once, and
    /// [`latency_samples`](Self::latency_samples) changes by the stage's latency (report it to
    /// the host again).
    pub fn insert_stage(&mut self, index: usize, mut stage: Box<dyn Stage>) {
        stage.set_tempo(self.tempo_bpm);
        let mut switch = StageSwitch::new();
        if self.max_block > 0 {
            stage.prepare(self.sample_rate, self.max_block);
            switch.prepare(self.sample_rate, self.max_block, stage.max_latency_samples());
            switch.sync_latency(stage.as_ref());
        }
        let index = index.min(self.chain.slots.len());
        self.chain.slots.insert(index, Slot { stage, switch });
        if self.max_block > 0 {
            self.bypass.prepare(self.sample_rate, self.max_block, self.chain.max_latency_samples());
            self.bypass.sync_latency(&self.chain);
        }
    }

    /// The stages' names in signal order.
    pub fn stage_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.chain.slots.iter().map(|slot| slot.stage.name())
    }

    /// Allocates every buffer of every stage for this sample rate and block size. Any positive
    /// rate is accepted (each stage clamps what its design needs: cutoffs below Nyquist, minimum
    /// line lengths, memory caps at extreme rates); a non-positive or non-finite one is replaced
    /// by [`FALLBACK_SAMPLE_RATE`].
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let sample_rate =
            if sample_rate.is_finite() && sample_rate > 0.0 { sample_rate } else { FALLBACK_SAMPLE_RATE };
        let max_block = max_block.max(1);
        self.sample_rate = sample_rate;
        self.max_block = max_block;
        self.chain.prepare(sample_rate, max_block);
        self.bypass.prepare(sample_rate, max_block, self.chain.max_latency_samples());
        self.bypass.sync_latency(&self.chain);
        self.mono_scratch = vec![0.0; max_block];
        self.sleep.reset();
    }

    /// Clears all state (echoes, reverb tail, filter memories, aligned dry paths); the next
    /// settings apply at once.
    pub fn reset(&mut self) {
        self.chain.reset();
        self.bypass.reset();
        self.sleep.reset();
    }

    /// Sets the targets for the following samples. Call once per block (or sub-block, for
    /// sample-accurate automation); values ramp, they never jump.
    pub fn set_settings(&mut self, settings: &EngineSettings) {
        self.chain.apply(settings);
        self.bypass.sync_latency(&self.chain);
    }

    /// Gain reduction in dB over the last processed block of the stage named `name`
    /// ("Compressor", "AGC", "Limiter"), for meters: `None` for stages without one. A plain
    /// read of a value the stage stored during `process` (no locks, no allocation); 0 while the
    /// stage is off.
    pub fn gain_reduction_db(&self, name: &str) -> Option<f32> {
        let slot = self.chain.slots.iter().find(|slot| slot.stage.name() == name)?;
        let reduction = slot.stage.gain_reduction_db()?;
        Some(if slot.switch.state() == SwitchState::Bypassed { 0.0 } else { reduction })
    }

    /// Sets the host tempo in BPM for synced delay times (default [`TEMPO_BPM_DEFAULT`]; NaN,
    /// zero and negative values are ignored). Call it before `set_settings` on the first block,
    /// so a synced time starts at the host's tempo instead of gliding to it.
    pub fn set_tempo(&mut self, bpm: f64) {
        if bpm.is_finite() && bpm > 0.0 {
            self.tempo_bpm = bpm;
        }
        self.chain.set_tempo(bpm);
    }

    /// The tempo given to the stages.
    pub fn tempo(&self) -> f64 {
        self.tempo_bpm
    }

    /// Bypasses the whole engine (a host's bypass): crossfades over
    /// [`SWITCH_FADE_MS`](crate::stage_switch::SWITCH_FADE_MS) to the input delayed by
    /// [`latency_samples`](Self::latency_samples), so the output stays aligned and the host's
    /// delay compensation holds. A bypassed chain costs nothing and is reset before it fades
    /// back in. Right after `prepare`/`reset` the first call takes effect at once.
    pub fn set_bypassed(&mut self, bypassed: bool) {
        self.bypass.set_enabled(!bypassed);
    }

    /// Whether the engine is fully bypassed (the fade is over and the chain no longer runs).
    pub fn is_bypassed(&self) -> bool {
        self.bypass.state() == SwitchState::Bypassed
    }

    /// Samples the output lags the input: the sum of the stages' latencies, the same whether
    /// stages are on or off and whether the engine is bypassed. This is what a host is told.
    pub fn latency_samples(&self) -> u32 {
        self.bypass.latency_samples()
    }

    /// Samples of output that can follow silent input: `None` while it is unbounded (infinite
    /// feedback or freeze), otherwise the sum of the audible stages' tails (each stage feeds the
    /// next), or the latency while the engine is bypassed.
    pub fn tail_samples(&self) -> Option<u32> {
        self.bypass.tail_samples(&self.chain)
    }

    /// Processes a stereo signal in place. Any length is accepted; it is split into chunks of at
    /// most `max_block` frames.
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), right.len());
        debug_assert!(self.max_block > 0, "process() before prepare()");
        let _denormals = DenormalGuard::new();
        let n = left.len().min(right.len());
        let mut start = 0;
        while start < n {
            let end = (start + self.max_block).min(n);
            self.process_chunk(&mut left[start..end], &mut right[start..end]);
            start = end;
        }
    }

    /// Processes a mono signal in place: the chain runs in stereo with both inputs equal and the
    /// output is the average of both sides, so ping-pong echoes and stereo offsets are all heard
    /// (keeping only the left side would drop every other ping-pong echo).
    pub fn process_mono(&mut self, samples: &mut [f32]) {
        let _denormals = DenormalGuard::new();
        let mut scratch = std::mem::take(&mut self.mono_scratch);
        for chunk in samples.chunks_mut(self.max_block.max(1)) {
            let right = &mut scratch[..chunk.len()];
            sanitize(chunk);
            right.copy_from_slice(chunk);
            self.run_or_sleep(chunk, right);
            for (m, r) in chunk.iter_mut().zip(right.iter()) {
                *m = 0.5 * (*m + *r);
            }
        }
        self.mono_scratch = scratch;
    }

    /// One chunk of at most `max_block` frames.
    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        sanitize(left);
        sanitize(right);
        self.run_or_sleep(left, right);
    }

    /// Whether the chain is asleep: its input has been silent for longer than its tail and its
    /// output decayed below [`SLEEP_FLOOR`], so `process` outputs exact zeros without running
    /// it. The first non-silent input sample wakes it.
    pub fn is_asleep(&self) -> bool {
        self.sleep.asleep
    }

    /// Allows or forbids sleeping through silence (allowed by default). Forbidding it wakes a
    /// sleeping chain: the chain then runs on every block, as if sleeping did not exist (a
    /// reference for tests, or a host that wants to measure the chain's full cost).
    pub fn set_sleep_enabled(&mut self, enabled: bool) {
        self.sleep.enabled = enabled;
        self.sleep.asleep &= enabled;
    }

    /// Whether no switch (a stage's or the whole-engine bypass) is mid-fade.
    fn is_settled(&self) -> bool {
        self.chain.is_settled() && self.bypass.state() != SwitchState::Fading
    }

    /// Runs the chain (through the bypass switch) on sanitized input, or outputs zeros while
    /// asleep (see [`SilenceSleep`]).
    fn run_or_sleep(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !(is_silent(left) && is_silent(right)) {
            self.sleep.silent_frames = 0;
            self.sleep.asleep = false;
        } else if self.sleep.asleep && self.is_settled() {
            // Zeros in, zeros out: the input is already the output.
            return;
        } else {
            self.sleep.silent_frames = self.sleep.silent_frames.saturating_add(left.len() as u64);
        }
        self.bypass.run(&mut self.chain, left, right);
        // A stage whose fade-out ended in this block no longer adds latency.
        self.bypass.sync_latency(&self.chain);
        if self.sleep.enabled && self.sleep.silent_frames > 0 {
            // Silent so far: sleep from the next block once the tail has passed and this whole
            // block stayed below the floor (the tail is only asked for while silent).
            let tail_over =
                self.tail_samples().is_some_and(|tail| self.sleep.silent_frames > u64::from(tail));
            // A switch mid-fade keeps the chain awake (and a switch turned while asleep wakes it,
            // above): its fade, and the latency change at its end, only advance while it runs.
            self.sleep.asleep = tail_over && peak(left).max(peak(right)) <= SLEEP_FLOOR && self.is_settled();
        }
    }
}

/// Whether every sample is exactly zero (either sign). Branch-free over the block, so it
/// vectorizes: an OR of the bit patterns with the sign bit masked off.
#[inline]
fn is_silent(samples: &[f32]) -> bool {
    samples.iter().fold(0u32, |bits, x| bits | (x.to_bits() & 0x7fff_ffff)) == 0
}

/// The largest magnitude in `samples` (0 for an empty block).
#[inline]
fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

/// Replaces NaN and ±Inf with silence and clamps absurd levels, so nothing non-finite ever enters
/// a filter memory or a feedback loop. One compare per sample; branch-free in practice.
#[inline]
fn sanitize(samples: &mut [f32]) {
    for x in samples {
        *x = if x.is_finite() { x.clamp(-INPUT_CLAMP, INPUT_CLAMP) } else { 0.0 };
    }
}
