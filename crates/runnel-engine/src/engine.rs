//! The whole signal chain: input gain → filter → delay → reverb → output gain.
//!
//! [`Engine`] is what the plugin, the standalone, the offline renderer and the tests drive. It
//! owns one instance of every stage, the click-free on/off switch of each stage, and the input
//! sanitizing that keeps NaN/Inf from ever reaching a recursive state.

use super::delay::{Delay, DelaySettings};
use super::denormal::DenormalGuard;
use super::filter::{Filter, FilterSettings};
use super::gain::Gain;
use super::reverb::{Reverb, ReverbSettings};
use super::stage_switch::{StageSwitch, SwitchState};

/// Input samples are clamped to ±this (≈ +60 dBFS). Anything louder is a broken upstream plugin,
/// and letting it through would only push the feedback paths into their safety limiters.
pub const INPUT_CLAMP: f32 = 1000.0;

/// Sample-rate range the engine supports.
pub const SAMPLE_RATE_RANGE: (f32, f32) = (8_000.0, 384_000.0);

/// Tempo used when no host transport provides one (the delay's own default).
pub use super::delay::TEMPO_BPM_DEFAULT;

/// Everything the chain needs to know for one block. The plugin fills it from its parameters;
/// the offline renderer and the tests fill it directly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineSettings {
    /// Input gain in dB (bottom of the range mutes).
    pub input_gain_db: f32,
    /// Whether the filter stage is heard.
    pub filter_on: bool,
    /// The filter stage's settings.
    pub filter: FilterSettings,
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
    /// Tempo for synced delay times, from the host transport.
    pub tempo_bpm: f64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            input_gain_db: 0.0,
            filter_on: true,
            filter: FilterSettings::default(),
            delay_on: true,
            delay: DelaySettings::default(),
            reverb_on: true,
            reverb: ReverbSettings::default(),
            output_gain_db: 0.0,
            tempo_bpm: TEMPO_BPM_DEFAULT,
        }
    }
}

/// The Runnel signal chain.
pub struct Engine {
    /// Gain applied before everything else.
    input_gain: Gain,
    /// High-pass, low-pass and tone bands.
    filter: Filter,
    /// Crossfades the filter in and out.
    filter_switch: StageSwitch,
    /// Echo with feedback.
    delay: Delay,
    /// Crossfades the delay in and out.
    delay_switch: StageSwitch,
    /// Algorithmic reverb.
    reverb: Reverb,
    /// Crossfades the reverb in and out.
    reverb_switch: StageSwitch,
    /// Gain applied after everything else.
    output_gain: Gain,
    /// Block size given to `prepare()`; longer calls to `process` are split into such chunks.
    max_block: usize,
    /// Right channel used when processing a mono signal, sized in `prepare()`.
    mono_scratch: Vec<f32>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    /// An engine that must be [`prepare`](Self::prepare)d before processing.
    pub fn new() -> Self {
        Self {
            input_gain: Gain::new(),
            filter: Filter::new(),
            filter_switch: StageSwitch::new(),
            delay: Delay::new(),
            delay_switch: StageSwitch::new(),
            reverb: Reverb::new(),
            reverb_switch: StageSwitch::new(),
            output_gain: Gain::new(),
            max_block: 0,
            mono_scratch: Vec::new(),
        }
    }

    /// Allocates every buffer of every stage for this sample rate and block size.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let max_block = max_block.max(1);
        self.max_block = max_block;
        self.input_gain.prepare(sample_rate, max_block);
        self.filter.prepare(sample_rate, max_block);
        self.filter_switch.prepare(sample_rate, max_block);
        self.delay.prepare(sample_rate, max_block);
        self.delay_switch.prepare(sample_rate, max_block);
        self.reverb.prepare(sample_rate, max_block);
        self.reverb_switch.prepare(sample_rate, max_block);
        self.output_gain.prepare(sample_rate, max_block);
        self.mono_scratch = vec![0.0; max_block];
    }

    /// Clears all state (echoes, reverb tail, filter memories); the next settings apply at once.
    pub fn reset(&mut self) {
        self.input_gain.reset();
        self.filter.reset();
        self.filter_switch.reset();
        self.delay.reset();
        self.delay_switch.reset();
        self.reverb.reset();
        self.reverb_switch.reset();
        self.output_gain.reset();
    }

    /// Sets the targets for the following samples. Call once per block (or sub-block, for
    /// sample-accurate automation); values ramp, they never jump.
    pub fn set_settings(&mut self, settings: &EngineSettings) {
        self.input_gain.set_gain_db(settings.input_gain_db);
        self.filter_switch.set_enabled(settings.filter_on);
        self.filter.set_settings(&settings.filter);
        self.delay_switch.set_enabled(settings.delay_on);
        self.delay.set_tempo(settings.tempo_bpm);
        self.delay.set_settings(&settings.delay);
        self.reverb_switch.set_enabled(settings.reverb_on);
        self.reverb.set_settings(&settings.reverb);
        self.output_gain.set_gain_db(settings.output_gain_db);
    }

    /// Samples of output that can follow silent input: `None` while it is unbounded (infinite
    /// feedback or freeze), otherwise the filter's ringing, then the delay's echoes, then the
    /// reverb's tail, since each stage feeds the next.
    pub fn tail_samples(&self) -> Option<u32> {
        let audible = |switch: &StageSwitch, tail: Option<u32>| {
            if switch.state() == SwitchState::Bypassed {
                Some(0)
            } else {
                tail
            }
        };
        let filter = audible(&self.filter_switch, self.filter.tail_samples())?;
        let delay = audible(&self.delay_switch, self.delay.tail_samples())?;
        let reverb = audible(&self.reverb_switch, self.reverb.tail_samples())?;
        Some(filter.saturating_add(delay).saturating_add(reverb))
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
            self.process_sanitized(chunk, right);
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
        self.process_sanitized(left, right);
    }

    /// The chain itself, on finite input.
    fn process_sanitized(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.input_gain.process(left, right);

        if self.filter_switch.take_reset_request() {
            self.filter.reset();
        }
        let filter = &mut self.filter;
        self.filter_switch.run(left, right, |l, r| filter.process(l, r));

        if self.delay_switch.take_reset_request() {
            self.delay.reset();
        }
        let delay = &mut self.delay;
        self.delay_switch.run(left, right, |l, r| delay.process(l, r));

        if self.reverb_switch.take_reset_request() {
            self.reverb.reset();
        }
        let reverb = &mut self.reverb;
        self.reverb_switch.run(left, right, |l, r| reverb.process(l, r));

        self.output_gain.process(left, right);
    }
}

/// Replaces NaN and ±Inf with silence and clamps absurd levels, so nothing non-finite ever enters
/// a filter memory or a feedback loop. One compare per sample; branch-free in practice.
#[inline]
fn sanitize(samples: &mut [f32]) {
    for x in samples {
        *x = if x.is_finite() { x.clamp(-INPUT_CLAMP, INPUT_CLAMP) } else { 0.0 };
    }
}
