//! THE parameter table: one row per parameter, from which the plugin's parameters, preset
//! files, the command line's `--set id=value`, the editor's grouping and the host test
//! expectations are all derived. Adding a parameter is adding a row to [`PARAMS`].
//!
//! Values are in DSP units everywhere (Hz, dB, ms, s, 0–1 fractions; a switch is 0/1, a choice
//! its index in the DSP enum's `ALL` list). Defaults are not written here: they are read from
//! `EngineSettings::default()`, so the DSP's own constants stay the only source.
//!
//! # "Off" is explicit
//! Two kinds of parameter have a position that means "off" rather than a value, and both are
//! named by an [`OffRule`] on their row instead of being an accident of where a range ends:
//! - gains: −∞ dB (`f32::NEG_INFINITY` in values and settings, "-inf" in texts). The plugin's
//!   range still ends at −60 dB, the position that reads "-inf"; [`ParamSpec::from_plugin_plain`]
//!   turns that end into −∞ and back.
//! - the delay's loop cuts: the DSP documents the bottom of the low cut's range and the top of
//!   the high cut's as "filter off" (`delay::feedback`), so those ends are the off value; their
//!   texts stay numeric (pedalboard reads ranges from texts), and "off" is accepted when typed.

use crate::delay::{
    NoteModifier, NoteValue, TimeChangeMode, DUCK_AMOUNT_DB_RANGE, DUCK_RELEASE_MS_RANGE, FEEDBACK_RANGE,
    HIGH_CUT_HZ_RANGE as DELAY_HIGH_CUT_HZ_RANGE, LOW_CUT_HZ_RANGE as DELAY_LOW_CUT_HZ_RANGE,
    MIX_RANGE as DELAY_MIX_RANGE, MOD_DEPTH_MS_RANGE as DELAY_MOD_DEPTH_MS_RANGE,
    MOD_RATE_HZ_RANGE as DELAY_MOD_RATE_HZ_RANGE, SATURATION_RANGE, STEREO_OFFSET_MS_RANGE, TIME_MS_RANGE,
};
use crate::dynamics::agc::{GATE_LUFS_RANGE, MAX_GAIN_DB_RANGE, SPEED_S_RANGE, TARGET_LUFS_RANGE};
use crate::dynamics::compressor::{
    ATTACK_MS_RANGE as COMP_ATTACK_MS_RANGE, KNEE_DB_RANGE, LINK_RANGE,
    LOOKAHEAD_MS_RANGE as COMP_LOOKAHEAD_MS_RANGE, MAKEUP_DB_RANGE, MIX_RANGE as COMP_MIX_RANGE, RATIO_RANGE,
    RELEASE_MS_RANGE as COMP_RELEASE_MS_RANGE, SIDECHAIN_HPF_HZ_RANGE, THRESHOLD_DB_RANGE,
};
use crate::dynamics::limiter::{
    CEILING_DB_RANGE, LOOKAHEAD_MS_RANGE as LIM_LOOKAHEAD_MS_RANGE, RELEASE_MS_RANGE as LIM_RELEASE_MS_RANGE,
};
use crate::dynamics::Detector;
use crate::engine::EngineSettings;
use crate::filter::{
    FilterSlope, NotchMode, BELL_Q_RANGE, FREQUENCY_RANGE_HZ, GAIN_RANGE_DB, NOTCH_Q_RANGE,
    RESONANCE_Q_RANGE, SHELF_Q_RANGE,
};
use crate::gain::GAIN_DB_RANGE;
use crate::reverb::{
    MixLaw, DECAY_S_RANGE, EARLY_LEVEL_RANGE, EARLY_SIZE_M_RANGE, HIGH_CROSSOVER_HZ_RANGE, HIGH_CUT_HZ_RANGE,
    HIGH_MULT_RANGE, LOW_CROSSOVER_HZ_RANGE, LOW_CUT_HZ_RANGE, LOW_MULT_RANGE, MIX_RANGE, MOD_DEPTH_MS_RANGE,
    MOD_RATE_HZ_RANGE, PRE_DELAY_MS_RANGE, SIZE_M_RANGE, WIDTH_RANGE,
};

use std::sync::LazyLock;

use super::format;

/// How a continuous parameter's travel (0–1, "normalized") maps onto its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mapping {
    /// Equal travel, equal change.
    Linear,
    /// Equal travel, equal ratio (an equal musical interval for frequencies).
    Logarithmic,
    /// `normalized = ((v − min) / (max − min))^(2^skew)`: negative `skew` gives the bottom of the
    /// range more travel (nice-plug's `FloatRange::skew_factor` convention).
    Skewed {
        /// Skew exponent; −1 and −1.5 are used.
        skew: f32,
    },
}

/// Which end of a range an [`OffRule`] sits at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeEnd {
    /// The lowest value.
    Min,
    /// The highest value.
    Max,
}

/// A position of a continuous parameter that means "off" (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OffRule {
    /// The end of the range that is "off"; values beyond it are off too.
    pub at: RangeEnd,
    /// The value "off" has in DSP units (−∞ dB for gains; the range end for the loop cuts).
    pub value: f32,
}

/// How a continuous parameter's value is written and read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// "80 Hz", "1.20 kHz" (the unit is part of the text).
    Frequency,
    /// "-6.0 dB", "-inf dB".
    Decibels,
    /// "350 ms".
    Milliseconds,
    /// "+12.5 ms".
    SignedMilliseconds,
    /// "2.5 s".
    Seconds,
    /// A 0–1 fraction as "35 %".
    Percent,
    /// Loudness as "-23.0 LUFS" (BS.1770 loudness, full scale; the unit is the row's).
    Lufs,
    /// "1.50 x", "25.0 m", "0.707".
    Number,
}

impl TextFormat {
    /// The accepted typed forms, for listings and error messages.
    pub fn accepted_forms(self) -> &'static str {
        match self {
            TextFormat::Frequency => "Hz or kHz: 1200, 1.2k, 1.2 kHz, 80 Hz",
            TextFormat::Decibels => "dB: -6, -6 dB, +3.5dB",
            TextFormat::Milliseconds | TextFormat::SignedMilliseconds => "ms or s: 350, 350ms, 0.35 s",
            TextFormat::Seconds => "s or ms: 2.5, 2.5 s, 2500ms",
            TextFormat::Percent => "percent: 35, 35%, 35 %",
            TextFormat::Lufs => "LUFS: -23, -23 LUFS, -23LUFS",
            TextFormat::Number => "a number",
        }
    }
}

/// What kind of value a parameter holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A continuous value in `range` (DSP units).
    Float {
        /// Lowest and highest value.
        range: (f32, f32),
        /// How travel maps onto the range.
        mapping: Mapping,
        /// How values are shown and typed.
        text: TextFormat,
        /// The position that means "off", if any.
        off: Option<OffRule>,
    },
    /// One of `count` choices, labelled by the DSP enum's own labels.
    Choice {
        /// Number of choices.
        count: usize,
        /// Label of choice `i` (the DSP enum's `label()` of `ALL[i]`).
        label: fn(usize) -> &'static str,
    },
    /// On or off.
    Switch,
}

/// Where a parameter's value goes.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A field of [`EngineSettings`].
    Settings {
        /// Reads the field as a value in DSP units.
        read: fn(&EngineSettings) -> f32,
        /// Writes a value in DSP units into the field.
        write: fn(&mut EngineSettings, f32),
    },
    /// The host's bypass switch: not a setting of the chain (the plugin bypasses the whole
    /// engine), so it never enters `EngineSettings` or presets.
    HostBypass,
}

/// One parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Stable ID: the key in plugin state, presets and `--set`; hashed into CLAP/VST3 IDs.
    /// Never change one.
    pub id: &'static str,
    /// Display name (unique: many hosts show no group).
    pub name: &'static str,
    /// Group path, stage first: "Filter/High-pass".
    pub group: &'static str,
    /// Unit symbol for listings ("Hz", "dB", "ms", "s", "%", "m", "x", or "").
    pub unit: &'static str,
    /// Value kind, range and mapping.
    pub kind: Kind,
    /// Where the value goes.
    pub target: Target,
}

/// The value of a switch that is on (off is 0).
const SWITCH_ON: f32 = 1.0;

/// `1.0` for on, `0.0` for off.
pub fn switch_value(on: bool) -> f32 {
    if on {
        SWITCH_ON
    } else {
        0.0
    }
}

/// Whether a switch value means on (anything from one half up).
pub fn is_on(value: f32) -> bool {
    value >= 0.5
}

/// The index of `item` in `all` (0 if absent, which `ALL` lists rule out).
pub fn index_of<T: PartialEq>(all: &[T], item: T) -> f32 {
    all.iter().position(|x| *x == item).unwrap_or(0) as f32
}

/// The entry of `all` a choice value selects, clamped into the list.
pub fn pick<T: Copy>(all: &[T], value: f32) -> T {
    let index = if value.is_finite() { value.round().max(0.0) as usize } else { 0 };
    all[index.min(all.len() - 1)]
}

impl ParamSpec {
    /// The default value in DSP units, read from `EngineSettings::default()`.
    pub fn default_value(&self) -> f32 {
        match self.target {
            Target::Settings { read, .. } => read(&EngineSettings::default()),
            Target::HostBypass => 0.0,
        }
    }

    /// Whether this row is stored in presets (everything but the host's bypass).
    pub fn in_presets(&self) -> bool {
        matches!(self.target, Target::Settings { .. })
    }

    /// Whether the parameter is continuous.
    pub fn is_continuous(&self) -> bool {
        matches!(self.kind, Kind::Float { .. })
    }

    /// The value clamped into the parameter's range; `None` for NaN. "Off" (e.g. −∞ dB) is kept.
    pub fn clamped(&self, value: f32) -> Option<f32> {
        if value.is_nan() {
            return None;
        }
        Some(match self.kind {
            Kind::Float { range, off, .. } => match off {
                Some(OffRule { at: RangeEnd::Min, value: off_value }) if value <= range.0 => off_value,
                Some(OffRule { at: RangeEnd::Max, value: off_value }) if value >= range.1 => off_value,
                _ => value.clamp(range.0, range.1),
            },
            Kind::Choice { count, .. } => value.round().clamp(0.0, (count - 1) as f32),
            Kind::Switch => switch_value(is_on(value)),
        })
    }

    /// Whether `value` lies in the range (or is the "off" value).
    pub fn accepts(&self, value: f32) -> bool {
        match self.kind {
            Kind::Float { range, off, .. } => {
                off.is_some_and(|o| o.value == value) || (range.0..=range.1).contains(&value)
            }
            Kind::Choice { count, .. } => value.fract() == 0.0 && (0.0..count as f32).contains(&value),
            Kind::Switch => value == 0.0 || value == 1.0,
        }
    }

    /// Travel 0–1 of a value (the host's normalized value).
    pub fn normalize(&self, value: f32) -> f32 {
        match self.kind {
            Kind::Float { range: (min, max), mapping, .. } => {
                let v = if value.is_nan() { min } else { value.clamp(min, max) };
                match mapping {
                    Mapping::Linear => (v - min) / (max - min),
                    Mapping::Logarithmic => (v.log2() - min.log2()) / (max.log2() - min.log2()),
                    Mapping::Skewed { skew } => ((v - min) / (max - min)).powf(skew.exp2()),
                }
            }
            Kind::Choice { count, .. } => self.clamped(value).unwrap_or(0.0) / (count - 1) as f32,
            Kind::Switch => switch_value(is_on(value)),
        }
    }

    /// The value at travel `normalized` (0–1); the inverse of [`normalize`](Self::normalize).
    pub fn unnormalize(&self, normalized: f32) -> f32 {
        let t = if normalized.is_nan() { 0.0 } else { normalized.clamp(0.0, 1.0) };
        match self.kind {
            Kind::Float { range: (min, max), mapping, .. } => {
                let v = match mapping {
                    Mapping::Linear => min + t * (max - min),
                    Mapping::Logarithmic => round_hz((min.log2() + t * (max.log2() - min.log2())).exp2()),
                    Mapping::Skewed { skew } => min + t.powf((-skew).exp2()) * (max - min),
                };
                self.clamped(v).unwrap_or(min)
            }
            Kind::Choice { count, .. } => (t * (count - 1) as f32).round(),
            // As hosts and nice-plug read a switch: on above one half.
            Kind::Switch => switch_value(t > 0.5),
        }
    }

    /// The plugin's plain value for a DSP value. Identical except for logarithmic frequencies,
    /// whose plain value is `log2(Hz)` (nice-plug's ranges are linear or power-skewed, and a
    /// linear range over log2(Hz) is an exact logarithmic mapping), and for "off", which is the
    /// range end the plugin shows as off.
    pub fn to_plugin_plain(&self, value: f32) -> f32 {
        match self.kind {
            Kind::Float { range, mapping, .. } => {
                let v = if value.is_nan() { range.0 } else { value.clamp(range.0, range.1) };
                match mapping {
                    Mapping::Logarithmic => v.log2(),
                    _ => v,
                }
            }
            _ => self.clamped(value).unwrap_or(0.0),
        }
    }

    /// The DSP value of a plugin plain value; the inverse of
    /// [`to_plugin_plain`](Self::to_plugin_plain). Frequencies are rounded to 0.01 Hz so that
    /// range ends come back exactly (`exp2(log2(20000))` is 19999.996 in f32), as Runnel 0.1 did.
    pub fn from_plugin_plain(&self, plain: f32) -> f32 {
        match self.kind {
            Kind::Float { mapping: Mapping::Logarithmic, .. } => {
                self.clamped(round_hz(plain.exp2())).unwrap_or_else(|| self.default_value())
            }
            _ => self.clamped(plain).unwrap_or_else(|| self.default_value()),
        }
    }

    /// The unit the plugin declares (nice-plug appends it to the value text; VST3 hosts show it
    /// in its own field). Frequencies carry their unit ("Hz"/"kHz") in the text instead.
    pub fn plugin_unit(&self) -> &'static str {
        match self.kind {
            Kind::Float { text: TextFormat::Frequency, .. } => "",
            Kind::Float { .. } => self.unit,
            _ => "",
        }
    }

    /// The value text without the plugin unit: the number and a space when the unit follows
    /// ("-6.0 " + "dB"), else the whole text ("1.20 kHz", "0.707", "On", "24 dB/oct").
    pub fn value_text_without_unit(&self, value: f32) -> String {
        let text = self.number_text(value);
        if self.plugin_unit().is_empty() {
            text.trim_end().to_string()
        } else {
            text
        }
    }

    /// The formatter's text for a value (numbers end in a space, ready for a unit).
    fn number_text(&self, value: f32) -> String {
        match self.kind {
            Kind::Float { text, range, off, .. } => match text {
                TextFormat::Frequency => format::frequency(value),
                // "-inf" only where −∞ is the row's off value (gains), never for a −24 dB bell.
                TextFormat::Decibels => {
                    let floor = if off.is_some_and(|o| o.value == f32::NEG_INFINITY) {
                        range.0
                    } else {
                        f32::NEG_INFINITY
                    };
                    format::decibels(value, floor)
                }
                TextFormat::Milliseconds => format::milliseconds(value),
                TextFormat::SignedMilliseconds => format::milliseconds_signed(value),
                TextFormat::Seconds => format::seconds(value),
                TextFormat::Percent => format::percent(value),
                TextFormat::Lufs => format::lufs(value),
                TextFormat::Number => format::plain(value),
            },
            Kind::Choice { count, label } => label(pick(&(0..count).collect::<Vec<_>>(), value)).to_string(),
            Kind::Switch => if is_on(value) { "On" } else { "Off" }.to_string(),
        }
    }

    /// The full value text, unit included ("-6.0 dB", "1.20 kHz", "35 %", "On").
    pub fn value_text(&self, value: f32) -> String {
        format!("{}{}", self.value_text_without_unit(value), self.plugin_unit())
    }

    /// Parses what a user types into a value in DSP units (not range-checked; see
    /// [`accepts`](Self::accepts)). "off" selects the off position where there is one.
    pub fn parse_text(&self, text: &str) -> Option<f32> {
        let trimmed = text.trim();
        match self.kind {
            Kind::Float { text: format, off, .. } => {
                if let Some(off) = off {
                    if trimmed.eq_ignore_ascii_case("off") {
                        return Some(off.value);
                    }
                }
                match format {
                    TextFormat::Frequency => format::parse_frequency(trimmed),
                    TextFormat::Decibels => format::parse_decibels(trimmed)
                        .filter(|db| db.is_finite() || off.is_some_and(|o| o.value == *db)),
                    TextFormat::Milliseconds | TextFormat::SignedMilliseconds => {
                        format::parse_milliseconds(trimmed)
                    }
                    TextFormat::Seconds => format::parse_seconds(trimmed),
                    TextFormat::Percent => format::parse_percent(trimmed),
                    TextFormat::Lufs => format::parse_lufs(trimmed),
                    TextFormat::Number => format::parse_plain(trimmed, self.unit),
                }
            }
            Kind::Choice { count, label } => {
                (0..count).find(|&i| label(i).eq_ignore_ascii_case(trimmed)).map(|i| i as f32)
            }
            Kind::Switch => match trimmed.to_ascii_lowercase().as_str() {
                "on" | "true" | "1" | "yes" => Some(1.0),
                "off" | "false" | "0" | "no" => Some(0.0),
                _ => None,
            },
        }
    }

    /// What [`parse_text`](Self::parse_text) accepts, in words (for listings and errors).
    pub fn accepted_forms(&self) -> String {
        match self.kind {
            Kind::Float { text, off, .. } => {
                let off = match off {
                    Some(o) if o.value == f32::NEG_INFINITY => ", -inf or off",
                    Some(_) => ", off",
                    None => "",
                };
                format!("{}{off}", text.accepted_forms())
            }
            Kind::Choice { count, label } => {
                let labels: Vec<&str> = (0..count).map(label).collect();
                format!("one of: {}", labels.join(", "))
            }
            Kind::Switch => "on/off, true/false, 1/0".to_string(),
        }
    }
}

/// Rounds a frequency to 0.01 Hz (see [`ParamSpec::from_plugin_plain`]).
fn round_hz(hz: f32) -> f32 {
    (hz * 100.0).round() / 100.0
}

/// A continuous parameter's kind.
const fn float(range: (f32, f32), mapping: Mapping, text: TextFormat) -> Kind {
    Kind::Float { range, mapping, text, off: None }
}

/// A logarithmic frequency over `range`.
const fn frequency(range: (f32, f32)) -> Kind {
    float(range, Mapping::Logarithmic, TextFormat::Frequency)
}

/// A gain in dB over the gain stages' range, with −∞ (mute) at the bottom.
const GAIN_KIND: Kind = Kind::Float {
    range: GAIN_DB_RANGE,
    mapping: Mapping::Linear,
    text: TextFormat::Decibels,
    off: Some(OffRule { at: RangeEnd::Min, value: f32::NEG_INFINITY }),
};

/// A row reading and writing a float field of [`EngineSettings`].
macro_rules! float_field {
    ($($path:ident).+) => {
        Target::Settings { read: |s| s.$($path).+, write: |s, v| s.$($path).+ = v }
    };
}

/// A row reading and writing a bool field of [`EngineSettings`].
macro_rules! switch_field {
    ($($path:ident).+) => {
        Target::Settings { read: |s| switch_value(s.$($path).+), write: |s, v| s.$($path).+ = is_on(v) }
    };
}

/// A row reading and writing an enum field of [`EngineSettings`] by its index in `$all`.
macro_rules! choice_field {
    ($all:expr; $($path:ident).+) => {
        Target::Settings { read: |s| index_of(&$all, s.$($path).+), write: |s, v| s.$($path).+ = pick(&$all, v) }
    };
}

/// A choice kind over a DSP enum's `ALL` list and label function.
macro_rules! choice {
    ($all:expr, $label:path) => {
        Kind::Choice { count: $all.len(), label: |i| $label($all[i]) }
    };
}

/// A "<Stage> On" / "<Band> On" switch row.
macro_rules! switch_row {
    ($id:expr, $name:expr, $group:expr, $($path:ident).+) => {
        ParamSpec { id: $id, name: $name, group: $group, unit: "", kind: Kind::Switch, target: switch_field!($($path).+) }
    };
}

/// The rows of a high- or low-pass band.
macro_rules! pass_band {
    ($prefix:literal, $band:literal, $group:literal, $field:ident) => {
        [
            switch_row!(concat!($prefix, "_on"), concat!($band, " On"), $group, filter.$field.enabled),
            ParamSpec {
                id: concat!($prefix, "_freq"),
                name: concat!($band, " Cutoff"),
                group: $group,
                unit: "Hz",
                kind: frequency(FREQUENCY_RANGE_HZ),
                target: float_field!(filter.$field.cutoff_hz),
            },
            ParamSpec {
                id: concat!($prefix, "_slope"),
                name: concat!($band, " Slope"),
                group: $group,
                unit: "",
                kind: choice!(FilterSlope::ALL, FilterSlope::label),
                target: choice_field!(FilterSlope::ALL; filter.$field.slope),
            },
            ParamSpec {
                id: concat!($prefix, "_q"),
                name: concat!($band, " Resonance"),
                group: $group,
                unit: "",
                kind: float(RESONANCE_Q_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
                target: float_field!(filter.$field.resonance_q),
            },
        ]
    };
}

/// The rows of a shelf or bell band.
macro_rules! gain_band {
    ($prefix:literal, $band:literal, $group:literal, $field:ident, $q_range:expr) => {
        [
            switch_row!(concat!($prefix, "_on"), concat!($band, " On"), $group, filter.$field.enabled),
            ParamSpec {
                id: concat!($prefix, "_freq"),
                name: concat!($band, " Freq"),
                group: $group,
                unit: "Hz",
                kind: frequency(FREQUENCY_RANGE_HZ),
                target: float_field!(filter.$field.freq_hz),
            },
            ParamSpec {
                id: concat!($prefix, "_gain"),
                name: concat!($band, " Gain"),
                group: $group,
                unit: "dB",
                kind: float(GAIN_RANGE_DB, Mapping::Linear, TextFormat::Decibels),
                target: float_field!(filter.$field.gain_db),
            },
            ParamSpec {
                id: concat!($prefix, "_q"),
                name: concat!($band, " Q"),
                group: $group,
                unit: "",
                kind: float($q_range, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
                target: float_field!(filter.$field.q),
            },
        ]
    };
}

/// A row of a continuous setting.
macro_rules! float_row {
    ($id:literal, $name:literal, $group:literal, $unit:literal, $kind:expr, $($path:ident).+) => {
        ParamSpec { id: $id, name: $name, group: $group, unit: $unit, kind: $kind, target: float_field!($($path).+) }
    };
}

/// Gain and the filter stage (in the order hosts list them).
const GAIN_AND_FILTER: [ParamSpec; 3] = [
    ParamSpec {
        id: "in_gain",
        name: "Input Gain",
        group: "Gain",
        unit: "dB",
        kind: GAIN_KIND,
        target: float_field!(input_gain_db),
    },
    ParamSpec {
        id: "out_gain",
        name: "Output Gain",
        group: "Gain",
        unit: "dB",
        kind: GAIN_KIND,
        target: float_field!(output_gain_db),
    },
    switch_row!("filter_on", "Filter On", "Filter", filter_on),
];

/// The filter's bands, in signal-flow order.
const FILTER_BANDS: [[ParamSpec; 4]; 7] = [
    pass_band!("hp", "HP", "Filter/High-pass", high_pass),
    pass_band!("lp", "LP", "Filter/Low-pass", low_pass),
    gain_band!("ls", "Low Shelf", "Filter/Low Shelf", low_shelf, SHELF_Q_RANGE),
    gain_band!("hs", "High Shelf", "Filter/High Shelf", high_shelf, SHELF_Q_RANGE),
    gain_band!("b1", "Bell 1", "Filter/Bell 1", bell_1, BELL_Q_RANGE),
    gain_band!("b2", "Bell 2", "Filter/Bell 2", bell_2, BELL_Q_RANGE),
    [
        switch_row!("notch_on", "Notch On", "Filter/Notch", filter.notch.enabled),
        ParamSpec {
            id: "notch_mode",
            name: "Notch Mode",
            group: "Filter/Notch",
            unit: "",
            kind: choice!(NotchMode::ALL, NotchMode::label),
            target: choice_field!(NotchMode::ALL; filter.notch.mode),
        },
        float_row!(
            "notch_freq",
            "Notch Freq",
            "Filter/Notch",
            "Hz",
            frequency(FREQUENCY_RANGE_HZ),
            filter.notch.freq_hz
        ),
        float_row!(
            "notch_q",
            "Notch Q",
            "Filter/Notch",
            "",
            float(NOTCH_Q_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
            filter.notch.q
        ),
    ],
];

/// The automatic gain control (after the filter, before the compressor).
const AGC: [ParamSpec; 5] = [
    switch_row!("agc_on", "AGC On", "AGC", agc_on),
    float_row!(
        "agc_target",
        "AGC Target",
        "AGC",
        "LUFS",
        float(TARGET_LUFS_RANGE, Mapping::Linear, TextFormat::Lufs),
        agc.target_lufs
    ),
    float_row!(
        "agc_max_gain",
        "AGC Max Gain",
        "AGC",
        "dB",
        float(MAX_GAIN_DB_RANGE, Mapping::Linear, TextFormat::Decibels),
        agc.max_gain_db
    ),
    float_row!(
        "agc_speed",
        "AGC Speed",
        "AGC",
        "s",
        float(SPEED_S_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Seconds),
        agc.speed_s
    ),
    float_row!(
        "agc_gate",
        "AGC Gate",
        "AGC",
        "LUFS",
        float(GATE_LUFS_RANGE, Mapping::Linear, TextFormat::Lufs),
        agc.gate_lufs
    ),
];

/// The compressor.
const COMPRESSOR: [ParamSpec; 15] = [
    switch_row!("compressor_on", "Compressor On", "Compressor", compressor_on),
    float_row!(
        "comp_threshold",
        "Compressor Threshold",
        "Compressor",
        "dB",
        float(THRESHOLD_DB_RANGE, Mapping::Linear, TextFormat::Decibels),
        compressor.threshold_db
    ),
    float_row!(
        "comp_ratio",
        "Compressor Ratio",
        "Compressor",
        "",
        float(RATIO_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
        compressor.ratio
    ),
    // ∞:1 as a switch beside the ratio (see `CompressorSettings::infinite_ratio` for why the
    // ratio row itself stops at 20:1). Settings that ask for ∞ through the ratio field read as on.
    ParamSpec {
        id: "comp_ratio_inf",
        name: "Compressor Infinite Ratio",
        group: "Compressor",
        unit: "",
        kind: Kind::Switch,
        target: Target::Settings {
            read: |s| switch_value(s.compressor.infinite_ratio || s.compressor.ratio == f32::INFINITY),
            write: |s, v| s.compressor.infinite_ratio = is_on(v),
        },
    },
    float_row!(
        "comp_knee",
        "Compressor Knee",
        "Compressor",
        "dB",
        float(KNEE_DB_RANGE, Mapping::Linear, TextFormat::Decibels),
        compressor.knee_db
    ),
    float_row!(
        "comp_attack",
        "Compressor Attack",
        "Compressor",
        "ms",
        float(COMP_ATTACK_MS_RANGE, Mapping::Skewed { skew: -1.5 }, TextFormat::Milliseconds),
        compressor.attack_ms
    ),
    float_row!(
        "comp_release",
        "Compressor Release",
        "Compressor",
        "ms",
        float(COMP_RELEASE_MS_RANGE, Mapping::Skewed { skew: -1.5 }, TextFormat::Milliseconds),
        compressor.release_ms
    ),
    switch_row!("comp_auto_release", "Compressor Auto Release", "Compressor", compressor.auto_release),
    ParamSpec {
        id: "comp_detector",
        name: "Compressor Detector",
        group: "Compressor",
        unit: "",
        kind: choice!(Detector::ALL, Detector::label),
        target: choice_field!(Detector::ALL; compressor.detector),
    },
    float_row!(
        "comp_link",
        "Compressor Stereo Link",
        "Compressor",
        "%",
        float(LINK_RANGE, Mapping::Linear, TextFormat::Percent),
        compressor.link
    ),
    float_row!(
        "comp_sc_hpf",
        "Compressor Side-chain HPF",
        "Compressor",
        "Hz",
        Kind::Float {
            range: SIDECHAIN_HPF_HZ_RANGE,
            mapping: Mapping::Logarithmic,
            text: TextFormat::Frequency,
            off: Some(OffRule { at: RangeEnd::Min, value: SIDECHAIN_HPF_HZ_RANGE.0 }),
        },
        compressor.sidechain_hpf_hz
    ),
    float_row!(
        "comp_lookahead",
        "Compressor Lookahead",
        "Compressor",
        "ms",
        float(COMP_LOOKAHEAD_MS_RANGE, Mapping::Linear, TextFormat::Milliseconds),
        compressor.lookahead_ms
    ),
    float_row!(
        "comp_makeup",
        "Compressor Makeup",
        "Compressor",
        "dB",
        float(MAKEUP_DB_RANGE, Mapping::Linear, TextFormat::Decibels),
        compressor.makeup_db
    ),
    switch_row!("comp_auto_makeup", "Compressor Auto Makeup", "Compressor", compressor.auto_makeup),
    float_row!(
        "comp_mix",
        "Compressor Mix",
        "Compressor",
        "%",
        float(COMP_MIX_RANGE, Mapping::Linear, TextFormat::Percent),
        compressor.mix
    ),
];

/// The true-peak limiter (last in the chain).
const LIMITER: [ParamSpec; 5] = [
    switch_row!("limiter_on", "Limiter On", "Limiter", limiter_on),
    float_row!(
        "lim_ceiling",
        "Limiter Ceiling",
        "Limiter",
        "dB",
        float(CEILING_DB_RANGE, Mapping::Linear, TextFormat::Decibels),
        limiter.ceiling_db
    ),
    float_row!(
        "lim_lookahead",
        "Limiter Lookahead",
        "Limiter",
        "ms",
        float(LIM_LOOKAHEAD_MS_RANGE, Mapping::Linear, TextFormat::Milliseconds),
        limiter.lookahead_ms
    ),
    float_row!(
        "lim_release",
        "Limiter Release",
        "Limiter",
        "ms",
        float(LIM_RELEASE_MS_RANGE, Mapping::Skewed { skew: -1.5 }, TextFormat::Milliseconds),
        limiter.release_ms
    ),
    switch_row!("lim_auto_release", "Limiter Auto Release", "Limiter", limiter.auto_release),
];

/// A continuous row that a switch takes over while the switch is on: the row keeps its value
/// (it applies again once the switch is off), and displays show `reads` in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Override {
    /// The row that is overridden.
    pub row: &'static str,
    /// The switch that overrides it.
    pub switch: &'static str,
    /// What the row effectively is while the switch is on, for displays.
    pub reads: &'static str,
}

/// Every [`Override`] in the table.
pub const OVERRIDES: [Override; 1] =
    [Override { row: "comp_ratio", switch: "comp_ratio_inf", reads: "\u{221e}:1" }];

/// The override of row `id`, if a switch can take it over.
pub fn override_of(id: &str) -> Option<&'static Override> {
    OVERRIDES.iter().find(|o| o.row == id)
}

/// IDs of the parameters that change the latency the host is told (a lookahead, or switching
/// a stage with lookahead on or off); hosts restart the plugin when they change.
pub const LATENCY_IDS: [&str; 4] = ["compressor_on", "comp_lookahead", "limiter_on", "lim_lookahead"];

/// The delay stage.
const DELAY: [ParamSpec; 18] = [
    switch_row!("delay_on", "Delay On", "Delay", delay_on),
    float_row!(
        "dly_time",
        "Delay Time",
        "Delay",
        "ms",
        float(TIME_MS_RANGE, Mapping::Skewed { skew: -1.5 }, TextFormat::Milliseconds),
        delay.time_ms
    ),
    switch_row!("dly_sync", "Delay Sync", "Delay", delay.sync),
    ParamSpec {
        id: "dly_note",
        name: "Delay Note",
        group: "Delay",
        unit: "",
        kind: choice!(NoteValue::ALL, NoteValue::label),
        target: choice_field!(NoteValue::ALL; delay.note),
    },
    ParamSpec {
        id: "dly_note_mod",
        name: "Delay Note Modifier",
        group: "Delay",
        unit: "",
        kind: choice!(NoteModifier::ALL, NoteModifier::label),
        target: choice_field!(NoteModifier::ALL; delay.note_modifier),
    },
    float_row!(
        "dly_offset",
        "Delay Stereo Offset",
        "Delay",
        "ms",
        float(STEREO_OFFSET_MS_RANGE, Mapping::Linear, TextFormat::SignedMilliseconds),
        delay.stereo_offset_ms
    ),
    switch_row!("dly_pingpong", "Delay Ping-Pong", "Delay", delay.ping_pong),
    float_row!(
        "dly_feedback",
        "Delay Feedback",
        "Delay",
        "%",
        float(FEEDBACK_RANGE, Mapping::Linear, TextFormat::Percent),
        delay.feedback
    ),
    float_row!(
        "dly_lowcut",
        "Delay Low Cut",
        "Delay",
        "Hz",
        Kind::Float {
            range: DELAY_LOW_CUT_HZ_RANGE,
            mapping: Mapping::Logarithmic,
            text: TextFormat::Frequency,
            off: Some(OffRule { at: RangeEnd::Min, value: DELAY_LOW_CUT_HZ_RANGE.0 }),
        },
        delay.low_cut_hz
    ),
    float_row!(
        "dly_highcut",
        "Delay High Cut",
        "Delay",
        "Hz",
        Kind::Float {
            range: DELAY_HIGH_CUT_HZ_RANGE,
            mapping: Mapping::Logarithmic,
            text: TextFormat::Frequency,
            off: Some(OffRule { at: RangeEnd::Max, value: DELAY_HIGH_CUT_HZ_RANGE.1 }),
        },
        delay.high_cut_hz
    ),
    float_row!(
        "dly_saturation",
        "Delay Saturation",
        "Delay",
        "%",
        float(SATURATION_RANGE, Mapping::Linear, TextFormat::Percent),
        delay.saturation
    ),
    ParamSpec {
        id: "dly_time_mode",
        name: "Delay Time Change",
        group: "Delay",
        unit: "",
        kind: choice!(TimeChangeMode::ALL, TimeChangeMode::label),
        target: choice_field!(TimeChangeMode::ALL; delay.time_change),
    },
    float_row!(
        "dly_mod_rate",
        "Delay Mod Rate",
        "Delay",
        "Hz",
        float(DELAY_MOD_RATE_HZ_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
        delay.mod_rate_hz
    ),
    float_row!(
        "dly_mod_depth",
        "Delay Mod Depth",
        "Delay",
        "ms",
        float(DELAY_MOD_DEPTH_MS_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Milliseconds),
        delay.mod_depth_ms
    ),
    float_row!(
        "dly_duck",
        "Delay Ducking",
        "Delay",
        "dB",
        float(DUCK_AMOUNT_DB_RANGE, Mapping::Linear, TextFormat::Decibels),
        delay.duck_amount_db
    ),
    float_row!(
        "dly_duck_release",
        "Delay Duck Release",
        "Delay",
        "ms",
        float(DUCK_RELEASE_MS_RANGE, Mapping::Skewed { skew: -1.5 }, TextFormat::Milliseconds),
        delay.duck_release_ms
    ),
    switch_row!("dly_freeze", "Delay Freeze", "Delay", delay.freeze),
    float_row!(
        "dly_mix",
        "Delay Mix",
        "Delay",
        "%",
        float(DELAY_MIX_RANGE, Mapping::Linear, TextFormat::Percent),
        delay.mix
    ),
];

/// The reverb stage, then the host bypass.
const REVERB_AND_BYPASS: [ParamSpec; 19] = [
    switch_row!("reverb_on", "Reverb On", "Reverb", reverb_on),
    float_row!(
        "rv_decay",
        "Reverb Decay",
        "Reverb",
        "s",
        float(DECAY_S_RANGE, Mapping::Skewed { skew: -1.5 }, TextFormat::Seconds),
        reverb.decay_s
    ),
    float_row!(
        "rv_size",
        "Reverb Size",
        "Reverb",
        "m",
        float(SIZE_M_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
        reverb.size_m
    ),
    float_row!(
        "rv_predelay",
        "Reverb Pre-delay",
        "Reverb",
        "ms",
        float(PRE_DELAY_MS_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Milliseconds),
        reverb.pre_delay_ms
    ),
    float_row!(
        "rv_low_mult",
        "Reverb Low Mult",
        "Reverb",
        "x",
        float(LOW_MULT_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
        reverb.low_mult
    ),
    float_row!(
        "rv_low_xover",
        "Reverb Low Crossover",
        "Reverb",
        "Hz",
        frequency(LOW_CROSSOVER_HZ_RANGE),
        reverb.low_crossover_hz
    ),
    float_row!(
        "rv_high_mult",
        "Reverb High Mult",
        "Reverb",
        "x",
        float(HIGH_MULT_RANGE, Mapping::Skewed { skew: 0.0 }, TextFormat::Number),
        reverb.high_mult
    ),
    float_row!(
        "rv_high_xover",
        "Reverb High Crossover",
        "Reverb",
        "Hz",
        frequency(HIGH_CROSSOVER_HZ_RANGE),
        reverb.high_crossover_hz
    ),
    float_row!(
        "rv_early_level",
        "Reverb Early Level",
        "Reverb",
        "%",
        float(EARLY_LEVEL_RANGE, Mapping::Linear, TextFormat::Percent),
        reverb.early_level
    ),
    float_row!(
        "rv_early_size",
        "Reverb Early Size",
        "Reverb",
        "m",
        float(EARLY_SIZE_M_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
        reverb.early_size_m
    ),
    float_row!(
        "rv_mod_rate",
        "Reverb Mod Rate",
        "Reverb",
        "Hz",
        float(MOD_RATE_HZ_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Number),
        reverb.mod_rate_hz
    ),
    float_row!(
        "rv_mod_depth",
        "Reverb Mod Depth",
        "Reverb",
        "ms",
        float(MOD_DEPTH_MS_RANGE, Mapping::Skewed { skew: -1.0 }, TextFormat::Milliseconds),
        reverb.mod_depth_ms
    ),
    float_row!(
        "rv_width",
        "Reverb Width",
        "Reverb",
        "%",
        float(WIDTH_RANGE, Mapping::Linear, TextFormat::Percent),
        reverb.width
    ),
    float_row!("rv_lowcut", "Reverb Low Cut", "Reverb", "Hz", frequency(LOW_CUT_HZ_RANGE), reverb.low_cut_hz),
    float_row!(
        "rv_highcut",
        "Reverb High Cut",
        "Reverb",
        "Hz",
        frequency(HIGH_CUT_HZ_RANGE),
        reverb.high_cut_hz
    ),
    switch_row!("rv_freeze", "Reverb Freeze", "Reverb", reverb.freeze),
    float_row!(
        "rv_mix",
        "Reverb Mix",
        "Reverb",
        "%",
        float(MIX_RANGE, Mapping::Linear, TextFormat::Percent),
        reverb.mix
    ),
    ParamSpec {
        id: "rv_mix_law",
        name: "Reverb Mix Law",
        group: "Reverb",
        unit: "",
        kind: choice!(MixLaw::ALL, MixLaw::name),
        target: choice_field!(MixLaw::ALL; reverb.mix_law),
    },
    ParamSpec {
        id: BYPASS_ID,
        name: "Bypass",
        group: "",
        unit: "",
        kind: Kind::Switch,
        target: Target::HostBypass,
    },
];

/// ID of the host bypass switch.
pub const BYPASS_ID: &str = "bypass";

/// Every parameter, in the order hosts list them.
pub static PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    let mut rows = GAIN_AND_FILTER.to_vec();
    rows.extend(FILTER_BANDS.iter().flatten());
    rows.extend(AGC);
    rows.extend(COMPRESSOR);
    rows.extend(DELAY);
    let (reverb, bypass) = REVERB_AND_BYPASS.split_at(REVERB_AND_BYPASS.len() - 1);
    rows.extend_from_slice(reverb);
    rows.extend(LIMITER);
    rows.extend_from_slice(bypass);
    rows
});

/// The stages in signal-flow order: the first component of every group path except the host
/// bypass's (which has none).
pub const STAGES: [&str; 7] = ["Gain", "Filter", "AGC", "Compressor", "Delay", "Reverb", "Limiter"];

/// The row with this ID.
pub fn find(id: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|p| p.id == id)
}

/// The row index of this ID.
pub fn index(id: &str) -> Option<usize> {
    PARAMS.iter().position(|p| p.id == id)
}

/// Every ID, in table order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    PARAMS.iter().map(|p| p.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_groups_start_with_a_stage() {
        let mut ids: Vec<&str> = ids().collect();
        let mut names: Vec<&str> = PARAMS.iter().map(|p| p.name).collect();
        ids.sort_unstable();
        names.sort_unstable();
        let (id_count, name_count) = (ids.len(), names.len());
        ids.dedup();
        names.dedup();
        assert_eq!(ids.len(), id_count, "duplicate id");
        assert_eq!(names.len(), name_count, "duplicate name");
        for p in PARAMS.iter() {
            let stage = p.group.split('/').next().unwrap();
            assert!(
                STAGES.contains(&stage) || matches!(p.target, Target::HostBypass),
                "{}: group {}",
                p.id,
                p.group
            );
            assert!(p.accepts(p.default_value()), "{}: default outside its range", p.id);
        }
    }

    /// Every ID Runnel 0.1 had (its `#[id]`/`id_prefix` attributes) is still here: hosts, saved
    /// projects and automation refer to them.
    #[test]
    fn every_0_1_id_is_kept() {
        const IDS_0_1: &str = "in_gain out_gain filter_on hp_on hp_freq hp_slope hp_q lp_on lp_freq lp_slope lp_q \
            ls_on ls_freq ls_gain ls_q hs_on hs_freq hs_gain hs_q b1_on b1_freq b1_gain b1_q b2_on b2_freq b2_gain b2_q \
            notch_on notch_mode notch_freq notch_q delay_on dly_time dly_sync dly_note dly_note_mod dly_offset \
            dly_pingpong dly_feedback dly_lowcut dly_highcut dly_saturation dly_time_mode dly_mod_rate dly_mod_depth \
            dly_duck dly_duck_release dly_freeze dly_mix reverb_on rv_decay rv_size rv_predelay rv_low_mult \
            rv_low_xover rv_high_mult rv_high_xover rv_early_level rv_early_size rv_mod_rate rv_mod_depth rv_width \
            rv_lowcut rv_highcut rv_freeze rv_mix rv_mix_law";
        for id in IDS_0_1.split_whitespace() {
            assert!(find(id).is_some(), "0.1 id `{id}` is gone");
        }
        let dynamics = AGC.len() + COMPRESSOR.len() + LIMITER.len();
        assert_eq!(
            PARAMS.len(),
            IDS_0_1.split_whitespace().count() + dynamics + 1,
            "0.1's ids, the dynamics stages' and the host bypass"
        );
    }

    /// The AGC's loudness rows read and take LUFS, the unit hosts show beside them.
    #[test]
    fn agc_target_and_gate_are_in_lufs() {
        for id in ["agc_target", "agc_gate"] {
            let row = find(id).unwrap();
            assert_eq!(row.plugin_unit(), "LUFS", "{id}");
            assert_eq!(row.value_text(-23.0), "-23.0 LUFS", "{id}");
            assert_eq!(row.value_text_without_unit(-23.0), "-23.0 ", "{id}");
            for typed in ["-23", "-23 LUFS", "-23LUFS", "-23 lufs", "-23.0 LUFS"] {
                assert_eq!(row.parse_text(typed), Some(-23.0), "{id}: {typed}");
            }
            assert_eq!(row.parse_text("-23 dB"), None, "{id}");
            let default = row.default_value();
            assert_eq!(row.parse_text(&row.value_text(default)), Some(default), "{id}");
        }
    }

    /// The infinite-ratio switch: off by default, in the compressor's group, and settings that
    /// ask for ∞ through the ratio field itself read as the switch on.
    #[test]
    fn infinite_ratio_is_a_compressor_switch() {
        let row = find("comp_ratio_inf").unwrap();
        assert!(matches!(row.kind, Kind::Switch));
        assert_eq!(row.group, "Compressor");
        assert_eq!(row.default_value(), 0.0);
        let Target::Settings { read, write } = row.target else { panic!("not a setting") };
        let mut settings = EngineSettings::default();
        write(&mut settings, 1.0);
        assert!(settings.compressor.infinite_ratio);
        let over = override_of("comp_ratio").unwrap();
        assert_eq!((over.switch, find(over.switch).is_some()), ("comp_ratio_inf", true));
        let mut by_ratio = EngineSettings::default();
        by_ratio.compressor.ratio = f32::INFINITY;
        assert_eq!(read(&by_ratio), 1.0);
    }

    /// pedalboard (and hosts like it) scan 1001 evenly spaced positions and treat a parameter as
    /// stepped where neighbouring positions share a text; every continuous row must show a new
    /// text at every scan step, except where the value moves by less than 0.01 % of the range
    /// (the flat bottom of a skewed range, e.g. microseconds of modulation depth).
    #[test]
    fn neighbouring_scan_positions_have_different_texts() {
        for p in PARAMS.iter().filter(|p| p.is_continuous()) {
            let Kind::Float { range, .. } = p.kind else { unreachable!() };
            let values: Vec<f32> = (0..=1000).map(|k| p.unnormalize(k as f32 / 1000.0)).collect();
            for pair in values.windows(2) {
                let (a, b) = (p.value_text(pair[0]), p.value_text(pair[1]));
                let moved = (pair[1] - pair[0]).abs() / (range.1 - range.0);
                assert!(a != b || moved < 1e-4, "{}: {} and {} both read {a:?}", p.id, pair[0], pair[1]);
            }
        }
    }
}
