//! Runnel's parameters, declared once for every host and the standalone.
//!
//! Ranges and defaults come from the DSP modules' constants, so the engine and the plugin can
//! never disagree. IDs are stable forever: hosts store automation and presets by them.

pub mod delay;
pub mod filter;
pub mod format;
pub mod reverb;

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;

use runnel_engine::engine::EngineSettings;
use runnel_engine::gain::GAIN_DB_RANGE;

/// The editor's initial logical size.
pub const EDITOR_SIZE: (u32, u32) = (1040, 720);

/// All of Runnel's parameters, grouped by stage.
#[derive(Params)]
pub struct RunnelParams {
    /// The editor's size while the plugin instance lives (nice-plug-egui's state is not
    /// serializable, so it is not stored with presets).
    pub editor_state: Arc<EguiEditorState>,

    /// Input and output gain.
    #[nested(group = "Gain")]
    pub gain: GainParams,
    /// High/low-pass and tone bands.
    #[nested(group = "Filter")]
    pub filter: filter::FilterParams,
    /// Echo.
    #[nested(group = "Delay")]
    pub delay: delay::DelayParams,
    /// Reverb.
    #[nested(group = "Reverb")]
    pub reverb: reverb::ReverbParams,
}

impl Default for RunnelParams {
    fn default() -> Self {
        Self {
            editor_state: EguiEditorState::from_size(
                nice_plug::editor::dpi::LogicalSize::new(EDITOR_SIZE.0 as f32, EDITOR_SIZE.1 as f32),
                1.0,
            ),
            gain: GainParams::default(),
            filter: filter::FilterParams::default(),
            delay: delay::DelayParams::default(),
            reverb: reverb::ReverbParams::default(),
        }
    }
}

impl RunnelParams {
    /// The engine settings these parameters describe (the tempo goes to the engine separately).
    pub fn engine_settings(&self) -> EngineSettings {
        EngineSettings {
            input_gain_db: self.gain.input_db.value(),
            filter_on: self.filter.enabled.value(),
            filter: self.filter.settings(),
            delay_on: self.delay.enabled.value(),
            delay: self.delay.settings(),
            reverb_on: self.reverb.enabled.value(),
            reverb: self.reverb.settings(),
            output_gain_db: self.gain.output_db.value(),
        }
    }
}

/// An on/off switch for a stage or a band ("Delay On", "HP On"); turning it off crossfades.
fn switch_param(what: &str, default: bool) -> BoolParam {
    BoolParam::new(format!("{what} On"), default)
}

/// A frequency over `range` (Hz) with a logarithmic mapping: equal travel is an equal musical
/// interval, so automation sweeps sound even and every part of the range has the same
/// resolution. nice-plug's ranges are linear or power-skewed, so the plain value is stored as
/// `log2(Hz)` and the texts convert; read it with [`hz`], never with `.value()`.
fn frequency_param(name: String, default_hz: f32, range: (f32, f32)) -> FloatParam {
    FloatParam::new(name, default_hz.log2(), FloatRange::Linear { min: range.0.log2(), max: range.1.log2() })
        .with_value_to_string(format::v2s_log2_frequency())
        .with_string_to_value(format::s2v_log2_frequency())
}

/// The frequency in Hz of a parameter made by [`frequency_param`]. Rounded to 0.01 Hz so the
/// ends of a range come back exactly (`exp2(log2(20000))` is 19999.996 in f32, and the DSP treats
/// the top of some ranges as "off").
fn hz(param: &FloatParam) -> f32 {
    (param.value().exp2() * 100.0).round() / 100.0
}

/// A level in dB over `range` (linear in dB, no "−∞" floor).
fn decibel_param(name: String, default: f32, range: (f32, f32)) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: range.0, max: range.1 })
        .with_unit("dB")
        .with_step_size(0.1)
        .with_value_to_string(format::v2s_decibels(f32::NEG_INFINITY))
        .with_string_to_value(format::s2v_decibels(range.0))
}

/// A 0–1 fraction shown and typed as percent; `range` is in fractions.
fn percent_param(name: String, default: f32, range: (f32, f32)) -> FloatParam {
    FloatParam::new(name, default * 100.0, FloatRange::Linear { min: range.0 * 100.0, max: range.1 * 100.0 })
        .with_unit("%")
        .with_step_size(0.1)
        .with_value_to_string(format::v2s_percent())
        .with_string_to_value(format::s2v_percent())
}

/// A time in milliseconds over `range`, skewed so short times get more of the travel.
fn milliseconds_param(name: String, default: f32, range: (f32, f32), skew: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed { min: range.0, max: range.1, factor: FloatRange::skew_factor(skew) },
    )
    .with_unit("ms")
    .with_value_to_string(format::v2s_milliseconds())
    .with_string_to_value(format::s2v_milliseconds())
}

/// A dimensionless value (Q, multipliers, metres) with an optional unit.
fn plain_param(name: String, default: f32, range: (f32, f32), skew: f32, unit: &'static str) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed { min: range.0, max: range.1, factor: FloatRange::skew_factor(skew) },
    )
    .with_unit(unit)
    .with_value_to_string(format::v2s_plain(unit))
    .with_string_to_value(format::s2v_plain(unit))
}

/// A choice among the DSP's own enum values, stored as an index. The labels come from the DSP
/// type, so the list of choices exists in one place only.
fn choice_param<T: Copy + PartialEq + Send + Sync + 'static>(
    name: String,
    all: &'static [T],
    label: fn(T) -> &'static str,
    default: T,
) -> IntParam {
    let default_index = all.iter().position(|&v| v == default).unwrap_or(0) as i32;
    IntParam::new(name, default_index, IntRange::Linear { min: 0, max: all.len() as i32 - 1 })
        .with_value_to_string(Arc::new(move |i| {
            all.get(i.max(0) as usize).map_or_else(String::new, |&v| label(v).to_string())
        }))
        .with_string_to_value(Arc::new(move |text| {
            let wanted = text.trim().to_lowercase();
            all.iter().position(|&v| label(v).to_lowercase() == wanted).map(|i| i as i32)
        }))
}

/// The DSP value an index parameter made by [`choice_param`] currently selects.
fn choice_value<T: Copy>(param: &IntParam, all: &[T]) -> T {
    all[(param.value().max(0) as usize).min(all.len() - 1)]
}

/// Builds a gain parameter in dB over [`GAIN_DB_RANGE`], with "−∞" at the bottom.
fn gain_db_param(name: &str) -> FloatParam {
    FloatParam::new(
        name,
        0.0,
        FloatRange::Linear { min: GAIN_DB_RANGE.0, max: GAIN_DB_RANGE.1 },
    )
    .with_unit("dB")
    .with_step_size(0.1)
    .with_value_to_string(format::v2s_decibels(GAIN_DB_RANGE.0))
    .with_string_to_value(format::s2v_decibels(GAIN_DB_RANGE.0))
}

/// Gain at both ends of the chain.
#[derive(Params)]
pub struct GainParams {
    /// Gain before the filter, in dB.
    #[id = "in_gain"]
    pub input_db: FloatParam,
    /// Gain after the reverb, in dB.
    #[id = "out_gain"]
    pub output_db: FloatParam,
}

impl Default for GainParams {
    fn default() -> Self {
        Self { input_db: gain_db_param("Input Gain"), output_db: gain_db_param("Output Gain") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_frequency_params_return_exact_range_ends() {
        for (lo, hi) in [(20.0f32, 20_000.0f32), (200.0, 20_000.0), (50.0, 1000.0), (1000.0, 16_000.0)] {
            let p = frequency_param("f".into(), lo, (lo, hi));
            assert_eq!(hz(&p), lo);
            // Set through the normalized setter the plugin wrappers use.
            let ptr = ParamPtr::FloatParam(&p as *const FloatParam as *mut FloatParam);
            // SAFETY: `ptr` points at `p`, alive for this whole loop iteration.
            unsafe { ptr._internal_set_normalized_value(1.0) };
            assert_eq!(hz(&p), hi);
            // SAFETY: as above.
            unsafe { ptr._internal_set_normalized_value(0.5) };
            let mid = (lo * hi).sqrt();
            assert!((hz(&p) / mid - 1.0).abs() < 1e-4, "log mapping: {} vs {mid}", hz(&p));
        }
    }
}
