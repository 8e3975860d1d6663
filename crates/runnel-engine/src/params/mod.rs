//! Runnel's parameters, framework-free: the one table ([`spec::PARAMS`]) every front end derives
//! its parameters from, value ↔ text conversion ([`format`]), and values ↔ engine settings
//! ([`values`]).

pub mod format;
pub mod spec;
pub mod values;

pub use spec::{
    find, Kind, Mapping, OffRule, ParamSpec, RangeEnd, Target, TextFormat, BYPASS_ID, PARAMS, STAGES,
};
pub use values::{parse_assignment, parse_value, ParamError, ParamValues};
