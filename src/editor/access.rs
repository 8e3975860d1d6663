//! How the editor reads and changes parameters, by row of the engine's table.
//!
//! The widgets never touch nice-plug directly: they go through [`ParamAccess`], which the
//! running plugin implements with the host's GUI context ([`HostParams`]: gestures, automation,
//! state loading the host hears about) and the editor's tests implement with plain values
//! ([`LocalParams`]), so the whole editor runs in-process under synthesized input.

use std::cell::RefCell;
use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use runnel_engine::params::{ParamValues, PARAMS};
use runnel_engine::presets::Preset;

use crate::params::RunnelParams;

/// Parameter reads and writes in DSP units, by index into [`PARAMS`].
pub trait ParamAccess {
    /// The current value.
    fn get(&self, index: usize) -> f32;
    /// Starts a gesture (a drag, a typed value): hosts group the changes until [`end`](Self::end).
    fn begin(&self, index: usize);
    /// Sets a value (clamped into the row's range by the implementation).
    fn set(&self, index: usize, value: f32);
    /// Ends a gesture.
    fn end(&self, index: usize);
    /// Sets every preset parameter to the preset's value at once (the host bypass stays).
    fn load(&self, preset: &Preset);

    /// One complete change: begin, set, end.
    fn set_once(&self, index: usize, value: f32) {
        self.begin(index);
        self.set(index, value);
        self.end(index);
    }

    /// Every value (allocates; for presets and comparisons, not per widget).
    fn values(&self) -> ParamValues {
        let mut values = ParamValues::defaults();
        for (index, spec) in PARAMS.iter().enumerate() {
            let _ = values.set(spec.id, self.get(index));
        }
        values
    }
}

/// The plugin's parameters, changed through the host.
pub struct HostParams<'a> {
    /// The parameter objects (read directly).
    pub params: &'a Arc<RunnelParams>,
    /// The host's GUI context (writes go through it, so hosts record them).
    pub context: &'a GuiContext,
}

impl HostParams<'_> {
    /// The nice-plug pointer of row `index`.
    fn ptr(&self, index: usize) -> Option<nice_plug::prelude::ParamPtr> {
        self.params.iter().nth(index).map(|(_, p)| p.as_ptr())
    }
}

impl ParamAccess for HostParams<'_> {
    fn get(&self, index: usize) -> f32 {
        let spec = &PARAMS[index];
        self.params.iter().nth(index).map_or(spec.default_value(), |(_, p)| spec.from_plugin_plain(p.plain()))
    }

    fn begin(&self, index: usize) {
        if let Some(ptr) = self.ptr(index) {
            // SAFETY: the pointer comes from our own params object, alive as long as `params`.
            unsafe { self.context.raw_begin_set_parameter(ptr) };
        }
    }

    fn set(&self, index: usize, value: f32) {
        let spec = &PARAMS[index];
        let Some(value) = spec.clamped(value) else { return };
        if let Some(ptr) = self.ptr(index) {
            // SAFETY: as in `begin`.
            unsafe {
                let normalized = ptr.preview_normalized(spec.to_plugin_plain(value));
                self.context.raw_set_parameter_normalized(ptr, normalized);
            }
        }
    }

    fn end(&self, index: usize) {
        if let Some(ptr) = self.ptr(index) {
            // SAFETY: as in `begin`.
            unsafe { self.context.raw_end_set_parameter(ptr) };
        }
    }

    fn load(&self, preset: &Preset) {
        self.context.set_state(RunnelParams::preset_state(preset));
    }
}

/// Plain values with a log of gestures: the editor's tests, and anything that wants to run the
/// editor without a host.
#[derive(Debug)]
pub struct LocalParams {
    /// Current values.
    pub values: RefCell<ParamValues>,
    /// Completed gestures, as row indices, in order.
    pub gestures: RefCell<Vec<usize>>,
}

impl Default for LocalParams {
    fn default() -> Self {
        Self { values: RefCell::new(ParamValues::defaults()), gestures: RefCell::new(Vec::new()) }
    }
}

impl LocalParams {
    /// The value of the row with this ID.
    pub fn by_id(&self, id: &str) -> f32 {
        self.values.borrow().get(id).unwrap_or(f32::NAN)
    }
}

impl ParamAccess for LocalParams {
    fn get(&self, index: usize) -> f32 {
        self.values.borrow().get(PARAMS[index].id).unwrap_or_else(|| PARAMS[index].default_value())
    }
    fn begin(&self, _index: usize) {}
    fn set(&self, index: usize, value: f32) {
        let spec = &PARAMS[index];
        if let Some(value) = spec.clamped(value) {
            let _ = self.values.borrow_mut().set(spec.id, value);
        }
    }
    fn end(&self, index: usize) {
        self.gestures.borrow_mut().push(index);
    }
    fn load(&self, preset: &Preset) {
        let mut values = self.values.borrow_mut();
        for (spec, value) in preset.values.iter() {
            if spec.in_presets() {
                let _ = values.set(spec.id, value);
            }
        }
    }
}

/// The index of the row with this ID.
pub fn index_of(id: &str) -> Option<usize> {
    PARAMS.iter().position(|spec| spec.id == id)
}
