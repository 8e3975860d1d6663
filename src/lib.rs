//! Runnel: a real-time audio effect — input gain → filter → AGC → compressor → delay → reverb →
//! output gain → true-peak limiter.
//!
//! The DSP lives in the `runnel-engine` crate and knows nothing about plugin APIs; this crate root wraps it as a
//! CLAP/VST3 plugin and a standalone application with nice-plug.

pub mod clap_presets;
pub mod editor;
pub mod editor_feed;
pub mod params;
pub mod recording;

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug::wrapper::clap::{ClapFactoryPreset, ClapPresetProvider};

use crate::editor_feed::{EditorFeed, FeedWriter};
use crate::params::RunnelParams;
use runnel_engine::engine::{Engine, TEMPO_BPM_DEFAULT};

/// Input below this level (≈ −140 dBFS) counts as silence for tail tracking; once the tail is
/// over, output below it is residue and leaves as exact zeros.
const SILENCE_THRESHOLD: f32 = 1e-7;

/// The plugin: parameters, the engine, and the bookkeeping hosts need (tail, silence).
pub struct Runnel {
    /// Parameters shared with the host and the editor.
    params: Arc<RunnelParams>,
    /// The whole signal chain.
    engine: Engine,
    /// Consecutive samples of silent input, to tell the host when the tail has rung out.
    silent_input_samples: u64,
    /// The latency the host was last told, so that it hears again only about real changes.
    latency_report: LatencyReport,
    /// Starts and stops recordings of the output (standalone `--record`, editor).
    recording_control: Arc<recording::RecordingControl>,
    /// The audio thread's end of the recording hand-over.
    recording: recording::RecordingPort,
    /// The editor's view of the audio (samples, load), shared with every editor instance.
    editor_feed: Arc<EditorFeed>,
    /// The audio thread's half of [`Self::editor_feed`].
    feed_writer: FeedWriter,
}

impl Default for Runnel {
    fn default() -> Self {
        let (recording_control, recording) = recording::channel();
        let (editor_feed, feed_writer) = EditorFeed::new();
        Self {
            params: Arc::new(RunnelParams::default()),
            engine: Engine::new(),
            silent_input_samples: 0,
            latency_report: LatencyReport::default(),
            recording_control,
            recording,
            editor_feed,
            feed_writer,
        }
    }
}

impl Drop for Runnel {
    /// A recording still running is finished, so its file is complete.
    fn drop(&mut self) {
        self.recording.finish(&self.recording_control);
    }
}

impl Runnel {
    /// The editor's data path (tests attach to it as an open editor would).
    pub fn editor_feed(&self) -> Arc<EditorFeed> {
        self.editor_feed.clone()
    }

    /// Counts silent input and decides what to tell the host: keep running while a tail may
    /// still sound, and let it sleep (`Normal` with silent input) once the tail is over.
    fn update_process_status(&mut self, input_was_silent: bool, frames: usize) -> ProcessStatus {
        if !input_was_silent {
            self.silent_input_samples = 0;
        } else {
            self.silent_input_samples = self.silent_input_samples.saturating_add(frames as u64);
        }
        match self.engine.tail_samples() {
            None => ProcessStatus::KeepAlive,
            Some(tail) if self.silent_input_samples < tail as u64 => ProcessStatus::Tail(tail),
            Some(_) => ProcessStatus::Normal,
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Hosting: latency reports and digital silence after the tail
// ----------------------------------------------------------------------------------------------

/// The latency last reported to the host. Every report that changes the value makes a CLAP
/// host restart the plugin (and a VST3 host re-read its latency), so a report goes out only
/// when the value really changed: a host that drives the same parameter sequence twice sees
/// the same callbacks, and one whose latency never changes sees no restart at all.
#[derive(Debug, Default)]
struct LatencyReport {
    /// `None` until the first report (made in `activate()`).
    last: Option<u32>,
}

impl LatencyReport {
    /// Records `latency` and returns it if the host has to hear about it (first report or a
    /// change); `None` if the host already knows this value.
    fn update(&mut self, latency: u32) -> Option<u32> {
        if self.last == Some(latency) {
            None
        } else {
            self.last = Some(latency);
            Some(latency)
        }
    }
}

impl Runnel {
    /// Tells the host the chain's latency while activating. Hosts read it right after
    /// `activate()`; the wrapper only passes on values that differ from what the host has.
    fn report_latency_on_activate(&mut self, context: &mut impl ActivateContext<Self>) {
        let latency = self.engine.latency_samples();
        self.latency_report.last = Some(latency);
        context.set_latency_samples(latency);
    }

    /// Re-reports the latency after new settings were applied in `process()`, only if it
    /// changed (a report makes CLAP hosts restart the plugin). Real-time safe: nice-plug queues
    /// the host notification without allocating.
    fn report_latency_change(&mut self, context: &mut impl ProcessContext<Self>) {
        if let Some(latency) = self.latency_report.update(self.engine.latency_samples()) {
            context.set_latency_samples(latency);
        }
    }
}

/// Once the tail is over (`status` is `Normal` and this block's input was silent), output that
/// is entirely below [`SILENCE_THRESHOLD`] is reverb and filter residue far below hearing:
/// replace it by exact zeros. Hosts then get digital silence, and CLAP hosts a constant mask on
/// it (the framework marks every output channel that holds one value, see patches/README.md).
/// Returns whether the block was zeroed.
fn settle_output_after_tail(
    channels: &mut [&mut [f32]],
    input_was_silent: bool,
    status: ProcessStatus,
) -> bool {
    let tail_done = input_was_silent && matches!(status, ProcessStatus::Normal);
    if !tail_done || !is_silent(channels) {
        return false;
    }
    for channel in channels.iter_mut() {
        channel.fill(0.0);
    }
    true
}

/// Whether every sample of every channel is below [`SILENCE_THRESHOLD`] (NaN counts as silent:
/// the engine replaces it with zeros).
fn is_silent(channels: &[&mut [f32]]) -> bool {
    channels.iter().all(|ch| ch.iter().all(|x| x.is_nan() || x.abs() < SILENCE_THRESHOLD))
}

impl Plugin for Runnel {
    const NAME: &'static str = "Runnel";
    const VENDOR: &'static str = "Runnel Audio";
    const URL: &'static str = "https://example.invalid/runnel";
    const EMAIL: &'static str = "dev@example.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[],
            aux_output_ports: &[],
            names: PortNames {
                layout: Some("Stereo"),
                // nice-plug 0.4.2 reports `main_input` as the output port's name too; its defaults
                // are already "Input" and "Output", so leaving these unset names both correctly.
                main_input: None,
                main_output: None,
                aux_inputs: &[],
                aux_outputs: &[],
            },
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            aux_input_ports: &[],
            aux_output_ports: &[],
            names: PortNames {
                layout: Some("Mono"),
                // nice-plug 0.4.2 reports `main_input` as the output port's name too; its defaults
                // are already "Input" and "Output", so leaving these unset names both correctly.
                main_input: None,
                main_output: None,
                aux_inputs: &[],
                aux_outputs: &[],
            },
        },
    ];

    /// Parameter changes land at the sample the host scheduled them for.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = nice_plug_egui::EguiEditor<editor::RunnelEditor>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    /// States from older versions are rewritten into the current parameter layout first.
    fn filter_state(state: &mut PluginState) {
        params::migration::migrate(state);
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.editor_feed.clone(), self.recording_control.clone())
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        // Any positive rate is accepted: the engine clamps internally what its designs need.
        self.engine.prepare(buffer_config.sample_rate, buffer_config.max_buffer_size as usize);
        // The current settings decide the latency (a limiter's lookahead, a dynamics stage
        // switched on): apply them before reporting, or the first block would report a change
        // and make the host restart the plugin again.
        self.engine.set_settings(&self.params.engine_settings());
        self.editor_feed.set_stream(buffer_config.sample_rate, buffer_config.max_buffer_size);
        // Report explicitly, even zero, so hosts never guess.
        self.report_latency_on_activate(context);
        self.recording_control.activated(buffer_config.sample_rate);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
        self.silent_input_samples = 0;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let frames = buffer.samples();
        self.engine.set_tempo(context.transport().tempo.unwrap_or(TEMPO_BPM_DEFAULT));
        let settings = self.params.engine_settings();
        self.engine.set_settings(&settings);
        // The host's bypass crossfades the whole chain to its latency-aligned input.
        self.engine.set_bypassed(self.params.bypassed());
        self.report_latency_change(context);

        let channels = buffer.as_slice();
        let input_was_silent = is_silent(channels);
        let timing = self.feed_writer.begin_block(channels, self.engine.latency_samples());
        match channels {
            [left, right, ..] => self.engine.process_stereo(left, right),
            [mono] => self.engine.process_mono(mono),
            [] => {}
        }
        self.feed_writer.end_block(timing, channels);
        self.feed_writer.record_gain_reductions(
            editor_feed::GAIN_REDUCTION_STAGES.map(|(stage, _, _)| self.engine.gain_reduction_db(stage)),
        );
        let status = self.update_process_status(input_was_silent, frames);
        settle_output_after_tail(channels, input_was_silent, status);
        match channels {
            [left, right, ..] => self.recording.process(left, right),
            [mono] => self.recording.process(mono, mono),
            [] => {}
        }
        status
    }
}

impl ClapPlugin for Runnel {
    const CLAP_ID: &'static str = "audio.runnel.runnel";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Gain, filter, delay and reverb in one real-time chain");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Filter,
        ClapFeature::Equalizer,
        ClapFeature::Delay,
        ClapFeature::Reverb,
    ];

    /// The factory presets, for hosts' preset browsers (`clap.preset-discovery-factory`) and
    /// `clap.preset-load`.
    const CLAP_PRESET_PROVIDER: Option<ClapPresetProvider> = Some(clap_presets::PROVIDER);

    fn clap_factory_presets() -> Vec<ClapFactoryPreset> {
        clap_presets::factory_presets()
    }

    fn clap_factory_preset_state(load_key: &str) -> Option<PluginState> {
        clap_presets::factory_preset_state(load_key)
    }
}

impl Vst3Plugin for Runnel {
    const VST3_CLASS_ID: [u8; 16] = *b"RunnelFxChain01\0";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Filter,
        Vst3SubCategory::Delay,
        Vst3SubCategory::Reverb,
        Vst3SubCategory::Stereo,
    ];
}

nice_export_clap!(Runnel);
nice_export_vst3!(Runnel);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_reported_first_and_then_only_when_it_changes() {
        let mut report = LatencyReport::default();
        assert_eq!(report.update(0), Some(0), "the first value is always reported");
        assert_eq!(report.update(0), None);
        assert_eq!(report.update(64), Some(64));
        assert_eq!(report.update(64), None);
        assert_eq!(report.update(0), Some(0));
    }

    #[test]
    fn output_is_zeroed_only_after_the_tail_and_only_below_the_threshold() {
        let residue = SILENCE_THRESHOLD * 0.5;
        let audible = SILENCE_THRESHOLD * 2.0;
        let run = |level: f32, input_was_silent: bool, status: ProcessStatus| {
            let mut left = [level, -level, 0.0];
            let mut right = [0.0, level, -level];
            let zeroed = {
                let mut channels: [&mut [f32]; 2] = [&mut left, &mut right];
                settle_output_after_tail(&mut channels, input_was_silent, status)
            };
            (zeroed, left, right)
        };
        let (zeroed, left, right) = run(residue, true, ProcessStatus::Normal);
        assert!(zeroed);
        assert!(left.iter().chain(&right).all(|&x| x.to_bits() == 0), "not +0.0: {left:?} {right:?}");
        // Still ringing, input not silent, or above the threshold: untouched.
        for (level, silent, status) in [
            (residue, true, ProcessStatus::Tail(100)),
            (residue, true, ProcessStatus::KeepAlive),
            (residue, false, ProcessStatus::Normal),
            (audible, true, ProcessStatus::Normal),
        ] {
            let (zeroed, left, _) = run(level, silent, status);
            assert!(!zeroed, "{level} {silent} {status:?}");
            assert_eq!(left[0], level);
        }
    }
}
