//! What the host tests expect of Runnel's parameters: one table to update as parameters are
//! added, plus the texts users type in each unit.
//!
//! Everything else in the suite is generic over the parameter list the plugin reports, so a new
//! parameter is covered (round trips, ranges, automation, state, thread safety, the VST3
//! comparison) without touching the tests. The table pins what must never drift: IDs, names,
//! modules, ranges, defaults and the exact texts for what users type.

/// Expectations for one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Stable string ID (the key in saved state; hashed into the CLAP/VST3 ID).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Module path: the stage group.
    pub module: &'static str,
    /// Text of the lowest value (CLAP text, unit included).
    pub min_text: &'static str,
    /// Text of the highest value.
    pub max_text: &'static str,
    /// Text of the default value.
    pub default_text: &'static str,
    /// `(what a user types, the text the value must then show)`.
    pub typed: &'static [(&'static str, &'static str)],
    /// `true`: the tests fail if the plugin lacks this parameter. `false`: planned; checked
    /// when present, reported when absent. Flip to `true` when the parameter lands.
    pub required: bool,
}

/// What users type into a dB field.
const DB_TYPED: &[(&str, &str)] = &[
    ("-6", "-6.0 dB"),
    ("\u{2212}6 dB", "-6.0 dB"),
    ("-6.0dB", "-6.0 dB"),
    ("+3.5 dB", "3.5 dB"),
    ("-inf", "-inf dB"),
    ("0", "0.0 dB"),
];

/// What users type into a frequency field.
const HZ_TYPED: &[(&str, &str)] = &[
    ("1.2k", "1.20 kHz"),
    ("1200", "1.20 kHz"),
    ("1.2 kHz", "1.20 kHz"),
    ("80", "80 Hz"),
    ("80 Hz", "80 Hz"),
];

/// What users type into a delay-time field.
const MS_TYPED: &[(&str, &str)] = &[("350ms", "350 ms"), ("0.35 s", "350 ms"), ("350", "350 ms")];

/// What users type into a decay-time field.
const SECONDS_TYPED: &[(&str, &str)] = &[("2.5", "2.5 s"), ("2.5 s", "2.5 s"), ("2500ms", "2.5 s")];

/// What users type into a percent field.
const PERCENT_TYPED: &[(&str, &str)] = &[("35", "35 %"), ("35%", "35 %"), ("35 %", "35 %")];

/// What users type into a loudness field.
const LUFS_TYPED: &[(&str, &str)] = &[
    ("-23", "-23.0 LUFS"),
    ("-23 LUFS", "-23.0 LUFS"),
    ("-23LUFS", "-23.0 LUFS"),
    ("-16.5 lufs", "-16.5 LUFS"),
];

/// What users type into an on/off field.
const SWITCH_TYPED: &[(&str, &str)] = &[("on", "On"), ("off", "Off"), ("On", "On"), ("Off", "Off")];

/// THE parameter table. The lead updates it as parameters are added; keep `required: false` for
/// parameters that are planned but not in the bundle yet.
pub const PARAM_SPECS: &[ParamSpec] = &[
    ParamSpec {
        id: "in_gain",
        name: "Input Gain",
        module: "Gain",
        min_text: "-inf dB",
        max_text: "24.0 dB",
        default_text: "0.0 dB",
        typed: DB_TYPED,
        required: true,
    },
    ParamSpec {
        id: "out_gain",
        name: "Output Gain",
        module: "Gain",
        min_text: "-inf dB",
        max_text: "24.0 dB",
        default_text: "0.0 dB",
        typed: DB_TYPED,
        required: true,
    },
    // Stage switches ("<Stage> On", in the stage's group).
    ParamSpec {
        id: "filter_on",
        name: "Filter On",
        module: "Filter",
        min_text: "Off",
        max_text: "On",
        default_text: "On",
        typed: SWITCH_TYPED,
        required: true,
    },
    ParamSpec {
        id: "delay_on",
        name: "Delay On",
        module: "Delay",
        min_text: "Off",
        max_text: "On",
        default_text: "On",
        typed: SWITCH_TYPED,
        required: true,
    },
    ParamSpec {
        id: "reverb_on",
        name: "Reverb On",
        module: "Reverb",
        min_text: "Off",
        max_text: "On",
        default_text: "On",
        typed: SWITCH_TYPED,
        required: true,
    },
    // The compressor's ∞:1 switch beside its ratio, and the AGC's loudness rows in LUFS.
    ParamSpec {
        id: "comp_ratio_inf",
        name: "Compressor Infinite Ratio",
        module: "Compressor",
        min_text: "Off",
        max_text: "On",
        default_text: "Off",
        typed: SWITCH_TYPED,
        required: true,
    },
    ParamSpec {
        id: "agc_target",
        name: "AGC Target",
        module: "AGC",
        min_text: "-30.0 LUFS",
        max_text: "-6.0 LUFS",
        default_text: "-18.0 LUFS",
        typed: LUFS_TYPED,
        required: true,
    },
    ParamSpec {
        id: "agc_gate",
        name: "AGC Gate",
        module: "AGC",
        min_text: "-60.0 LUFS",
        max_text: "-30.0 LUFS",
        default_text: "-50.0 LUFS",
        typed: &[("-45", "-45.0 LUFS"), ("-45 LUFS", "-45.0 LUFS"), ("-45LUFS", "-45.0 LUFS")],
        required: true,
    },
    ParamSpec {
        id: "hp_freq",
        name: "HP Cutoff",
        module: "Filter/High-pass",
        min_text: "20 Hz",
        max_text: "20.0 kHz",
        default_text: "80 Hz",
        typed: HZ_TYPED,
        required: true,
    },
    ParamSpec {
        id: "b1_gain",
        name: "Bell 1 Gain",
        module: "Filter/Bell 1",
        min_text: "-24.0 dB",
        max_text: "24.0 dB",
        default_text: "0.0 dB",
        typed: &[("-6", "-6.0 dB"), ("+3.5 dB", "3.5 dB")],
        required: true,
    },
    ParamSpec {
        id: "dly_time",
        name: "Delay Time",
        module: "Delay",
        min_text: "1.00 ms",
        max_text: "4000 ms",
        default_text: "350 ms",
        typed: MS_TYPED,
        required: true,
    },
    ParamSpec {
        id: "dly_feedback",
        name: "Delay Feedback",
        module: "Delay",
        min_text: "0 %",
        max_text: "100 %",
        default_text: "35 %",
        typed: PERCENT_TYPED,
        required: true,
    },
    ParamSpec {
        id: "dly_note",
        name: "Delay Note",
        module: "Delay",
        min_text: "1/64",
        max_text: "4 bars",
        default_text: "1/8",
        typed: &[("1/4", "1/4"), ("1 bar", "1 bar")],
        required: true,
    },
    ParamSpec {
        id: "rv_decay",
        name: "Reverb Decay",
        module: "Reverb",
        min_text: "0.100 s",
        max_text: "30.0 s",
        default_text: "2.0 s",
        typed: SECONDS_TYPED,
        required: true,
    },
    ParamSpec {
        id: "rv_mix",
        name: "Reverb Mix",
        module: "Reverb",
        min_text: "0 %",
        max_text: "100 %",
        default_text: "30 %",
        typed: PERCENT_TYPED,
        required: true,
    },
];

/// Top-level module (stage group) names a parameter may live in: the stages of the engine's
/// parameter table (the host bypass, at the top level, is checked separately).
pub const STAGE_MODULES: &[&str] = &runnel_engine::params::STAGES;

/// String IDs of the stage on/off switches; turning all of them off must give bit-exact
/// passthrough (with unity gains).
pub const STAGE_SWITCHES: &[&str] =
    &["filter_on", "agc_on", "compressor_on", "delay_on", "reverb_on", "limiter_on"];

/// Switches of the stages that ring after the input stops (the tail check needs one of them).
pub const TAIL_STAGE_SWITCHES: &[&str] = &["delay_on", "reverb_on"];

/// Typed texts by unit, for every parameter whose value text carries that unit:
/// `(typed, value in the unit's base, e.g. Hz, ms, s, %, dB)`. Applied only when the value lies
/// inside the parameter's range.
pub const TYPED_BY_UNIT: &[(&str, &[(&str, f64)])] = &[
    ("dB", &[("-6", -6.0), ("\u{2212}6 dB", -6.0), ("+3.5db", 3.5), ("-12.5 dB", -12.5)]),
    ("Hz", &[("1.2k", 1200.0), ("1.2 kHz", 1200.0), ("1200", 1200.0), ("1200 Hz", 1200.0), ("80 Hz", 80.0)]),
    ("ms", &[("350ms", 350.0), ("0.35 s", 350.0), ("350", 350.0), ("12 ms", 12.0)]),
    ("s", &[("2.5 s", 2.5), ("2500ms", 2.5), ("2.5", 2.5)]),
    ("%", &[("35 %", 35.0), ("35%", 35.0), ("35", 35.0)]),
    (
        "LUFS",
        &[("-23", -23.0), ("-23 LUFS", -23.0), ("-23LUFS", -23.0), ("-23 lufs", -23.0), ("-45 LUFS", -45.0)],
    ),
];

/// Parses a display text such as "−6.0 dB", "1.20 kHz", "350 ms", "−∞ dB", "-inf dB" into a number in the
/// unit's base (kHz → Hz) and the base unit. `None` for texts without a leading number.
pub fn display_to_plain(text: &str) -> Option<(f64, String)> {
    let t = text.trim().replace('\u{2212}', "-");
    let (number, rest) = if let Some(rest) = t.strip_prefix("-\u{221e}").or_else(|| t.strip_prefix("-inf")) {
        (f64::NEG_INFINITY, rest)
    } else if let Some(rest) = t.strip_prefix('\u{221e}') {
        (f64::INFINITY, rest)
    } else {
        let end = t
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0)))
            .map_or(t.len(), |(i, _)| i);
        (t[..end].parse::<f64>().ok()?, &t[end..])
    };
    let unit = rest.trim();
    match unit.strip_prefix('k') {
        Some(base) if !base.is_empty() => Some((number * 1000.0, base.to_string())),
        _ => Some((number, unit.to_string())),
    }
}
