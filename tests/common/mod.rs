//! An in-process host for Runnel's `Plugin` implementation.
//!
//! nice-plug has no test host of its own, so this one implements just enough of the host side —
//! a `ProcessContext`, an `ActivateContext`, buffers and parameter setting through `ParamPtr` — to
//! call `activate()`, `reset()` and `process()` exactly as a wrapper does, with nice-plug's
//! allocation checker armed around `process()`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::prelude::*;
use runnel_plugin::Runnel;

/// Environment variable that makes the test context allocate inside `transport()`, which the
/// plugin calls from `process()`. Used only by the test that proves the allocation checker works.
pub const ALLOCATE_IN_PROCESS_ENV: &str = "RUNNEL_TEST_ALLOCATE_IN_PROCESS";

/// The host side of a `process()` call.
pub struct TestProcessContext {
    /// Transport handed to the plugin (tempo etc.).
    pub transport: Transport,
    /// Latency the plugin last reported from `process()`.
    pub latency: AtomicU32,
    /// Whether `transport()` should allocate (see [`ALLOCATE_IN_PROCESS_ENV`]).
    allocate_in_transport: bool,
}

impl TestProcessContext {
    pub fn new(sample_rate: f32) -> Self {
        let mut transport = Transport::new(sample_rate);
        transport.tempo = Some(120.0);
        transport.playing = true;
        Self {
            transport,
            latency: AtomicU32::new(0),
            allocate_in_transport: std::env::var_os(ALLOCATE_IN_PROCESS_ENV).is_some(),
        }
    }
}

impl ProcessContext<Runnel> for TestProcessContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute_background(&self, _task: ()) {}
    fn execute_gui(&self, _task: ()) {}
    fn transport(&self) -> &Transport {
        if self.allocate_in_transport {
            // Deliberately violates the real-time rules from inside the plugin's process().
            let leaked = std::hint::black_box(vec![0u8; 64]);
            drop(leaked);
        }
        &self.transport
    }
    fn next_event(&mut self) -> Option<PluginNoteEvent<Runnel>> {
        None
    }
    fn try_send_event(
        &mut self,
        event: PluginNoteEvent<Runnel>,
    ) -> Result<(), (PluginNoteEvent<Runnel>, nice_plug::context::process::SendEventError)> {
        Err((event, nice_plug::context::process::SendEventError::NoOutputBuffer))
    }
    fn set_latency_samples(&self, samples: u32) {
        self.latency.store(samples, Ordering::Relaxed);
    }
    fn request_restart(&self) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

/// The host side of `activate()`.
pub struct TestActivateContext {
    /// Latency the plugin reported while activating.
    pub latency: AtomicU32,
}

impl ActivateContext<Runnel> for TestActivateContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute(&self, _task: ()) {}
    fn set_latency_samples(&self, samples: u32) {
        self.latency.store(samples, Ordering::Relaxed);
    }
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

/// Runnel loaded into the test host, activated for one sample rate and maximum block size.
pub struct TestHost {
    pub plugin: Runnel,
    pub context: TestProcessContext,
    /// Parameter pointers by stable ID.
    pub params: HashMap<String, ParamPtr>,
    /// Parameter IDs in declaration order (stable iteration for tests).
    pub param_ids: Vec<String>,
    pub sample_rate: f32,
    pub max_block: usize,
    pub channels: usize,
}

impl TestHost {
    /// Creates, activates and resets a stereo instance.
    pub fn new(sample_rate: f32, max_block: usize) -> Self {
        Self::with_layout(sample_rate, max_block, 0)
    }

    /// Like [`new`](Self::new), with `layout` indexing `Runnel::AUDIO_IO_LAYOUTS`.
    pub fn with_layout(sample_rate: f32, max_block: usize, layout: usize) -> Self {
        let mut plugin = Runnel::default();
        let params_obj = plugin.params();
        let mut params = HashMap::new();
        let mut param_ids = Vec::new();
        for (id, ptr, _group) in params_obj.param_map() {
            param_ids.push(id.clone());
            params.insert(id, ptr);
        }
        let io = Runnel::AUDIO_IO_LAYOUTS[layout];
        let config = BufferConfig {
            sample_rate,
            min_buffer_size: None,
            max_buffer_size: max_block as u32,
            process_mode: ProcessMode::Realtime,
        };
        let mut activate_context = TestActivateContext { latency: AtomicU32::new(u32::MAX) };
        assert!(plugin.activate(&io, &config, &mut activate_context), "activate() failed");
        assert_eq!(activate_context.latency.load(Ordering::Relaxed), 0, "latency reported");
        plugin.reset();
        let channels = io.main_output_channels.map_or(0, |c| c.get() as usize);
        Self {
            plugin,
            context: TestProcessContext::new(sample_rate),
            params,
            param_ids,
            sample_rate,
            max_block,
            channels,
        }
    }

    /// Sets a parameter by normalized value, as a host automation event would.
    pub fn set_normalized(&mut self, id: &str, normalized: f32) {
        let ptr = self.params.get(id).unwrap_or_else(|| panic!("no parameter {id}"));
        // SAFETY: the pointer belongs to the plugin's params object, alive as long as `self`.
        unsafe { ptr._internal_set_normalized_value(normalized.clamp(0.0, 1.0)) };
    }

    /// Sets a parameter by plain value.
    pub fn set_plain(&mut self, id: &str, plain: f32) {
        let ptr = self.params[id];
        // SAFETY: as in `set_normalized`.
        let normalized = unsafe { ptr.preview_normalized(plain) };
        self.set_normalized(id, normalized);
    }

    /// Sets a parameter from text the way a user would type it; returns false if it didn't parse.
    pub fn set_text(&mut self, id: &str, text: &str) -> bool {
        let ptr = self.params[id];
        // SAFETY: as in `set_normalized`.
        match unsafe { ptr.string_to_normalized_value(text) } {
            Some(n) => {
                self.set_normalized(id, n);
                true
            }
            None => false,
        }
    }

    /// The plain value of a parameter.
    pub fn plain(&self, id: &str) -> f32 {
        // SAFETY: as in `set_normalized`.
        unsafe { self.params[id].unmodulated_plain_value() }
    }

    /// The display text of a parameter, with its unit, as a CLAP host shows it.
    pub fn text(&self, id: &str) -> String {
        let ptr = self.params[id];
        // SAFETY: as in `set_normalized`.
        unsafe { ptr.normalized_value_to_string(ptr.unmodulated_normalized_value(), true) }
    }

    /// Processes one block in place with the allocation checker armed. `channels` must hold
    /// `self.channels` slices of equal length ≤ `max_block`.
    pub fn process_block(&mut self, channels: &mut [&mut [f32]]) -> ProcessStatus {
        let frames = channels.first().map_or(0, |c| c.len());
        assert!(frames <= self.max_block);
        let mut buffer = Buffer::default();
        // SAFETY: the slices outlive the process call below.
        unsafe {
            buffer.set_slices(frames, |slices| {
                slices.clear();
                for ch in channels.iter_mut() {
                    let ptr = ch.as_mut_ptr();
                    slices.push(std::slice::from_raw_parts_mut(ptr, frames));
                }
            });
        }
        let mut aux = AuxiliaryBuffers { inputs: &mut [], outputs: &mut [] };
        let plugin = &mut self.plugin;
        let context = &mut self.context;
        nice_assert_no_alloc::assert_no_alloc(|| plugin.process(&mut buffer, &mut aux, context))
    }

    /// Processes a whole stereo signal in blocks of `block` frames; returns the last status.
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32], block: usize) -> ProcessStatus {
        let mut status = ProcessStatus::Normal;
        let mut start = 0;
        while start < left.len() {
            let end = (start + block).min(left.len());
            status = self.process_block(&mut [&mut left[start..end], &mut right[start..end]]);
            start = end;
        }
        status
    }
}

pub use test_support::Rng;
