//! Presets: named sets of parameter values in a human-readable TOML file keyed by the stable
//! parameter IDs of [`crate::params::PARAMS`].
//!
//! ```toml
//! format_version = 1
//! name = "Slapback"
//! category = "Delay"
//! description = "One short, bright echo."
//!
//! [params]
//! delay_on = true
//! dly_time = 110.0        # DSP units: ms, Hz, dB, s, 0–1 fractions
//! dly_feedback = 0.1
//! hp_slope = "24 dB/oct"  # choices by their label
//! in_gain = -inf          # gains: −∞ is off
//! ```
//!
//! Values are numbers in DSP units, booleans for switches and labels for choices; a value may
//! also be written as the text a user would type ("1.2 kHz", "35 %"). Parameters a file does not
//! list keep their defaults, so a preset written before a parameter existed still loads and
//! sounds as it did. The host bypass is not part of presets.
//!
//! # Versions
//! `format_version` is 1. A file from a newer format is refused with an error that says so
//! (this version cannot know what a newer one meant); [`migrate`] is where each step from an
//! older format to the next goes, and it refuses versions it has no step for.

pub mod command_line;
pub mod factory;
pub mod user;

use std::fmt;

use toml::{Table, Value};

use crate::params::{find, Kind, ParamError, ParamValues, PARAMS};

/// The format this version reads and writes.
pub const FORMAT_VERSION: i64 = 1;

/// A named set of parameter values.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Display name, e.g. "Vocal Plate".
    pub name: String,
    /// Category for browsing, e.g. "Reverb", "Delay", "Filter".
    pub category: String,
    /// One or two sentences on what it is for.
    pub description: String,
    /// Every parameter's value (defaults for what the file did not list).
    pub values: ParamValues,
}

/// Why a preset file was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum PresetError {
    /// Not valid TOML.
    Syntax(String),
    /// `format_version` is missing or not an integer.
    MissingVersion,
    /// Written by a newer Runnel, in a format this version does not know.
    NewerFormat {
        /// The file's version.
        found: i64,
    },
    /// An old format this version has no migration step for.
    UnsupportedFormat {
        /// The file's version.
        found: i64,
    },
    /// A required text field (`name`) is missing or not a string.
    MissingField(&'static str),
    /// `[params]` names a parameter that does not exist, or a value it cannot take.
    Param(ParamError),
    /// A value of the wrong TOML type for its parameter.
    WrongType {
        /// The parameter.
        id: &'static str,
        /// What the parameter takes.
        expected: &'static str,
    },
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresetError::Syntax(message) => write!(f, "not a valid preset file: {message}"),
            PresetError::MissingVersion => write!(f, "no `format_version = {FORMAT_VERSION}` line"),
            PresetError::NewerFormat { found } => write!(
                f,
                "preset format {found} is newer than this Runnel understands ({FORMAT_VERSION}); update Runnel"
            ),
            PresetError::UnsupportedFormat { found } => {
                write!(f, "preset format {found} is not supported (this Runnel reads format {FORMAT_VERSION})")
            }
            PresetError::MissingField(field) => write!(f, "the preset has no `{field}`"),
            PresetError::Param(error) => write!(f, "{error}"),
            PresetError::WrongType { id, expected } => write!(f, "`{id}` takes {expected}"),
        }
    }
}

impl std::error::Error for PresetError {}

impl From<ParamError> for PresetError {
    fn from(error: ParamError) -> Self {
        PresetError::Param(error)
    }
}

/// Brings a parsed file from its `format_version` to [`FORMAT_VERSION`]. Each future format
/// change adds one step here (e.g. renamed IDs, changed units), applied in order.
pub fn migrate(table: &mut Table) -> Result<(), PresetError> {
    let version =
        table.get("format_version").and_then(Value::as_integer).ok_or(PresetError::MissingVersion)?;
    match version {
        FORMAT_VERSION => Ok(()),
        v if v > FORMAT_VERSION => Err(PresetError::NewerFormat { found: v }),
        v => Err(PresetError::UnsupportedFormat { found: v }),
    }
}

/// The value of one `[params]` entry in DSP units.
fn value_of(id: &str, value: &Value) -> Result<f32, PresetError> {
    let spec = find(id).filter(|s| s.in_presets()).ok_or_else(|| ParamError::unknown_id(id))?;
    let number = match (value, spec.kind) {
        (Value::String(text), _) => {
            return Ok(crate::params::parse_value(id, text)?.1);
        }
        (Value::Boolean(on), Kind::Switch) => crate::params::spec::switch_value(*on),
        (Value::Float(x), Kind::Float { .. }) => *x as f32,
        (Value::Integer(x), Kind::Float { .. }) => *x as f32,
        (_, Kind::Switch) => return Err(PresetError::WrongType { id: spec.id, expected: "true or false" }),
        (_, Kind::Choice { .. }) => {
            return Err(PresetError::WrongType { id: spec.id, expected: "a choice label (a string)" })
        }
        (_, Kind::Float { .. }) => {
            return Err(PresetError::WrongType { id: spec.id, expected: "a number or a value text" })
        }
    };
    let mut probe = ParamValues::defaults();
    probe.set(spec.id, number)?;
    Ok(number)
}

impl Preset {
    /// A preset of `values` with a name, category and description.
    pub fn new(name: &str, category: &str, description: &str, values: ParamValues) -> Self {
        Self {
            name: name.to_string(),
            category: category.to_string(),
            description: description.to_string(),
            values,
        }
    }

    /// Reads a preset file.
    pub fn parse(text: &str) -> Result<Self, PresetError> {
        let mut table: Table =
            text.parse().map_err(|e: toml::de::Error| PresetError::Syntax(e.to_string()))?;
        migrate(&mut table)?;
        let text_field = |key: &'static str| table.get(key).and_then(Value::as_str).map(str::to_string);
        let name = text_field("name").ok_or(PresetError::MissingField("name"))?;
        let mut values = ParamValues::defaults();
        if let Some(params) = table.get("params") {
            let params = params.as_table().ok_or(PresetError::MissingField("[params]"))?;
            for (id, value) in params {
                let v = value_of(id, value)?;
                values.set(id, v)?;
            }
        }
        Ok(Self {
            name,
            category: text_field("category").unwrap_or_default(),
            description: text_field("description").unwrap_or_default(),
            values,
        })
    }

    /// Writes the preset file: every parameter, grouped by stage in table order, so that
    /// [`parse`](Self::parse) gives back exactly these values.
    pub fn to_file_text(&self) -> String {
        let quoted = |s: &str| Value::String(s.to_string()).to_string();
        let mut out = format!(
            "format_version = {FORMAT_VERSION}\nname = {}\ncategory = {}\ndescription = {}\n\n[params]\n",
            quoted(&self.name),
            quoted(&self.category),
            quoted(&self.description)
        );
        let mut group = "";
        for (spec, value) in self.values.iter().filter(|(spec, _)| spec.in_presets()) {
            if spec.group != group {
                group = spec.group;
                out.push_str(&format!("# {group}\n"));
            }
            let text = match spec.kind {
                Kind::Switch => crate::params::spec::is_on(value).to_string(),
                Kind::Choice { .. } => quoted(&spec.value_text(value)),
                // `{}` prints the shortest text that reads back as the same f32; TOML wants a
                // decimal point or an exponent to call it a float, but integers read too.
                Kind::Float { .. } if value.is_infinite() => {
                    if value < 0.0 { "-inf" } else { "inf" }.to_string()
                }
                Kind::Float { .. } => format!("{value}"),
            };
            out.push_str(&format!("{} = {text}\n", spec.id));
        }
        out
    }

    /// The IDs a preset file stores (every parameter but the host bypass).
    pub fn ids() -> impl Iterator<Item = &'static str> {
        PARAMS.iter().filter(|p| p.in_presets()).map(|p| p.id)
    }
}

#[cfg(test)]
mod tests;
