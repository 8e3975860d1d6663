//! A value for every parameter (in DSP units), its conversion to and from [`EngineSettings`],
//! and the `id=value` assignments the command line takes.

use std::fmt;

use crate::engine::EngineSettings;

use super::spec::{find, ParamSpec, Target, PARAMS};

/// One value per row of [`PARAMS`], in DSP units, in table order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamValues {
    /// `values[i]` belongs to `PARAMS[i]`.
    values: Vec<f32>,
}

impl Default for ParamValues {
    fn default() -> Self {
        Self::defaults()
    }
}

impl ParamValues {
    /// Every parameter at its default.
    pub fn defaults() -> Self {
        Self { values: PARAMS.iter().map(ParamSpec::default_value).collect() }
    }

    /// The values `settings` describe (the host bypass off).
    pub fn from_settings(settings: &EngineSettings) -> Self {
        let values = PARAMS
            .iter()
            .map(|spec| match spec.target {
                Target::Settings { read, .. } => {
                    spec.clamped(read(settings)).unwrap_or_else(|| spec.default_value())
                }
                Target::HostBypass => 0.0,
            })
            .collect();
        Self { values }
    }

    /// The engine settings these values describe. Transport (tempo) is not a parameter (the
    /// engine takes it separately); the host bypass is not a setting.
    pub fn to_settings(&self) -> EngineSettings {
        let mut settings = EngineSettings::default();
        for (spec, &value) in PARAMS.iter().zip(&self.values) {
            if let Target::Settings { write, .. } = spec.target {
                write(&mut settings, value);
            }
        }
        settings
    }

    /// The value of parameter `id`.
    pub fn get(&self, id: &str) -> Option<f32> {
        PARAMS.iter().position(|p| p.id == id).map(|i| self.values[i])
    }

    /// Sets parameter `id` to `value` (DSP units). Errors name the valid IDs or the range.
    pub fn set(&mut self, id: &str, value: f32) -> Result<(), ParamError> {
        let index = PARAMS.iter().position(|p| p.id == id).ok_or_else(|| ParamError::unknown_id(id))?;
        let spec = &PARAMS[index];
        check_range(spec, value)?;
        self.values[index] = value;
        Ok(())
    }

    /// Every (row, value) pair in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, f32)> + '_ {
        PARAMS.iter().zip(self.values.iter().copied())
    }
}

/// The range of a row as text ("20 Hz … 20.0 kHz", "one of 7 choices", "on/off").
pub fn range_text(spec: &ParamSpec) -> String {
    match spec.kind {
        super::spec::Kind::Float { range, .. } => {
            format!("{} … {}", spec.value_text(range.0), spec.value_text(range.1))
        }
        super::spec::Kind::Choice { count, .. } => format!("{count} choices"),
        super::spec::Kind::Switch => "on/off".to_string(),
    }
}

/// Why a parameter name or value was refused. Every variant says what would have been accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamError {
    /// No parameter has this ID.
    UnknownId {
        /// What was asked for.
        id: String,
        /// IDs that share a prefix or contain it (or every ID, if none does).
        suggestions: Vec<&'static str>,
    },
    /// The text is not a value of this parameter.
    BadValue {
        /// The parameter.
        id: &'static str,
        /// What was given.
        text: String,
        /// The forms the parameter accepts.
        accepted: String,
    },
    /// The value is outside the parameter's range.
    OutOfRange {
        /// The parameter.
        id: &'static str,
        /// What was given, in DSP units.
        value: f32,
        /// The forms the parameter accepts.
        accepted: String,
        /// The range as text.
        range: String,
    },
    /// Not of the form `id=value`.
    NotAnAssignment {
        /// What was given.
        text: String,
    },
}

impl ParamError {
    /// An [`UnknownId`](Self::UnknownId) with suggestions.
    pub fn unknown_id(id: &str) -> Self {
        let lower = id.to_ascii_lowercase();
        let stem = lower.split('_').next().unwrap_or_default().to_string();
        let mut suggestions: Vec<&'static str> = PARAMS
            .iter()
            .map(|p| p.id)
            .filter(|p| !stem.is_empty() && (p.starts_with(&stem) || p.contains(&lower)))
            .collect();
        if suggestions.is_empty() {
            suggestions = PARAMS.iter().map(|p| p.id).collect();
        }
        ParamError::UnknownId { id: id.to_string(), suggestions }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::UnknownId { id, suggestions } => {
                write!(f, "unknown parameter `{id}`; valid ids include: {}", suggestions.join(", "))
            }
            ParamError::BadValue { id, text, accepted } => {
                write!(f, "`{text}` is not a value of `{id}`; accepted: {accepted}")
            }
            ParamError::OutOfRange { id, value, accepted, range } => {
                write!(f, "{value} is outside the range of `{id}` ({range}); accepted: {accepted}")
            }
            ParamError::NotAnAssignment { text } => {
                write!(
                    f,
                    "`{text}` is not an assignment; write id=value, e.g. hp_freq=1.2k (see `runnel params`)"
                )
            }
        }
    }
}

impl std::error::Error for ParamError {}

/// Parses a value text for parameter `id` ("1.2k", "-6 dB", "on", "24 dB/oct") into DSP units,
/// range-checked.
pub fn parse_value(id: &str, text: &str) -> Result<(&'static ParamSpec, f32), ParamError> {
    let spec = find(id).ok_or_else(|| ParamError::unknown_id(id))?;
    let value = spec.parse_text(text).ok_or_else(|| ParamError::BadValue {
        id: spec.id,
        text: text.to_string(),
        accepted: spec.accepted_forms(),
    })?;
    check_range(spec, value)?;
    Ok((spec, value))
}

/// Parses a command-line assignment such as `hp_freq=1.2k` or `dly_time = 350ms`.
pub fn parse_assignment(text: &str) -> Result<(&'static ParamSpec, f32), ParamError> {
    let (id, value) =
        text.split_once('=').ok_or_else(|| ParamError::NotAnAssignment { text: text.to_string() })?;
    parse_value(id.trim(), value.trim())
}

/// `Ok` if `spec` accepts `value`, else the out-of-range error naming its range and forms. The
/// one range check behind [`ParamValues::set`] and [`parse_value`].
fn check_range(spec: &ParamSpec, value: f32) -> Result<(), ParamError> {
    if spec.accepts(value) {
        Ok(())
    } else {
        Err(ParamError::OutOfRange {
            id: spec.id,
            value,
            accepted: spec.accepted_forms(),
            range: range_text(spec),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::spec::{Kind, BYPASS_ID};

    #[test]
    fn defaults_are_the_engine_defaults() {
        assert_eq!(ParamValues::defaults().to_settings(), EngineSettings::default());
        assert_eq!(ParamValues::from_settings(&EngineSettings::default()), ParamValues::defaults());
    }

    #[test]
    fn assignments_parse_in_dsp_units() {
        let (spec, v) = parse_assignment("hp_freq=1.2k").unwrap();
        assert_eq!((spec.id, v), ("hp_freq", 1200.0));
        assert_eq!(parse_assignment(" dly_time = 0.35 s").unwrap().1, 350.0);
        assert_eq!(parse_assignment("dly_feedback=35%").unwrap().1, 0.35);
        assert_eq!(parse_assignment("in_gain=-inf").unwrap().1, f32::NEG_INFINITY);
        assert_eq!(parse_assignment("hp_slope=24 dB/oct").unwrap().1, 3.0);
        assert_eq!(parse_assignment("reverb_on=off").unwrap().1, 0.0);
        assert_eq!(parse_assignment("dly_lowcut=off").unwrap().1, 20.0);
        assert_eq!(parse_assignment("rv_mix_law=equal power").unwrap().1, 1.0);
    }

    #[test]
    fn assignment_errors_say_what_is_accepted() {
        match parse_assignment("hp_frq=1k") {
            Err(ParamError::UnknownId { suggestions, .. }) => {
                assert!(suggestions.contains(&"hp_freq"), "{suggestions:?}")
            }
            other => panic!("{other:?}"),
        }
        match parse_assignment("nothing=1") {
            Err(ParamError::UnknownId { suggestions, .. }) => assert_eq!(suggestions.len(), PARAMS.len()),
            other => panic!("{other:?}"),
        }
        let bad = parse_assignment("hp_freq=loud").unwrap_err();
        assert!(bad.to_string().contains("1.2k"), "{bad}");
        let out = parse_assignment("hp_freq=50k").unwrap_err();
        assert!(matches!(out, ParamError::OutOfRange { .. }), "{out:?}");
        assert!(out.to_string().contains("20.0 kHz"), "{out}");
        let slope = parse_assignment("hp_slope=steep").unwrap_err();
        assert!(slope.to_string().contains("48 dB/oct"), "{slope}");
        assert!(matches!(parse_assignment("hp_freq"), Err(ParamError::NotAnAssignment { .. })));
        assert!(parse_assignment("in_gain=nan").is_err());
    }

    #[test]
    fn gain_off_is_minus_infinity_and_mutes() {
        let mut values = ParamValues::defaults();
        values.set("in_gain", f32::NEG_INFINITY).unwrap();
        assert_eq!(values.to_settings().input_gain_db, f32::NEG_INFINITY);
        assert_eq!(crate::gain::db_to_amplitude(values.to_settings().input_gain_db), 0.0);
        assert_eq!(ParamValues::from_settings(&values.to_settings()).get("in_gain"), Some(f32::NEG_INFINITY));
        // The bottom of the plugin's range is the off position.
        let spec = find("in_gain").unwrap();
        assert_eq!(spec.from_plugin_plain(-60.0), f32::NEG_INFINITY);
        assert_eq!(spec.to_plugin_plain(f32::NEG_INFINITY), -60.0);
        assert_eq!(spec.value_text(f32::NEG_INFINITY), "-inf dB");
    }

    #[test]
    fn every_row_round_trips_through_settings_and_text() {
        // Mid-range values, so every field differs from its default somewhere.
        let mut values = ParamValues::defaults();
        for spec in PARAMS.iter() {
            let v = spec.unnormalize(0.37);
            values.set(spec.id, v).unwrap();
        }
        let settings = values.to_settings();
        let mut back = ParamValues::from_settings(&settings);
        back.set(BYPASS_ID, values.get(BYPASS_ID).unwrap()).unwrap();
        assert_eq!(back, values);
        for (spec, v) in values.iter() {
            let text = spec.value_text(v);
            let parsed = spec.parse_text(&text).unwrap_or_else(|| panic!("{}: {text:?}", spec.id));
            assert_eq!(spec.value_text(parsed), text, "{}", spec.id);
            if let Kind::Float { range, .. } = spec.kind {
                // Texts are rounded for display: three significant digits at least.
                assert!(
                    (parsed - v).abs() <= 0.006 * v.abs() + 0.0051 * (range.1 - range.0).min(1.0),
                    "{}: {v} → {text} → {parsed}",
                    spec.id
                );
            } else {
                assert_eq!(parsed, v, "{}", spec.id);
            }
        }
    }

    #[test]
    fn normalization_round_trips() {
        for spec in PARAMS.iter() {
            for t in [0.0, 0.1, 0.5, 0.77, 1.0] {
                let v = spec.unnormalize(t);
                let back = spec.normalize(v);
                assert!(
                    (back - t).abs() < 2e-4 || !spec.is_continuous() && (spec.unnormalize(back) == v),
                    "{}: {t} → {v} → {back}",
                    spec.id
                );
            }
        }
    }

    /// Settings that ask for ∞:1 through the ratio field (as the DSP allows) come back from the
    /// values as the infinite-ratio switch on, so the curve they describe is kept.
    #[test]
    fn an_infinite_ratio_setting_reads_as_the_switch_on() {
        let mut settings = EngineSettings::default();
        settings.compressor.ratio = f32::INFINITY;
        let values = ParamValues::from_settings(&settings);
        assert_eq!(values.get("comp_ratio_inf"), Some(1.0));
        assert_eq!(values.get("comp_ratio"), Some(crate::dynamics::compressor::RATIO_RANGE.1));
        let back = values.to_settings();
        assert!(back.compressor.infinite_ratio);
        assert_eq!(parse_assignment("comp_ratio_inf=on").unwrap().1, 1.0);
    }
}
