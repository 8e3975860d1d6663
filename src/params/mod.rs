//! Runnel's plugin parameters, derived from the engine's parameter table
//! ([`runnel_engine::params::PARAMS`]): one nice-plug parameter per row, in table order, with the
//! row's ID, name, group, range, mapping and texts. Nothing here names a parameter; adding a row
//! to the table adds the parameter to the plugin.
//!
//! Plain values are the DSP values (Hz, dB, ms, s, 0–1 fractions), except logarithmic
//! frequencies, whose plain value is `log2(Hz)` (nice-plug's ranges are linear or power-skewed;
//! a linear range over `log2(Hz)` is an exact logarithmic mapping, and 0.1 stored it that way).
//! Runnel 0.1 stored percentages as percent; [`migration`] converts such states on load.

pub mod migration;

use std::collections::BTreeMap;
use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;

use nice_plug::plugin::ParamValue;
use runnel_engine::engine::EngineSettings;
use runnel_engine::params::{Kind, Mapping, ParamSpec, ParamValues, Target, PARAMS};
use runnel_engine::presets::Preset;

/// The editor's initial logical size.
pub const EDITOR_SIZE: (u32, u32) = (1040, 860);

/// One plugin parameter, of the nice-plug type its row's kind asks for.
pub enum PluginParam {
    /// A continuous value.
    Float(FloatParam),
    /// A choice, stored as its index.
    Choice(IntParam),
    /// A switch (including the host bypass).
    Switch(BoolParam),
}

impl PluginParam {
    /// Builds the parameter a table row describes.
    fn from_spec(spec: &'static ParamSpec) -> Self {
        match spec.kind {
            Kind::Float { range: (min, max), mapping, .. } => {
                let range = match mapping {
                    Mapping::Linear => FloatRange::Linear { min, max },
                    Mapping::Logarithmic => FloatRange::Linear { min: min.log2(), max: max.log2() },
                    Mapping::Skewed { skew } => {
                        FloatRange::Skewed { min, max, factor: FloatRange::skew_factor(skew) }
                    }
                };
                // No step size: hosts that set values by number (pedalboard) must land on the
                // number they asked for, not on a grid.
                let param = FloatParam::new(spec.name, spec.to_plugin_plain(spec.default_value()), range)
                    .with_unit(spec.plugin_unit())
                    .with_value_to_string(Arc::new(move |plain| {
                        spec.value_text_without_unit(spec.from_plugin_plain(plain))
                    }))
                    .with_string_to_value(Arc::new(move |text| {
                        spec.parse_text(text).map(|v| spec.to_plugin_plain(v))
                    }));
                PluginParam::Float(param)
            }
            Kind::Choice { count, .. } => {
                let param = IntParam::new(
                    spec.name,
                    spec.default_value() as i32,
                    IntRange::Linear { min: 0, max: count as i32 - 1 },
                )
                .with_value_to_string(Arc::new(move |index| spec.value_text(index as f32)))
                .with_string_to_value(Arc::new(move |text| spec.parse_text(text).map(|v| v as i32)));
                PluginParam::Choice(param)
            }
            Kind::Switch => {
                let param = BoolParam::new(spec.name, spec.default_value() >= 0.5);
                PluginParam::Switch(if matches!(spec.target, Target::HostBypass) {
                    param.make_bypass()
                } else {
                    param
                })
            }
        }
    }

    /// The current plain value as an `f32` (switches 0/1, choices their index).
    pub fn plain(&self) -> f32 {
        match self {
            PluginParam::Float(p) => p.value(),
            PluginParam::Choice(p) => p.value() as f32,
            PluginParam::Switch(p) => runnel_engine::params::spec::switch_value(p.value()),
        }
    }

    /// The pointer nice-plug's wrappers and the editor use.
    pub fn as_ptr(&self) -> ParamPtr {
        match self {
            PluginParam::Float(p) => p.as_ptr(),
            PluginParam::Choice(p) => p.as_ptr(),
            PluginParam::Switch(p) => p.as_ptr(),
        }
    }
}

/// All of Runnel's parameters, one per row of the engine's table, plus the editor's size.
pub struct RunnelParams {
    /// The editor's size while the plugin instance lives (nice-plug-egui's state is not
    /// serializable, so it is not stored with presets).
    pub editor_state: Arc<EguiEditorState>,
    /// `params[i]` is the parameter of `PARAMS[i]`. Never resized after construction: the
    /// wrappers hold pointers into it.
    params: Vec<PluginParam>,
}

impl Default for RunnelParams {
    fn default() -> Self {
        Self {
            editor_state: EguiEditorState::from_size(
                nice_plug::editor::dpi::LogicalSize::new(EDITOR_SIZE.0 as f32, EDITOR_SIZE.1 as f32),
                1.0,
            ),
            params: PARAMS.iter().map(PluginParam::from_spec).collect(),
        }
    }
}

impl RunnelParams {
    /// The parameter with this ID.
    pub fn param(&self, id: &str) -> Option<&PluginParam> {
        PARAMS.iter().position(|spec| spec.id == id).map(|i| &self.params[i])
    }

    /// Every (row, parameter) pair, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, &PluginParam)> {
        PARAMS.iter().zip(&self.params)
    }

    /// The engine settings the parameters describe (the host's tempo goes to the engine
    /// separately). Does not allocate (called from `process()`).
    pub fn engine_settings(&self) -> EngineSettings {
        let mut settings = EngineSettings::default();
        for (spec, param) in self.iter() {
            if let Target::Settings { write, .. } = spec.target {
                write(&mut settings, spec.from_plugin_plain(param.plain()));
            }
        }
        settings
    }

    /// Whether the host's bypass switch is on.
    pub fn bypassed(&self) -> bool {
        self.param(runnel_engine::params::BYPASS_ID).is_some_and(|p| p.plain() >= 0.5)
    }

    /// Every parameter's current value in DSP units (allocates: not for the audio thread).
    pub fn values(&self) -> ParamValues {
        let mut values = ParamValues::defaults();
        for (spec, param) in self.iter() {
            // Every plugin value converts to a value its row accepts.
            let _ = values.set(spec.id, spec.from_plugin_plain(param.plain()));
        }
        values
    }
}

/// Presets from and to the plugin's parameters (for the editor's preset browser and hosts'
/// preset loading).
impl RunnelParams {
    /// The current parameters as a preset.
    pub fn to_preset(&self, name: &str, category: &str, description: &str) -> Preset {
        Preset::new(name, category, description, self.values())
    }

    /// A plugin state that sets every preset parameter to the preset's value and leaves the
    /// host bypass alone. Apply it like any saved state (`GuiContext::set_state` from the
    /// editor), so hosts are told about every change. Frequencies keep 0.01 Hz resolution.
    pub fn preset_state(preset: &Preset) -> PluginState {
        let params = preset
            .values
            .iter()
            .filter(|(spec, _)| spec.in_presets())
            .map(|(spec, value)| {
                let plain = spec.to_plugin_plain(value);
                let stored = match spec.kind {
                    Kind::Float { .. } => ParamValue::F32(plain),
                    Kind::Choice { .. } => ParamValue::I32(plain as i32),
                    Kind::Switch => ParamValue::Bool(plain >= 0.5),
                };
                (spec.id.to_string(), stored)
            })
            .collect();
        PluginState {
            version: env!("CARGO_PKG_VERSION").to_string(),
            params,
            fields: migration::layout_fields(),
        }
    }
}

// SAFETY: the pointers `param_map` returns point into `self.params`, which is never resized or
// moved out of after construction, and live as long as `self` (the wrappers hold the `Arc`).
unsafe impl Params for RunnelParams {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        self.iter()
            .map(|(spec, param)| (spec.id.to_string(), param.as_ptr(), spec.group.to_string()))
            .collect()
    }

    fn serialize_fields(&self) -> BTreeMap<String, String> {
        migration::layout_fields()
    }
}

#[cfg(test)]
mod tests;
