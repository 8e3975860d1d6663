//! Runnel: a real-time audio effect — input gain → filter → delay → reverb → output gain.
//!
//! The DSP lives in the `runnel-engine` crate and knows nothing about plugin APIs; this crate root wraps it as a
//! CLAP/VST3 plugin and a standalone application with nice-plug.

pub mod editor;
pub mod params;

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::*;

use runnel_engine::engine::{Engine, TEMPO_BPM_DEFAULT};
use crate::params::RunnelParams;

/// Input below this level (≈ −140 dBFS) counts as silence for tail tracking.
const SILENCE_THRESHOLD: f32 = 1e-7;

/// The plugin: parameters, the engine, and the bookkeeping hosts need (tail, silence).
pub struct Runnel {
    /// Parameters shared with the host and the editor.
    params: Arc<RunnelParams>,
    /// The whole signal chain.
    engine: Engine,
    /// Consecutive samples of silent input, to tell the host when the tail has rung out.
    silent_input_samples: u64,
}

impl Default for Runnel {
    fn default() -> Self {
        Self {
            params: Arc::new(RunnelParams::default()),
            engine: Engine::new(),
            silent_input_samples: 0,
        }
    }
}

impl Runnel {
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

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone())
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let sample_rate = buffer_config.sample_rate;
        if !(runnel_engine::engine::SAMPLE_RATE_RANGE.0..=runnel_engine::engine::SAMPLE_RATE_RANGE.1)
            .contains(&sample_rate)
        {
            return false;
        }
        self.engine.prepare(sample_rate, buffer_config.max_buffer_size as usize);
        // Every stage is causal and zero-latency; say so explicitly so hosts never guess.
        context.set_latency_samples(0);
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
        let tempo = context.transport().tempo.unwrap_or(TEMPO_BPM_DEFAULT);
        let settings = self.params.engine_settings(tempo);
        self.engine.set_settings(&settings);

        let channels = buffer.as_slice();
        let input_was_silent = is_silent(channels);
        match channels {
            [left, right, ..] => self.engine.process_stereo(left, right),
            [mono] => self.engine.process_mono(mono),
            [] => {}
        }
        self.update_process_status(input_was_silent, frames)
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
