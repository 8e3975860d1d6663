//! Loading states saved by older versions.
//!
//! nice-plug stores every parameter's plain value under its ID. Runnel 0.1 stored percentages
//! as 0–100 (and frequencies as `log2(Hz)`, which is still the plain value); from layout 2 on,
//! percentages are stored as the 0–1 fraction the DSP uses. States say which layout they use in
//! the persisted field [`LAYOUT_KEY`]; a state without it was written by 0.1 (layout 1).
//!
//! The conversion is the same `f32` division 0.1 did when it turned the parameter into a
//! setting, so a migrated state gives bit-identical settings and therefore identical audio.

use std::collections::BTreeMap;

use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;

use runnel_engine::params::{Kind, TextFormat, PARAMS};

/// The persisted field that names the state's parameter layout.
pub const LAYOUT_KEY: &str = "param_layout";
/// The layout this version writes.
pub const CURRENT_LAYOUT: u32 = 2;
/// The layout of states without [`LAYOUT_KEY`] (Runnel 0.1).
const LEGACY_LAYOUT: u32 = 1;

/// The persisted fields every saved state carries.
pub fn layout_fields() -> BTreeMap<String, String> {
    BTreeMap::from([(LAYOUT_KEY.to_string(), CURRENT_LAYOUT.to_string())])
}

/// The layout a state was written with.
pub fn layout_of(state: &PluginState) -> u32 {
    state.fields.get(LAYOUT_KEY).and_then(|text| text.trim().parse().ok()).unwrap_or(LEGACY_LAYOUT)
}

/// Rewrites `state` in place into the current layout (nice-plug calls this through
/// `Plugin::filter_state` before applying any state). States already current, and states from a
/// newer layout (whose values this version cannot know better), are left alone.
pub fn migrate(state: &mut PluginState) {
    if layout_of(state) == LEGACY_LAYOUT {
        for spec in PARAMS.iter() {
            if let Kind::Float { text: TextFormat::Percent, .. } = spec.kind {
                if let Some(ParamValue::F32(percent)) = state.params.get_mut(spec.id) {
                    *percent /= 100.0;
                }
            }
        }
        state.fields.extend(layout_fields());
    }
}
