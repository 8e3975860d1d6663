//! A small CLAP host built on `clack-host`: it loads the bundled `Runnel.clap`, creates
//! instances, talks to the plugin's extensions (params, state, audio ports, latency, tail) and
//! drives `process()` with real CLAP buffers and events, the way a DAW does.
//!
//! Nothing here links the plugin crate: everything goes through the C ABI of the built bundle, so
//! the tests see exactly what a host sees.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::OnceLock;

use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::audio_ports_config::{AudioPortsConfigBuffer, PluginAudioPortsConfig};
use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl, PluginGui};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::preset_discovery::prelude::{HostPresetLoad, Location, PluginPresetLoad};
use clack_extensions::preset_discovery::HostPresetLoadImpl;
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::tail::{PluginTail, TailLength};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

/// The CLAP plugin ID Runnel must keep forever (hosts store projects by it).
pub const PLUGIN_ID: &str = "audio.runnel.runnel";

/// Where the bundles are: `$RUNNEL_BUNDLE_DIR`, else `target/bundled` of this package.
pub fn bundle_dir() -> PathBuf {
    match std::env::var_os("RUNNEL_BUNDLE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bundled"),
    }
}

/// The CLAP bundle under test (on Linux a single shared object named `.clap`).
pub fn clap_bundle() -> PathBuf {
    bundle_dir().join("Runnel.clap")
}

/// Where renders for the VST3 comparison go: `$CARGO_TARGET_DIR/host-compare`, else
/// `target/host-compare` of this package. `tests/vst3_pedalboard.py` reads the same place.
pub fn compare_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
    };
    target.join("host-compare")
}

/// The plugin entry, loaded once per test process (CLAP entries are reference counted, and
/// loading the library once keeps every test on the same code).
pub fn entry() -> &'static PluginEntry {
    static ENTRY: OnceLock<PluginEntry> = OnceLock::new();
    ENTRY.get_or_init(|| {
        let path = clap_bundle();
        assert!(
            path.exists(),
            "{} does not exist: build it first with `cargo xtask bundle runnel --release` \
             (or point RUNNEL_BUNDLE_DIR at a folder holding Runnel.clap)",
            path.display()
        );
        warn_if_stale(&path);
        // SAFETY: loading a CLAP library runs its initializer; that is the point of this test.
        unsafe { PluginEntry::load(&path) }
            .unwrap_or_else(|e| panic!("could not load {}: {e}", path.display()))
    })
}

/// A stale bundle makes every result here meaningless, so say so loudly (but do not fail: the
/// scratch copy of these tests runs against a snapshot older than any source file).
fn warn_if_stale(bundle: &std::path::Path) {
    let Ok(bundle_time) = bundle.metadata().and_then(|m| m.modified()) else {
        return;
    };
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t > bundle_time) {
                eprintln!(
                    "warning: {} is newer than {}; re-run `cargo xtask bundle runnel --release`",
                    path.display(),
                    bundle.display()
                );
                return;
            }
        }
    }
}

/// nice-plug's mapping from a string parameter ID to the 32-bit CLAP/VST3 ID, re-derived here
/// so the tests can prove that IDs follow from the stable string IDs (what hosts store).
pub fn clap_id_for(string_id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in string_id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(byte as u32);
    }
    // The top bit is reserved for host-provided parameters in VST3.
    hash & !(1 << 31)
}

/// The plugin-side extensions this host uses, queried once while the plugin initializes.
#[derive(Clone, Copy)]
pub struct PluginExtensions {
    /// `clap.params`.
    pub params: Option<PluginParams>,
    /// `clap.state`.
    pub state: Option<PluginState>,
    /// `clap.audio-ports`.
    pub audio_ports: Option<PluginAudioPorts>,
    /// `clap.audio-ports-config`.
    pub audio_ports_config: Option<PluginAudioPortsConfig>,
    /// `clap.latency`.
    pub latency: Option<PluginLatency>,
    /// `clap.tail`.
    pub tail: Option<PluginTail>,
    /// `clap.gui`.
    pub gui: Option<PluginGui>,
    /// `clap.preset-load`.
    pub preset_load: Option<PluginPresetLoad>,
}

/// Host state shared by all threads: what the plugin asked the host to do.
#[derive(Default)]
pub struct HostShared {
    /// The plugin's extensions, filled in `initializing`.
    extensions: OnceLock<PluginExtensions>,
    /// Set by `request_callback`; the test's main thread answers with `on_main_thread`.
    pub callback_requested: AtomicBool,
    /// Set by `clap_host_params.request_flush`.
    pub flush_requested: AtomicBool,
    /// Set by `request_restart`.
    pub restart_requested: AtomicBool,
    /// Number of `request_process` calls (a sleeping plugin asks to be woken up this way).
    pub process_requests: AtomicU32,
    /// Number of `request_restart` calls (a restart costs the user a dropout).
    pub restart_requests: AtomicU32,
    /// Number of `request_callback` calls.
    pub callback_requests: AtomicU32,
    /// Number of `clap_host_params.request_flush` calls.
    pub flush_requests: AtomicU32,
    /// Number of `clap_host_gui.closed` calls (the plugin's window went away on its own).
    pub gui_closed: AtomicU32,
}

impl<'a> SharedHandler<'a> for HostShared {
    fn initializing(&self, instance: InitializingPluginHandle<'a>) {
        let _ = self.extensions.set(PluginExtensions {
            params: instance.get_extension(),
            state: instance.get_extension(),
            audio_ports: instance.get_extension(),
            audio_ports_config: instance.get_extension(),
            latency: instance.get_extension(),
            tail: instance.get_extension(),
            gui: instance.get_extension(),
            preset_load: instance.get_extension(),
        });
    }

    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
        self.restart_requests.fetch_add(1, Ordering::SeqCst);
    }

    fn request_process(&self) {
        self.process_requests.fetch_add(1, Ordering::SeqCst);
    }

    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
        self.callback_requests.fetch_add(1, Ordering::SeqCst);
    }
}

impl HostParamsImplShared for HostShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
        self.flush_requests.fetch_add(1, Ordering::SeqCst);
    }
}

/// A host window the editor is embedded in: resizing, showing and hiding are accepted and
/// ignored (the tests only open and close the editor).
impl HostGuiImpl for HostShared {
    fn resize_hints_changed(&self) {}

    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }

    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn closed(&self, _was_destroyed: bool) {
        self.gui_closed.fetch_add(1, Ordering::SeqCst);
    }
}

/// Main-thread host state: counters of what the plugin told the host.
pub struct HostMainThread {
    /// `clap_host_params.rescan` calls (state loads end with one).
    pub param_rescans: Cell<u32>,
    /// `clap_host_latency.changed` calls.
    pub latency_changes: Cell<u32>,
    /// `clap_host_state.mark_dirty` calls.
    pub dirty_marks: Cell<u32>,
    /// What `clap_host_preset_load` heard, in order.
    pub preset_load_reports: RefCell<Vec<PresetLoadReport>>,
}

/// One `clap_host_preset_load` call: which preset, and whether it loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetLoadReport {
    /// The location was the plugin itself (`CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN`).
    pub in_plugin: bool,
    /// The load key.
    pub load_key: Option<String>,
    /// `loaded` (true) or `on_error` (false).
    pub loaded: bool,
}

impl<'a> MainThreadHandler<'a> for HostMainThread {}

impl HostParamsImplMainThread for HostMainThread {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.param_rescans.set(self.param_rescans.get() + 1);
    }

    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostLatencyImpl for HostMainThread {
    fn changed(&self) {
        self.latency_changes.set(self.latency_changes.get() + 1);
    }
}

impl HostPresetLoadImpl for HostMainThread {
    fn on_error(
        &self,
        location: Location,
        load_key: Option<&std::ffi::CStr>,
        _os_error: i32,
        _message: Option<&std::ffi::CStr>,
    ) {
        self.preset_load_reports.borrow_mut().push(PresetLoadReport {
            in_plugin: location == Location::Plugin,
            load_key: load_key.map(|k| k.to_string_lossy().into_owned()),
            loaded: false,
        });
    }

    fn loaded(&self, location: Location, load_key: Option<&std::ffi::CStr>) {
        self.preset_load_reports.borrow_mut().push(PresetLoadReport {
            in_plugin: location == Location::Plugin,
            load_key: load_key.map(|k| k.to_string_lossy().into_owned()),
            loaded: true,
        });
    }
}

impl HostStateImpl for HostMainThread {
    fn mark_dirty(&self) {
        self.dirty_marks.set(self.dirty_marks.get() + 1);
    }
}

/// The host type tying the handlers together.
pub struct RunnelHost;

impl HostHandlers for RunnelHost {
    type Shared<'a> = HostShared;
    type MainThread<'a> = HostMainThread;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostParams>()
            .register::<HostLatency>()
            .register::<HostState>()
            .register::<HostGui>()
            .register::<HostPresetLoad>();
    }
}

/// One parameter as the plugin describes it through `clap.params`, plus the string ID found in
/// its saved state.
#[derive(Debug, Clone)]
pub struct ParamDesc {
    /// The 32-bit CLAP ID.
    pub id: ClapId,
    /// The stable string ID (the key in saved state), if the state lists this parameter.
    pub string_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Module path (Runnel's stage group).
    pub module: String,
    /// CLAP minimum (nice-plug exposes normalized values: 0).
    pub min: f64,
    /// CLAP maximum (1, or the step count for stepped parameters).
    pub max: f64,
    /// CLAP default.
    pub default: f64,
    /// CLAP flags.
    pub flags: ParamInfoFlags,
}

impl ParamDesc {
    /// Whether the parameter takes whole-number values only.
    pub fn is_stepped(&self) -> bool {
        self.flags.contains(ParamInfoFlags::IS_STEPPED)
    }

    /// A switch: stepped with two positions.
    pub fn is_bool(&self) -> bool {
        self.is_stepped() && self.max == 1.0 && self.min == 0.0
    }

    /// The CLAP value for a position `t` in 0…1 across the range (rounded for stepped ones).
    pub fn value_at(&self, t: f64) -> f64 {
        let v = self.min + (self.max - self.min) * t;
        if self.is_stepped() {
            v.round()
        } else {
            v
        }
    }

    /// The string ID, or a description for messages when the state does not list it.
    pub fn key(&self) -> String {
        self.string_id.clone().unwrap_or_else(|| format!("#{} ({})", self.id.get(), self.name))
    }
}

/// Everything the plugin asked of the host so far, for comparing two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostCallbackCounts {
    /// `clap_host.request_restart`.
    pub restarts: u32,
    /// `clap_host.request_callback`.
    pub callbacks: u32,
    /// `clap_host.request_process`.
    pub process_requests: u32,
    /// `clap_host_params.request_flush`.
    pub flushes: u32,
    /// `clap_host_params.rescan`.
    pub param_rescans: u32,
    /// `clap_host_latency.changed`.
    pub latency_changes: u32,
    /// `clap_host_state.mark_dirty`.
    pub dirty_marks: u32,
}

/// The state nice-plug writes: an 8-byte little-endian length, then JSON.
pub fn state_json(bytes: &[u8]) -> serde_json::Value {
    assert!(bytes.len() >= 8, "state shorter than its length prefix");
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(len, bytes.len() - 8, "length prefix does not match the state size");
    serde_json::from_slice(&bytes[8..]).expect("state is not JSON")
}

/// A plugin instance on the test's (main) thread.
pub struct Plugin {
    /// The clack instance.
    instance: PluginInstance<RunnelHost>,
    /// Extensions the plugin offered.
    pub ext: PluginExtensions,
    /// Every parameter, in the plugin's order.
    pub params: Vec<ParamDesc>,
}

impl Plugin {
    /// Instantiates Runnel from the bundle and reads its parameter list.
    pub fn new() -> Self {
        let host_info =
            HostInfo::new("Runnel host tests", "Runnel developers", "https://example.invalid", "1.0")
                .unwrap();
        let id = CString::new(PLUGIN_ID).unwrap();
        let instance = PluginInstance::<RunnelHost>::new(
            |_| HostShared::default(),
            |_| HostMainThread {
                param_rescans: Cell::new(0),
                latency_changes: Cell::new(0),
                dirty_marks: Cell::new(0),
                preset_load_reports: RefCell::new(Vec::new()),
            },
            entry(),
            &id,
            &host_info,
        )
        .unwrap_or_else(|e| panic!("could not instantiate {PLUGIN_ID}: {e}"));
        let ext = instance.access_shared_handler(|s: &HostShared| {
            *s.extensions.get().expect("plugin was never initialized")
        });
        let mut plugin = Self { instance, ext, params: Vec::new() };
        plugin.params = plugin.read_params();
        plugin
    }

    /// Reads every parameter's info and matches it with the keys of the saved state.
    fn read_params(&mut self) -> Vec<ParamDesc> {
        let params = self.ext.params.expect("plugin has no clap.params extension");
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        let mut list = Vec::new();
        for index in 0..params.count(&handle) {
            let info = params
                .get_info(&handle, index, &mut buffer)
                .unwrap_or_else(|| panic!("get_info({index}) failed"));
            list.push(ParamDesc {
                id: info.id,
                string_id: None,
                name: String::from_utf8_lossy(info.name).into_owned(),
                module: String::from_utf8_lossy(info.module).into_owned(),
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
                flags: info.flags,
            });
        }
        let state = state_json(&self.save_state());
        if let Some(saved) = state["params"].as_object() {
            for key in saved.keys() {
                let hash = clap_id_for(key);
                if let Some(p) = list.iter_mut().find(|p| p.id.get() == hash) {
                    p.string_id = Some(key.clone());
                }
            }
        }
        list
    }

    /// The parameter with this string ID, if the plugin has it.
    pub fn param(&self, string_id: &str) -> Option<&ParamDesc> {
        self.params.iter().find(|p| p.string_id.as_deref() == Some(string_id))
    }

    /// Like [`param`](Self::param), but a missing parameter fails the test.
    pub fn expect_param(&self, string_id: &str) -> ParamDesc {
        self.param(string_id).unwrap_or_else(|| panic!("the plugin has no parameter `{string_id}`")).clone()
    }

    /// The PluginParams extension (every Runnel build has it).
    fn params_ext(&self) -> PluginParams {
        self.ext.params.expect("plugin has no clap.params extension")
    }

    /// `clap.params.get_value`.
    pub fn value(&mut self, id: ClapId) -> f64 {
        let params = self.params_ext();
        params
            .get_value(&self.instance.plugin_handle(), id)
            .unwrap_or_else(|| panic!("get_value({}) failed", id.get()))
    }

    /// `clap.params.value_to_text`.
    pub fn text(&mut self, id: ClapId, value: f64) -> Option<String> {
        let params = self.params_ext();
        let mut buffer = [0u8; 256];
        let text = params.value_to_text(&self.instance.plugin_handle(), id, value, &mut buffer).ok()?;
        Some(String::from_utf8(text.to_vec()).expect("value text is not UTF-8"))
    }

    /// The text of the parameter's current value.
    pub fn current_text(&mut self, id: ClapId) -> String {
        let value = self.value(id);
        self.text(id, value).expect("value_to_text failed for the current value")
    }

    /// `clap.params.text_to_value`.
    pub fn parse(&mut self, id: ClapId, text: &str) -> Option<f64> {
        let params = self.params_ext();
        let text = CString::new(text).ok()?;
        params.text_to_value(&self.instance.plugin_handle(), id, &text)
    }

    /// Sets parameters while the plugin is inactive, through `clap.params.flush` (what a host
    /// does when a user edits a value before pressing play).
    pub fn flush(&mut self, changes: &[(ClapId, f64)]) {
        let params = self.params_ext();
        let mut events = EventBuffer::new();
        for &(id, value) in changes {
            events.push(&ParamValueEvent::new(0, id, Pckn::match_all(), value));
        }
        let mut out = EventBuffer::new();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .expect("flush() on the main thread needs an inactive plugin");
        params.flush(&mut handle, &events.as_input(), &mut out.as_output());
    }

    /// Sets parameters by string ID and text, through `text_to_value` + `flush`.
    pub fn set_texts(&mut self, changes: &[(&str, &str)]) {
        let mut values = Vec::new();
        for &(string_id, text) in changes {
            let id = self.expect_param(string_id).id;
            let value =
                self.parse(id, text).unwrap_or_else(|| panic!("`{string_id}` does not parse {text:?}"));
            values.push((id, value));
        }
        self.flush(&values);
    }

    /// Every parameter's current CLAP value, in list order.
    pub fn all_values(&mut self) -> Vec<f64> {
        let ids: Vec<ClapId> = self.params.iter().map(|p| p.id).collect();
        ids.into_iter().map(|id| self.value(id)).collect()
    }

    /// `clap.state.save`.
    pub fn save_state(&mut self) -> Vec<u8> {
        let state = self.ext.state.expect("plugin has no clap.state extension");
        let mut bytes = Vec::new();
        state.save(&self.instance.plugin_handle(), &mut bytes).expect("state save failed");
        bytes
    }

    /// `clap.state.load`; `Err` when the plugin rejects the bytes. Answers the main-thread
    /// callback the plugin requests afterwards, like a host's event loop would.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        let state = self.ext.state.expect("plugin has no clap.state extension");
        let mut reader = bytes;
        let result = state.load(&self.instance.plugin_handle(), &mut reader).map_err(|e| e.to_string());
        self.pump_main_thread();
        result
    }

    /// `clap.preset-load` of the preset with `load_key` inside the plugin; `Err` when the plugin
    /// refuses. Answers the main-thread callback the plugin requests afterwards.
    pub fn load_preset(&mut self, load_key: &str) -> Result<(), String> {
        let preset_load = self.ext.preset_load.ok_or("plugin has no clap.preset-load extension")?;
        let key = CString::new(load_key).map_err(|e| e.to_string())?;
        let result = preset_load
            .load_from_location(&self.instance.plugin_handle(), Location::Plugin, Some(&key))
            .map_err(|e| e.to_string());
        self.pump_main_thread();
        result
    }

    /// What the plugin reported through `clap_host_preset_load` so far.
    pub fn preset_load_reports(&self) -> Vec<PresetLoadReport> {
        self.instance.access_handler(|h: &HostMainThread| h.preset_load_reports.borrow().clone())
    }

    /// Runs `on_main_thread` if the plugin asked for it.
    pub fn pump_main_thread(&mut self) {
        let requested = self
            .instance
            .access_shared_handler(|s: &HostShared| s.callback_requested.swap(false, Ordering::SeqCst));
        if requested {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Number of parameter rescans the plugin requested so far.
    pub fn param_rescans(&self) -> u32 {
        self.instance.access_handler(|h: &HostMainThread| h.param_rescans.get())
    }

    /// What the plugin asked of the host so far.
    pub fn host_callbacks(&self) -> HostCallbackCounts {
        let shared = self.instance.access_shared_handler(|s: &HostShared| {
            (
                s.restart_requests.load(Ordering::SeqCst),
                s.callback_requests.load(Ordering::SeqCst),
                s.process_requests.load(Ordering::SeqCst),
                s.flush_requests.load(Ordering::SeqCst),
            )
        });
        let main = self.instance.access_handler(|h: &HostMainThread| {
            (h.param_rescans.get(), h.latency_changes.get(), h.dirty_marks.get())
        });
        HostCallbackCounts {
            restarts: shared.0,
            callbacks: shared.1,
            process_requests: shared.2,
            flushes: shared.3,
            param_rescans: main.0,
            latency_changes: main.1,
            dirty_marks: main.2,
        }
    }

    /// Number of `clap_host_gui.closed` calls so far.
    pub fn gui_closed_count(&self) -> u32 {
        self.instance.access_shared_handler(|s: &HostShared| s.gui_closed.load(Ordering::SeqCst))
    }

    /// The main-thread handle, for extensions this harness does not wrap (the editor tests).
    pub fn main_thread_handle(&mut self) -> PluginMainThreadHandle<'_> {
        self.instance.plugin_handle()
    }

    /// `clap.latency.get` (0 when the extension is missing, as CLAP specifies).
    pub fn latency(&mut self) -> u32 {
        match self.ext.latency {
            Some(latency) => latency.get(&self.instance.plugin_handle()),
            None => 0,
        }
    }

    /// Information about one audio port.
    pub fn audio_port(&mut self, index: u32, is_input: bool) -> Option<PortDesc> {
        let ports = self.ext.audio_ports?;
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortInfoBuffer::new();
        let info = ports.get(&handle, index, is_input, &mut buffer)?;
        Some(PortDesc {
            id: info.id.get(),
            name: String::from_utf8_lossy(info.name).into_owned(),
            channel_count: info.channel_count,
            is_main: info.flags.contains(clack_extensions::audio_ports::AudioPortFlags::IS_MAIN),
            port_type: info.port_type.map(|t| t.0.to_string_lossy().into_owned()),
            in_place_pair: info.in_place_pair.map(|id| id.get()),
        })
    }

    /// Number of audio ports in one direction.
    pub fn audio_port_count(&mut self, is_input: bool) -> u32 {
        let ports = self.ext.audio_ports.expect("plugin has no clap.audio-ports extension");
        ports.count(&self.instance.plugin_handle(), is_input)
    }

    /// Every configuration offered by `clap.audio-ports-config`.
    pub fn port_configs(&mut self) -> Vec<PortConfigDesc> {
        let Some(configs) = self.ext.audio_ports_config else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortsConfigBuffer::new();
        (0..configs.count(&handle))
            .filter_map(|i| {
                let c = configs.get(&handle, i, &mut buffer)?;
                Some(PortConfigDesc {
                    id: c.id.get(),
                    name: String::from_utf8_lossy(c.name).into_owned(),
                    input_channels: c.main_input.map(|p| p.channel_count),
                    output_channels: c.main_output.map(|p| p.channel_count),
                })
            })
            .collect()
    }

    /// Selects an audio-ports configuration (plugin must be inactive).
    pub fn select_port_config(&mut self, id: u32) -> bool {
        let configs = self.ext.audio_ports_config.expect("no clap.audio-ports-config");
        configs.select(&self.instance.plugin_handle(), ClapId::new(id)).is_ok()
    }

    /// Activates at `sample_rate` with blocks of 1…`max_frames` (CLAP allows 0 too) and starts
    /// processing. The main input port's channel count decides the buffers.
    pub fn activate(&mut self, sample_rate: f64, max_frames: u32) -> Result<Processor, String> {
        let channels = self.audio_port(0, true).map_or(2, |p| p.channel_count as usize);
        let config =
            PluginAudioConfiguration { sample_rate, min_frames_count: 1, max_frames_count: max_frames };
        let stopped = self.instance.activate(|_, _| (), config).map_err(|e| e.to_string())?;
        let started = stopped.start_processing().map_err(|e| e.to_string())?;
        Ok(Processor {
            audio: Some(started),
            tail: self.ext.tail,
            channels,
            input: vec![vec![0.0; max_frames as usize]; channels],
            output: vec![vec![0.0; max_frames as usize]; channels],
            steady_time: 0,
            max_frames,
            last_output_constant_mask: 0,
        })
    }

    /// Stops processing and deactivates.
    pub fn deactivate(&mut self, mut processor: Processor) {
        let started = processor.audio.take().expect("processor already deactivated");
        self.instance.deactivate(started.stop_processing());
    }
}

/// An audio port as the plugin describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortDesc {
    /// Stable port ID.
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Channels.
    pub channel_count: u32,
    /// Whether it is the main port.
    pub is_main: bool,
    /// "mono", "stereo", …
    pub port_type: Option<String>,
    /// The port this one can be processed in place with.
    pub in_place_pair: Option<u32>,
}

/// One entry of `clap.audio-ports-config`.
#[derive(Debug, Clone, PartialEq)]
pub struct PortConfigDesc {
    /// Configuration ID to pass to `select`.
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Channels of the main input, if any.
    pub input_channels: Option<u32>,
    /// Channels of the main output, if any.
    pub output_channels: Option<u32>,
}

/// A parameter change scheduled at an absolute sample position of a render.
#[derive(Debug, Clone, Copy)]
pub struct Automation {
    /// Absolute frame index where the change lands.
    pub frame: usize,
    /// Parameter.
    pub id: ClapId,
    /// New CLAP value.
    pub value: f64,
}

/// The audio side of an active instance; `Send`, so a test can move it to an audio thread.
pub struct Processor {
    /// The started clack processor (`None` once handed back for deactivation).
    audio: Option<StartedPluginAudioProcessor<RunnelHost>>,
    /// `clap.tail`, queried from the audio thread as CLAP allows.
    tail: Option<PluginTail>,
    /// Channels per port.
    pub channels: usize,
    /// Host-owned input buffers (CLAP passes mutable pointers even for inputs).
    input: Vec<Vec<f32>>,
    /// Host-owned output buffers, separate from the inputs as in most DAWs.
    output: Vec<Vec<f32>>,
    /// Steady sample counter passed to the plugin.
    steady_time: u64,
    /// Activation maximum block size.
    pub max_frames: u32,
    /// `constant_mask` of the main output port after the last `process()` call (bit i: channel
    /// i holds one value throughout the block, as the plugin declared).
    last_output_constant_mask: u64,
}

impl Processor {
    /// Processes one block: `audio` holds the input on entry and the output on return (one
    /// slice per channel, all the same length ≤ `max_frames`, may be empty). `events` must be
    /// sorted by time and lie inside the block.
    pub fn process(&mut self, audio: &mut [&mut [f32]], events: &[ParamValueEvent]) -> ProcessStatus {
        assert_eq!(audio.len(), self.channels, "channel count");
        let frames = audio[0].len();
        assert!(frames <= self.max_frames as usize, "block larger than max_frames");
        for (ch, data) in audio.iter().enumerate() {
            self.input[ch][..frames].copy_from_slice(data);
            // Garbage in the output buffer catches a plugin that forgets to write some samples.
            self.output[ch][..frames].fill(f32::from_bits(0x7fc0_dead));
        }
        let mut in_events = EventBuffer::with_capacity(events.len());
        for e in events {
            in_events.push(e);
        }
        let mut out_events = EventBuffer::new();
        // clack's port descriptors hold raw pointers (not `Send`), so they live only per call.
        let mut in_ports = AudioPorts::with_capacity(self.channels, 1);
        let mut out_ports = AudioPorts::with_capacity(self.channels, 1);
        let status = {
            let inputs = in_ports.with_input_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    self.input.iter_mut().map(|b| InputChannel::variable(&mut b[..frames])),
                ),
            }]);
            let mut outputs = out_ports.with_output_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    self.output.iter_mut().map(|b| &mut b[..frames]),
                ),
            }]);
            let status = self
                .audio
                .as_mut()
                .expect("processor was deactivated")
                .process(
                    &inputs,
                    &mut outputs,
                    &in_events.as_input(),
                    &mut out_events.as_output(),
                    Some(self.steady_time),
                    None,
                )
                .unwrap_or_else(|e| panic!("process() failed: {e}"));
            // The host cleared the mask before the call (clack does); whatever is set now, the
            // plugin set.
            let mask = outputs.as_raw_buffers()[0].constant_mask;
            self.last_output_constant_mask = mask;
            status
        };
        self.steady_time += frames as u64;
        for (ch, data) in audio.iter_mut().enumerate() {
            data.copy_from_slice(&self.output[ch][..frames]);
        }
        status
    }

    /// The main output's `constant_mask` after the last [`process`](Self::process) call.
    pub fn last_output_constant_mask(&self) -> u64 {
        self.last_output_constant_mask
    }

    /// `clap.tail.get`.
    pub fn tail(&mut self) -> TailLength {
        let tail = self.tail.expect("plugin has no clap.tail extension");
        let audio = self.audio.as_mut().expect("processor was deactivated");
        tail.get(&audio.plugin_handle())
    }

    /// Renders a whole signal in blocks whose sizes `next_block` picks (any value ≥ 0; it is
    /// capped to `max_frames` and to what is left), applying `automation` at its exact frames.
    /// Returns the output and the status of every block.
    pub fn render(
        &mut self,
        input: &[Vec<f32>],
        mut next_block: impl FnMut() -> usize,
        automation: &[Automation],
    ) -> (Vec<Vec<f32>>, Vec<ProcessStatus>) {
        let total = input[0].len();
        assert!(automation.iter().all(|a| a.frame < total), "automation beyond the signal");
        let mut output: Vec<Vec<f32>> = input.to_vec();
        let mut statuses = Vec::new();
        let mut pending = automation.to_vec();
        pending.sort_by_key(|a| a.frame);
        let mut next_event = 0;
        let mut start = 0;
        let mut empty_blocks_in_a_row = 0;
        while start < total {
            let mut n = next_block().min(self.max_frames as usize).min(total - start);
            // Empty blocks are legal and tested, but a generator that keeps answering 0 would
            // never finish: force progress after a few.
            empty_blocks_in_a_row = if n == 0 { empty_blocks_in_a_row + 1 } else { 0 };
            if empty_blocks_in_a_row > 2 {
                n = 1;
                empty_blocks_in_a_row = 0;
            }
            let mut events = Vec::new();
            while next_event < pending.len() && pending[next_event].frame < start + n {
                let a = pending[next_event];
                let offset = (a.frame - start) as u32;
                events.push(ParamValueEvent::new(offset, a.id, Pckn::match_all(), a.value));
                next_event += 1;
            }
            let mut block: Vec<&mut [f32]> = output.iter_mut().map(|ch| &mut ch[start..start + n]).collect();
            statuses.push(self.process(&mut block, &events));
            start += n;
        }
        (output, statuses)
    }

    /// [`render`](Self::render) with a fixed block size and no automation.
    pub fn render_fixed(&mut self, input: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
        self.render(input, || block, &[]).0
    }
}
