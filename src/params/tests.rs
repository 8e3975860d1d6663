//! The spec walk: every row of the engine's parameter table becomes a plugin parameter whose
//! normalized and plain values, texts and settings agree with the table; and the 0.1.0 state
//! fixture migrates to bit-identical settings.

use nice_plug::params::InternalParamMut;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;

use runnel_engine::engine::{Engine, EngineSettings};
use runnel_engine::params::{find, parse_assignment, ParamValues, Target, PARAMS};
use runnel_engine::presets::{factory, Preset};

use super::migration::{self, LAYOUT_KEY};
use super::{PluginParam, RunnelParams};

/// Sets a plugin parameter from a normalized value, as the wrappers do.
fn set_normalized(param: &PluginParam, normalized: f32) {
    // SAFETY: the pointer points into `param`, alive for this call.
    unsafe { param.as_ptr()._internal_set_normalized_value(normalized) };
}

/// Sets a plugin parameter's plain value, as state loading does.
fn set_plain(param: &PluginParam, plain: f32) {
    // SAFETY: plain setters on parameters we own; nothing else reads them concurrently.
    unsafe {
        match param {
            PluginParam::Float(p) => p._internal_set_plain_value(plain),
            PluginParam::Choice(p) => p._internal_set_plain_value(plain as i32),
            PluginParam::Switch(p) => p._internal_set_plain_value(plain >= 0.5),
        };
    }
}

/// The host-visible text of a plugin parameter at a normalized value (unit included).
fn host_text(param: &PluginParam, normalized: f32) -> String {
    // SAFETY: as above.
    unsafe { param.as_ptr().normalized_value_to_string(normalized, true) }
}

#[test]
fn param_map_is_the_table() {
    let params = RunnelParams::default();
    let map = params.param_map();
    assert_eq!(map.len(), PARAMS.len(), "one plugin parameter per table row");
    for ((id, ptr, group), spec) in map.iter().zip(PARAMS.iter()) {
        assert_eq!(id, spec.id);
        assert_eq!(group, spec.group);
        // SAFETY: pointers into `params`, alive here.
        unsafe {
            assert_eq!(ptr.name(), spec.name);
            assert_eq!(ptr.unit(), spec.plugin_unit());
            assert!(
                (ptr.default_normalized_value() - spec.normalize(spec.default_value())).abs() < 1e-6,
                "{id} default"
            );
        }
    }
    let bypass = params.param("bypass").expect("host bypass parameter");
    // SAFETY: as above.
    assert!(unsafe { bypass.as_ptr().flags() }.contains(ParamFlags::BYPASS));
    assert!(!params.bypassed());
}

/// For every row and several positions: plugin normalized → plugin value → DSP value equals the
/// table's own mapping; the DSP value survives preset-style storage (ParamValues, settings) and
/// the CLI text (`id=text`) round trip; and setting the plugin from that value comes back.
#[test]
fn every_param_round_trips_plugin_values_settings_and_cli_text() {
    let params = RunnelParams::default();
    for (spec, param) in params.iter() {
        for t in [0.0f32, 0.013, 0.25, 0.5, 0.61, 0.9, 1.0] {
            set_normalized(param, t);
            let value = spec.from_plugin_plain(param.plain());
            let expected = spec.unnormalize(t);
            let close = |a: f32, b: f32| a == b || (a - b).abs() <= 1e-5 * a.abs().max(1.0);
            assert!(close(value, expected), "{}: plugin {value} vs table {expected} at {t}", spec.id);
            // Range ends come back exactly (0.1's `exp2(log2(20000))` is 19999.996 in f32, and the
            // loop cuts treat their ends as "off"); the gains' bottom is −∞.
            if let (runnel_engine::params::Kind::Float { range, off, .. }, true) =
                (spec.kind, t == 0.0 || t == 1.0)
            {
                let end = if t == 0.0 { range.0 } else { range.1 };
                let end = off.filter(|o| o.value.is_infinite() && t == 0.0).map_or(end, |o| o.value);
                assert_eq!(value, end, "{}: range end at {t}", spec.id);
            }
            // Host text = the table's text.
            assert_eq!(host_text(param, t), spec.value_text(value), "{} text at {t}", spec.id);
            // Preset value: through ParamValues and back via the settings.
            let mut values = ParamValues::defaults();
            values.set(spec.id, value).unwrap();
            if let Target::Settings { read, .. } = spec.target {
                assert_eq!(read(&values.to_settings()), value, "{} through settings", spec.id);
            }
            // Preset file: written and read back.
            let file = Preset::new("walk", "test", "", values.clone()).to_file_text();
            if spec.in_presets() {
                assert_eq!(
                    Preset::parse(&file).unwrap().values.get(spec.id),
                    Some(value),
                    "{} through a preset file",
                    spec.id
                );
            }
            // CLI text: `id=<text>` parses to a value with the same text.
            let text = spec.value_text(value);
            let (_, parsed) =
                parse_assignment(&format!("{}={text}", spec.id)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(spec.value_text(parsed), text, "{}: CLI text round trip", spec.id);
            // And the plugin, set from that value's plain form, reads it back.
            set_plain(param, spec.to_plugin_plain(value));
            assert!(close(spec.from_plugin_plain(param.plain()), value), "{}: plain round trip", spec.id);
        }
    }
}

#[test]
fn engine_settings_follow_the_params() {
    let params = RunnelParams::default();
    assert_eq!(params.engine_settings(), EngineSettings::default());
    set_normalized(params.param("hp_freq").unwrap(), 0.5);
    set_normalized(params.param("dly_mix").unwrap(), 0.5);
    set_normalized(params.param("in_gain").unwrap(), 0.0);
    let s = params.engine_settings();
    assert!((s.filter.high_pass.cutoff_hz - (20.0f32 * 20_000.0).sqrt()).abs() < 0.01);
    assert_eq!(s.delay.mix, 0.5);
    assert_eq!(s.input_gain_db, f32::NEG_INFINITY, "the bottom of the gain range is off (−∞)");
    // The values (presets, CLI) describe the very same settings.
    assert_eq!(params.values().to_settings(), s);
}

/// The committed state written by Runnel 0.1.0, as nice-plug's state object.
fn fixture_state() -> PluginState {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/runnel-0.1.0.state")).unwrap();
    // The CLAP stream starts with a small binary header; the JSON object follows.
    let start = bytes.iter().position(|&b| b == b'{').expect("JSON in the state");
    serde_json::from_slice(&bytes[start..]).expect("0.1.0 state parses")
}

/// Applies a (migrated) state the way nice-plug's `deserialize_object` does.
fn load(params: &RunnelParams, state: &mut PluginState) {
    migration::migrate(state);
    for (id, value) in &state.params {
        let param = params.param(id).unwrap_or_else(|| panic!("0.1 parameter `{id}` is gone"));
        match value {
            ParamValue::F32(v) => set_plain(param, *v),
            ParamValue::I32(v) => set_plain(param, *v as f32),
            ParamValue::Bool(v) => set_plain(param, if *v { 1.0 } else { 0.0 }),
            ParamValue::String(s) => panic!("`{id}`: unexpected enum text {s}"),
        }
    }
}

/// What Runnel 0.1 made of a stored value, written out from 0.1's parameter code
/// (src/params/*.rs at d0b3376): frequencies were `log2(Hz)` read back as
/// `round(exp2(v)·100)/100`, percentages were read as `v / 100`, everything else as is.
fn settings_as_0_1_read_them(state: &PluginState) -> EngineSettings {
    const FREQUENCIES: &[&str] = &[
        "hp_freq",
        "lp_freq",
        "ls_freq",
        "hs_freq",
        "b1_freq",
        "b2_freq",
        "notch_freq",
        "dly_lowcut",
        "dly_highcut",
        "rv_low_xover",
        "rv_high_xover",
        "rv_lowcut",
        "rv_highcut",
    ];
    const PERCENTS: &[&str] =
        &["dly_feedback", "dly_saturation", "dly_mix", "rv_early_level", "rv_width", "rv_mix"];
    let mut settings = EngineSettings::default();
    for (id, value) in &state.params {
        let Target::Settings { write, .. } = find(id).unwrap().target else { continue };
        let v = match value {
            ParamValue::F32(v) if FREQUENCIES.contains(&id.as_str()) => (v.exp2() * 100.0).round() / 100.0,
            ParamValue::F32(v) if PERCENTS.contains(&id.as_str()) => v / 100.0,
            ParamValue::F32(v) => *v,
            ParamValue::I32(v) => *v as f32,
            ParamValue::Bool(v) => f32::from(u8::from(*v)),
            ParamValue::String(_) => unreachable!(),
        };
        write(&mut settings, v);
    }
    settings
}

#[test]
fn state_from_0_1_0_loads_into_bit_identical_settings_and_audio() {
    let original = fixture_state();
    assert!(!original.fields.contains_key(LAYOUT_KEY), "the fixture is a 0.1 (layout 1) state");
    let expected = settings_as_0_1_read_them(&original);
    let params = RunnelParams::default();
    let mut state = original.clone();
    load(&params, &mut state);
    assert_eq!(migration::layout_of(&state), migration::CURRENT_LAYOUT);
    let loaded = params.engine_settings();
    // Field by field, bit for bit (f32 `==`, and −60 dB vs −∞ never arises: no gain is muted).
    assert_eq!(loaded, expected);
    assert_eq!(loaded.delay.mix, 30.000002f32 / 100.0, "the fixture's 30.000002 % as 0.1 read it");
    assert_eq!(loaded.filter.high_pass.cutoff_hz, 120.0);

    // Same settings → same audio; rendered anyway so a future change of the conversion shows.
    let render = |settings: &EngineSettings| {
        let mut engine = Engine::new();
        engine.prepare(48_000.0, 256);
        engine.set_settings(settings);
        let mut left: Vec<f32> =
            (0..24_000).map(|i| ((i as f32 * 0.031).sin() * 0.5) * f32::from(i < 4_800)).collect();
        let mut right = left.clone();
        engine.process_stereo(&mut left, &mut right);
        (left, right)
    };
    let (a, b) = (render(&expected), render(&loaded));
    assert!(a.0.iter().any(|x| x.abs() > 1e-3), "the render is not silent");
    assert!(a == b, "0.1.0 state renders differently after migration");

    // A state saved now carries the layout and is not migrated again.
    let mut saved = PluginState {
        version: String::new(),
        params: state.params.clone(),
        fields: params.serialize_fields(),
    };
    let before = format!("{:?}", saved.params);
    migration::migrate(&mut saved);
    assert_eq!(format!("{:?}", saved.params), before);
}

#[test]
fn factory_presets_load_into_the_plugin_and_come_back() {
    for preset in factory::presets() {
        let params = RunnelParams::default();
        set_normalized(params.param("bypass").unwrap(), 1.0);
        let mut state = RunnelParams::preset_state(&preset);
        assert!(!state.params.contains_key("bypass"), "presets never touch the host bypass");
        load(&params, &mut state);
        assert!(params.bypassed(), "{}: loading a preset changed the bypass", preset.name);
        let back = params.to_preset(&preset.name, &preset.category, &preset.description);
        assert_eq!(back.values.to_settings(), preset.values.to_settings(), "{}", preset.name);
        assert_eq!(params.engine_settings().delay, preset.values.to_settings().delay, "{}", preset.name);
    }
}
