//! Runnel in a real CLAP host: a small host on `clack-host` loads the bundled `Runnel.clap`
//! (`cargo xtask bundle runnel --release` first; `RUNNEL_BUNDLE_DIR` overrides the folder) and
//! checks what DAWs rely on. Each check is its own test so the output names it.
//!
//! The checks are generic over the parameter list the plugin reports; `clap_host/spec.rs` holds
//! the one table of specific IDs, names, ranges and typed texts to keep up to date.
//!
//! This suite also writes renders to `target/host-compare/` for `tests/vst3_pedalboard.py`, which
//! must therefore run after `cargo test`.

#[path = "clap_host/editor.rs"]
mod editor;
#[path = "clap_host/harness.rs"]
mod harness;
#[path = "clap_host/hosting.rs"]
mod hosting;
#[path = "clap_host/presets.rs"]
mod presets;
#[path = "clap_host/signals.rs"]
mod signals;
#[path = "clap_host/spec.rs"]
mod spec;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use clack_extensions::tail::TailLength;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

use harness::{clap_id_for, entry, Automation, ParamDesc, Plugin, Processor, PLUGIN_ID};
use runnel_engine::params::PARAMS;
use runnel_engine::presets::factory;
use runnel_plugin::params::RunnelParams;
use signals::{concat, first_non_finite, is_subnormal, peak, program, silence, sine, Rng};
use spec::{
    display_to_plain, PARAM_SPECS, STAGE_MODULES, STAGE_SWITCHES, TAIL_STAGE_SWITCHES, TYPED_BY_UNIT,
};

/// Output below this (−100 dBFS) counts as quiet: what a host may cut when it puts a plugin to
/// sleep without anyone hearing a difference.
const QUIET: f32 = 1e-5;

/// Sample rates every activation check runs at.
const SAMPLE_RATES: [f64; 5] = [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0];

/// Maximum block sizes every activation check runs with.
const MAX_BLOCKS: [u32; 4] = [1, 64, 512, 8192];

/// CLAP IDs pinned as numbers: projects saved by hosts refer to these, so a change in how IDs
/// are derived (e.g. a nice-plug upgrade) must fail loudly.
const PINNED_CLAP_IDS: &[(&str, u32)] = &[("in_gain", 1_938_712_153), ("out_gain", 54_048_208)];

/// Name, vendor and features the descriptor must carry.
const PLUGIN_NAME: &str = "Runnel";
const PLUGIN_VENDOR: &str = "Runnel Audio";
const REQUIRED_FEATURES: &[&str] = &["audio-effect", "stereo", "filter", "delay", "reverb"];

/// The saved state committed under `tests/data/`, written by Runnel 0.1.0 with the values below
/// (one per stage), which every later version must read back.
const STATE_FIXTURE: &str = "tests/data/runnel-0.1.0.state";
const STATE_FIXTURE_TEXTS: &[(&str, &str)] = &[
    ("in_gain", "-6.0 dB"),
    ("out_gain", "3.5 dB"),
    ("hp_on", "On"),
    ("hp_freq", "120 Hz"),
    ("hp_slope", "24 dB/oct"),
    ("dly_time", "420 ms"),
    ("dly_pingpong", "On"),
    ("rv_decay", "3.5 s"),
    ("rv_mix", "25 %"),
];

// ----------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------

/// Turns every stage switch the plugin has off and both gains to 0 dB: the chain must then be
/// an exact wire. Returns the switches that do not exist yet.
fn set_passthrough(p: &mut Plugin) -> Vec<&'static str> {
    let mut changes = Vec::new();
    let mut missing = Vec::new();
    for &switch in STAGE_SWITCHES {
        match p.param(switch) {
            Some(d) => changes.push((d.id, d.min)),
            None => missing.push(switch),
        }
    }
    // Unity gain is the gains' default (the spec table checks that it reads "0.0 dB"); setting
    // it by value rather than by text keeps a text-parsing bug from failing unrelated checks.
    for gain in ["in_gain", "out_gain"] {
        let d = p.expect_param(gain);
        changes.push((d.id, d.default));
    }
    p.flush(&changes);
    missing
}

/// Whether the parameter is one of the two gains (random settings keep those audible).
fn is_gain(d: &ParamDesc) -> bool {
    matches!(d.string_id.as_deref(), Some("in_gain" | "out_gain"))
}

/// Random values for every parameter. Continuous values sit on a 1/4096 grid so that f32 and
/// f64 hold them exactly and a VST3 host can set the very same values; gains stay between about
/// −14 and +11 dB so the output stays meaningful.
fn random_settings(p: &Plugin, rng: &mut Rng) -> Vec<(ClapId, f64)> {
    p.params
        .iter()
        .map(|d| {
            let t = if is_gain(d) { 0.55 + 0.3 * rng.unit() } else { rng.unit() };
            let v = if d.is_stepped() { d.value_at(t) } else { (t * 4096.0).round() / 4096.0 * d.max };
            (d.id, v)
        })
        .collect()
}

/// Block sizes a demanding host produces: a fixed opening (empty, single-frame, full and
/// off-by-one blocks), then random sizes between 0 and the maximum.
fn host_like_blocks(max: u32, seed: u64) -> impl FnMut() -> usize {
    let max = max as usize;
    let opening = [0, 1, 0, max, 1, 2, max.saturating_sub(1), 0, max];
    let mut i = 0;
    let mut rng = Rng::new(seed);
    move || {
        i += 1;
        match opening.get(i - 1) {
            Some(&n) => n,
            None => rng.int(0, max),
        }
    }
}

/// Asserts every sample is finite and below `limit` in magnitude.
fn assert_finite_bounded(signal: &[Vec<f32>], limit: f32, what: &str) {
    if let Some((c, i, x)) = first_non_finite(signal) {
        panic!("{what}: non-finite output {x} at channel {c} frame {i}");
    }
    let pk = peak(signal);
    assert!(pk <= limit, "{what}: output peak {pk} exceeds {limit}");
}

/// Asserts two renders are bit-identical, naming the first difference.
fn assert_bit_identical(a: &[Vec<f32>], b: &[Vec<f32>], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: channel count");
    for (c, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.len(), y.len(), "{what}: length of channel {c}");
        if let Some(i) = x.iter().zip(y).position(|(p, q)| p.to_bits() != q.to_bits()) {
            panic!("{what}: channel {c} differs first at frame {i}: {} vs {}", x[i], y[i]);
        }
    }
}

/// Base unit of a parameter's value text ("dB", "Hz", "ms", "s", "%", "" for switches).
fn unit_of(p: &mut Plugin, d: &ParamDesc) -> String {
    let text = p.text(d.id, d.default).unwrap_or_default();
    display_to_plain(&text).map(|(_, unit)| unit).unwrap_or_default()
}

/// The CLAP texts at the ends of a parameter's range, parsed into numbers in the base unit.
fn plain_range(p: &mut Plugin, d: &ParamDesc) -> Option<(f64, f64)> {
    let lo = display_to_plain(&p.text(d.id, d.min)?)?.0;
    let hi = display_to_plain(&p.text(d.id, d.max)?)?.0;
    Some((lo.min(hi), lo.max(hi)))
}

// ----------------------------------------------------------------------------------------------
// Descriptor and ports
// ----------------------------------------------------------------------------------------------

#[test]
fn descriptor_has_id_name_vendor_version_and_features() {
    let factory = entry().get_plugin_factory().expect("the entry has no plugin factory");
    let descriptors: Vec<_> = factory.plugin_descriptors().collect();
    assert_eq!(descriptors.len(), 1, "the bundle should hold exactly one plugin");
    let d = descriptors[0];
    let text = |s: Option<&std::ffi::CStr>| s.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    assert_eq!(text(d.id()), PLUGIN_ID);
    assert_eq!(text(d.name()), PLUGIN_NAME);
    assert_eq!(text(d.vendor()), PLUGIN_VENDOR);
    assert_eq!(text(d.version()), env!("CARGO_PKG_VERSION"), "bundle built from another version");
    assert!(!text(d.url()).is_empty(), "no URL");
    assert!(!text(d.description()).is_empty(), "no description");
    let features: Vec<String> = d.features().map(|f| f.to_string_lossy().into_owned()).collect();
    for required in REQUIRED_FEATURES {
        assert!(features.iter().any(|f| f == required), "feature {required} missing from {features:?}");
    }
    assert_eq!(features[0], "audio-effect", "the main category should come first: {features:?}");
}

#[test]
fn audio_ports_are_stereo_in_and_out_with_names() {
    let mut p = Plugin::new();
    assert_eq!(p.audio_port_count(true), 1, "one input port");
    assert_eq!(p.audio_port_count(false), 1, "one output port");
    let input = p.audio_port(0, true).expect("input port info");
    let output = p.audio_port(0, false).expect("output port info");
    for (port, name) in [(&input, "Input"), (&output, "Output")] {
        assert_eq!(port.channel_count, 2, "{port:?}");
        assert!(port.is_main, "{port:?} is not the main port");
        assert_eq!(port.port_type.as_deref(), Some("stereo"), "{port:?}");
        // nice-plug 0.4.2 names the main output after `PortNames::main_input` (a copy-paste slip
        // in `AudioIOLayout::main_output_name`); leaving both names `None` gives the right ones.
        assert_eq!(port.name, name, "name of the main {} port", name.to_lowercase());
    }
    // In-place processing pairs the main ports with each other (hosts save a copy).
    assert_eq!(input.in_place_pair, Some(output.id));
    assert_eq!(output.in_place_pair, Some(input.id));
    assert!(p.audio_port(1, true).is_none(), "no second input port");
}

#[test]
fn audio_ports_config_offers_stereo_and_mono_and_mono_processes() {
    let mut p = Plugin::new();
    let configs = p.port_configs();
    assert!(
        configs.iter().any(|c| c.input_channels == Some(2) && c.output_channels == Some(2)),
        "no stereo configuration in {configs:?}"
    );
    let Some(mono) = configs.iter().find(|c| c.input_channels == Some(1) && c.output_channels == Some(1))
    else {
        eprintln!("note: no mono configuration offered; nothing more to check");
        return;
    };
    assert_eq!(mono.name, "Mono");
    assert!(p.select_port_config(mono.id), "selecting the mono configuration failed");
    let port = p.audio_port(0, true).unwrap();
    assert_eq!((port.channel_count, port.port_type.as_deref()), (1, Some("mono")));
    assert_eq!(p.audio_port(0, false).unwrap().channel_count, 1);

    // Default settings: sane output.
    let mut proc = p.activate(48_000.0, 512).expect("mono activation");
    assert_eq!(proc.channels, 1);
    let input = vec![program(0.5, 48_000.0, 3)[0].clone()];
    let (out, _) = proc.render(&input, host_like_blocks(512, 5), &[]);
    assert_finite_bounded(&out, 100.0, "mono, default settings");
    p.deactivate(proc);

    // Passthrough: an exact wire in mono too.
    set_passthrough(&mut p);
    let mut proc = p.activate(48_000.0, 512).expect("mono re-activation");
    let (out, _) = proc.render(&input, host_like_blocks(512, 6), &[]);
    assert_bit_identical(&out, &input, "mono passthrough");
    p.deactivate(proc);
}

// ----------------------------------------------------------------------------------------------
// Parameters
// ----------------------------------------------------------------------------------------------

#[test]
fn params_from_the_spec_table_exist_with_name_module_range_and_default() {
    let mut p = Plugin::new();
    let mut planned_missing = Vec::new();
    for spec in PARAM_SPECS {
        let Some(d) = p.param(spec.id).cloned() else {
            assert!(!spec.required, "required parameter `{}` is missing", spec.id);
            planned_missing.push(spec.id);
            continue;
        };
        assert_eq!(d.name, spec.name, "name of `{}`", spec.id);
        assert_eq!(d.module, spec.module, "module of `{}`", spec.id);
        assert_eq!(p.text(d.id, d.min).as_deref(), Some(spec.min_text), "lowest value of `{}`", spec.id);
        assert_eq!(p.text(d.id, d.max).as_deref(), Some(spec.max_text), "highest value of `{}`", spec.id);
        assert_eq!(p.text(d.id, d.default).as_deref(), Some(spec.default_text), "default of `{}`", spec.id);
    }
    if !planned_missing.is_empty() {
        eprintln!("note: planned parameters not in this bundle yet: {planned_missing:?}");
    }
}

#[test]
fn param_ids_are_stable_unique_and_all_saved_in_state() {
    let p = Plugin::new();
    assert!(!p.params.is_empty(), "no parameters");
    for d in &p.params {
        let string_id = d
            .string_id
            .as_deref()
            .unwrap_or_else(|| panic!("parameter {} ({}) is not in the saved state", d.id.get(), d.name));
        assert_eq!(d.id.get(), clap_id_for(string_id), "CLAP ID of `{string_id}` is not its hash");
    }
    for &(string_id, id) in PINNED_CLAP_IDS {
        assert_eq!(p.expect_param(string_id).id.get(), id, "pinned CLAP ID of `{string_id}` changed");
    }
    let mut ids: Vec<u32> = p.params.iter().map(|d| d.id.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), p.params.len(), "duplicate CLAP IDs");
    // Names alone must be unique: many VST3 hosts (and pedalboard) show no module.
    let mut names: Vec<&str> = p.params.iter().map(|d| d.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two parameters share a name");
    // A second instance reports the same list in the same order (hosts map by index too).
    let q = Plugin::new();
    let list = |p: &Plugin| p.params.iter().map(|d| (d.id, d.name.clone())).collect::<Vec<_>>();
    assert_eq!(list(&p), list(&q));
}

#[test]
fn param_modules_are_stage_groups() {
    let p = Plugin::new();
    for d in &p.params {
        // The host's bypass switch belongs to no stage.
        if d.flags.contains(clack_extensions::params::ParamInfoFlags::IS_BYPASS) {
            assert_eq!(d.module, "", "the bypass switch is top-level");
            continue;
        }
        let top = d.module.split('/').next().unwrap_or_default();
        assert!(STAGE_MODULES.contains(&top), "`{}` is in module {:?}, not a stage group", d.key(), d.module);
        // A stage's own switch lives in that stage's group ("filter_on" in "Filter").
        if let Some(stage) = d.string_id.as_deref().filter(|id| STAGE_SWITCHES.contains(id)) {
            let stage = stage.trim_end_matches("_on");
            assert!(top.eq_ignore_ascii_case(stage), "switch `{}` lives in {:?}", d.key(), d.module);
        }
    }
}

/// Every row of the engine's parameter table is a host parameter with the row's ID, name, module
/// and texts, and there is nothing else: adding a row is all it takes for a parameter to reach
/// hosts.
#[test]
fn every_row_of_the_parameter_table_is_a_host_parameter() {
    let mut p = Plugin::new();
    assert_eq!(p.params.len(), PARAMS.len(), "host parameters vs table rows");
    for (d, spec) in p.params.clone().iter().zip(PARAMS.iter()) {
        assert_eq!(d.string_id.as_deref(), Some(spec.id), "order of the table");
        assert_eq!(d.name, spec.name, "`{}` name", spec.id);
        assert_eq!(d.module, spec.group, "`{}` module", spec.id);
        let expected = [
            (d.min, spec.value_text(spec.unnormalize(0.0))),
            (d.max, spec.value_text(spec.unnormalize(1.0))),
            (d.default, spec.value_text(spec.default_value())),
        ];
        for (value, text) in expected {
            assert_eq!(p.text(d.id, value), Some(text), "`{}` at {value}", spec.id);
        }
    }
    let bypass = p.expect_param("bypass");
    use clack_extensions::params::ParamInfoFlags as F;
    assert!(bypass.flags.contains(F::IS_BYPASS), "`bypass` carries the CLAP bypass flag");
}

/// Every factory preset loads into the plugin through `clap.state` (as the editor's browser and
/// hosts will load them), shows the preset's values, and sounds: finite, audible, bounded.
#[test]
fn every_factory_preset_loads_through_the_host_and_sounds() {
    let sr = 48_000.0;
    let input = concat(program(0.5, sr, 5), &silence(24_000, 2));
    for preset in factory::presets() {
        let mut p = Plugin::new();
        let json = serde_json::to_vec(&RunnelParams::preset_state(&preset)).unwrap();
        let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
        bytes.extend(json);
        p.load_state(&bytes).unwrap_or_else(|e| panic!("{}: {e}", preset.name));
        for (spec, value) in preset.values.iter().filter(|(spec, _)| spec.in_presets()) {
            let d = p.expect_param(spec.id);
            assert_eq!(p.current_text(d.id), spec.value_text(value), "{}: `{}`", preset.name, spec.id);
        }
        let mut proc = p.activate(sr, 512).unwrap();
        let out = proc.render_fixed(&input, 512);
        p.deactivate(proc);
        assert_finite_bounded(&out, 4.0, &preset.name);
        assert!(peak(&out) > 1e-2, "{}: silent", preset.name);
    }
}

#[test]
fn param_ranges_defaults_and_flags_are_consistent() {
    let mut p = Plugin::new();
    for d in p.params.clone() {
        let key = d.key();
        assert_eq!(d.min, 0.0, "`{key}` min");
        if d.is_stepped() {
            assert!(d.max >= 1.0 && d.max.fract() == 0.0, "`{key}` stepped max {}", d.max);
            // nice-plug computes stepped CLAP values as `f32 normalized × step count`, so a
            // default of 1 of 6 steps arrives as 1.00000003; hosts round stepped values.
            assert!((d.default - d.default.round()).abs() < 1e-6, "`{key}` stepped default {}", d.default);
        } else {
            assert_eq!(d.max, 1.0, "`{key}` max");
        }
        assert!((d.min..=d.max).contains(&d.default), "`{key}` default {} outside range", d.default);
        assert_eq!(p.value(d.id), d.default, "`{key}` fresh value is not its default");
        let flags = d.flags;
        use clack_extensions::params::ParamInfoFlags as F;
        assert!(flags.contains(F::IS_AUTOMATABLE), "`{key}` is not automatable");
        assert!(!flags.contains(F::IS_READONLY) && !flags.contains(F::IS_HIDDEN), "`{key}` hidden/read-only");
        // Both ends and the default must have a text (hosts show these in lists).
        for v in [d.min, d.max, d.default] {
            let text = p.text(d.id, v).unwrap_or_else(|| panic!("`{key}` has no text for {v}"));
            assert!(!text.trim().is_empty(), "`{key}` text for {v} is blank");
        }
    }
}

#[test]
fn param_value_to_text_to_value_round_trips() {
    let mut p = Plugin::new();
    let mut rng = Rng::new(17);
    for d in p.params.clone() {
        let key = d.key();
        let mut positions = vec![0.0, 0.001, 0.1, 0.25, 1.0 / 3.0, 0.5, 0.71, 0.9, 0.999, 1.0];
        positions.extend((0..4).map(|_| rng.unit()));
        for t in positions {
            let v = d.value_at(t);
            let text = p.text(d.id, v).unwrap_or_else(|| panic!("`{key}`: no text for {v}"));
            let back = p
                .parse(d.id, &text)
                .unwrap_or_else(|| panic!("`{key}`: its own text {text:?} does not parse"));
            let again = p.text(d.id, back).unwrap();
            assert_eq!(again, text, "`{key}`: {v} → {text:?} → {back} → {again:?}");
            if d.is_stepped() {
                // Same f32 rounding as for the defaults above: within 1e-6 of the step.
                assert!(
                    (back - v).abs() < 1e-6,
                    "`{key}`: stepped value {v} came back as {back} via {text:?}"
                );
            } else {
                // Texts are rounded for display; what comes back must still be close.
                assert!((back - v).abs() <= 0.02, "`{key}`: {v} came back as {back} via {text:?}");
            }
        }
    }
}

#[test]
fn typed_texts_parse_in_the_units_users_type() {
    let mut p = Plugin::new();
    // The exact expectations of the spec table.
    for spec in PARAM_SPECS {
        let Some(d) = p.param(spec.id).cloned() else {
            continue;
        };
        for &(typed, shown) in spec.typed {
            let v = p.parse(d.id, typed).unwrap_or_else(|| panic!("`{}` does not parse {typed:?}", spec.id));
            assert_eq!(p.text(d.id, v).as_deref(), Some(shown), "`{}` typed {typed:?}", spec.id);
        }
    }
    // The generic expectations, by the unit each parameter shows.
    let mut checked = 0;
    for d in p.params.clone() {
        let unit = unit_of(&mut p, &d);
        let Some((_, cases)) = TYPED_BY_UNIT.iter().find(|(u, _)| *u == unit) else {
            continue;
        };
        let Some((lo, hi)) = plain_range(&mut p, &d) else {
            continue;
        };
        for &(typed, expected) in cases.iter() {
            if !(lo..=hi).contains(&expected) {
                continue;
            }
            let v = p.parse(d.id, typed).unwrap_or_else(|| panic!("`{}` does not parse {typed:?}", d.key()));
            let shown = p.text(d.id, v).unwrap();
            let (got, _) = display_to_plain(&shown).unwrap_or_else(|| panic!("unreadable text {shown:?}"));
            let tolerance = 0.006 * expected.abs() + 0.051;
            assert!((got - expected).abs() <= tolerance, "`{}` typed {typed:?} shows {shown:?}", d.key());
            checked += 1;
        }
    }
    assert!(checked > 0, "no parameter has a unit with typed-text cases");
}

#[test]
fn nonsense_text_is_rejected() {
    let mut p = Plugin::new();
    for d in p.params.clone() {
        // nice-plug's default switch parser reads anything but "on"/"true" as off, so only
        // continuous parameters are held to rejecting garbage.
        if d.is_stepped() {
            continue;
        }
        for typed in ["", "loud", "12 parsecs", "--6", "nan", "inf"] {
            assert_eq!(p.parse(d.id, typed), None, "`{}` accepted {typed:?}", d.key());
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Activation and processing
// ----------------------------------------------------------------------------------------------

#[test]
fn activates_at_every_rate_and_max_block_with_random_block_sizes() {
    for (i, &sr) in SAMPLE_RATES.iter().enumerate() {
        let mut default = Plugin::new();
        let mut wire = Plugin::new();
        set_passthrough(&mut wire);
        for (j, &max) in MAX_BLOCKS.iter().enumerate() {
            let frames = (4 * max as usize).max(2048);
            let input = program(frames as f64 / sr, sr, 100 + j as u64);
            let seed = (i * 10 + j) as u64;
            let what = format!("{sr} Hz, max block {max}");

            // Re-activating the same instance is part of the check: hosts do it on every
            // sample-rate or buffer change.
            let mut proc = default.activate(sr, max).unwrap_or_else(|e| panic!("{what}: activate: {e}"));
            let (out, _) = proc.render(&input, host_like_blocks(max, seed), &[]);
            assert_finite_bounded(&out, 100.0, &what);
            default.deactivate(proc);

            let mut proc = wire.activate(sr, max).unwrap_or_else(|e| panic!("{what}: activate: {e}"));
            let (out, _) = proc.render(&input, host_like_blocks(max, seed + 1), &[]);
            assert_bit_identical(&out, &input, &format!("{what}, passthrough"));
            wire.deactivate(proc);
        }
    }
}

#[test]
fn all_stages_off_passes_audio_through_bit_exactly() {
    let mut p = Plugin::new();
    let missing = set_passthrough(&mut p);
    if !missing.is_empty() {
        eprintln!("note: stage switches not in this bundle yet: {missing:?}");
    }
    for &sr in &[44_100.0, 96_000.0] {
        let input = concat(program(1.0, sr, 9), &silence(4096, 2));
        let mut proc = p.activate(sr, 1024).unwrap();
        let (out, _) = proc.render(&input, host_like_blocks(1024, 77), &[]);
        assert_bit_identical(&out, &input, &format!("passthrough at {sr} Hz"));
        p.deactivate(proc);
    }
}

#[test]
fn reported_latency_matches_the_measured_delay() {
    let mut p = Plugin::new();
    assert!(p.ext.latency.is_some(), "no clap.latency extension");
    set_passthrough(&mut p);
    let mut proc = p.activate(48_000.0, 512).unwrap();
    let latency = p.latency() as usize;
    let mut input = silence(4096, 2);
    input[0][100] = 1.0;
    input[1][100] = -1.0;
    let out = proc.render_fixed(&input, 512);
    let measured = out[0].iter().position(|&x| x != 0.0).expect("impulse vanished") - 100;
    assert_eq!(measured, latency, "reported latency {latency}, measured {measured}");
    p.deactivate(proc);
}

// ----------------------------------------------------------------------------------------------
// Automation inside blocks
// ----------------------------------------------------------------------------------------------

#[test]
fn param_event_at_a_nonzero_offset_takes_effect_at_that_sample() {
    for gain in ["out_gain", "in_gain"] {
        for k in [1usize, 100, 337, 511] {
            let mut p = Plugin::new();
            set_passthrough(&mut p);
            let d = p.expect_param(gain);
            let (id, lower) = (d.id, d.value_at(0.6));
            let mut proc = p.activate(48_000.0, 512).unwrap();
            let mut block = vec![vec![0.5f32; 512]; 2];
            let mut refs: Vec<&mut [f32]> = block.iter_mut().map(|c| c.as_mut_slice()).collect();
            proc.process(&mut refs, &[]);
            let mut block = vec![vec![0.5f32; 512]; 2];
            let mut refs: Vec<&mut [f32]> = block.iter_mut().map(|c| c.as_mut_slice()).collect();
            proc.process(&mut refs, &[ParamValueEvent::new(k as u32, id, Pckn::match_all(), lower)]);
            for ch in &block {
                assert!(ch[..k].iter().all(|&x| x == 0.5), "{gain} at {k}: changed before its offset");
                assert!(ch[k] < 0.5, "{gain} at {k}: sample {k} unchanged ({})", ch[k]);
                // Then it ramps down without a step.
                for n in k + 1..512 {
                    assert!(ch[n] <= ch[n - 1], "{gain} at {k}: not monotonic at {n}");
                }
            }
            p.deactivate(proc);
        }
    }
}

#[test]
fn gain_jumps_inside_a_block_ramp_without_clicks() {
    let sr = 48_000.0;
    for gain in ["out_gain", "in_gain"] {
        let mut p = Plugin::new();
        set_passthrough(&mut p);
        let d = p.expect_param(gain);
        let mut proc = p.activate(sr, 256).unwrap();
        let dc = 0.5f32;
        let input = vec![vec![dc; 48_000]; 2];
        // 0 dB (the default) → −∞ → +24 dB → 0 dB, each at an odd offset inside a block.
        let zero_db = d.default;
        let jumps = [
            (1_000 + 37, d.min, 1.0f32, 0.0f32),
            (10_000 + 101, d.max, 0.0, 15.848_932),
            (30_000 + 5, zero_db, 15.848_932, 1.0),
        ];
        let automation: Vec<Automation> =
            jumps.iter().map(|&(frame, value, _, _)| Automation { frame, id: d.id, value }).collect();
        let (out, _) = proc.render(&input, || 256, &automation);
        // A 1 ms ramp is the shortest that does not click; Runnel ramps over 20 ms.
        let min_ramp = sr as f32 * 0.001;
        for ch in &out {
            for &(frame, _, from, to) in &jumps {
                let bound = (to - from).abs() * dc / min_ramp * 1.0001;
                for n in frame..frame + 2_000 {
                    let step = (ch[n] - ch[n - 1]).abs();
                    assert!(step <= bound, "{gain}: step {step} at {n} exceeds {bound} (jump at {frame})");
                }
            }
        }
        p.deactivate(proc);
    }
}

#[test]
fn every_param_jump_inside_a_block_is_click_free() {
    // A click is a discontinuity: broadband energy that shows up in the third difference. The
    // steady renders at each value the parameter jumps between tell what the chain itself makes
    // of the 100 Hz test tone (saturation sharpens it, for instance); a jump may add little more.
    let sr = 48_000.0;
    let input = sine(16_384, 2, 100.0, 0.2, sr);
    let third_difference_peak = |out: &[Vec<f32>]| {
        out.iter()
            .flat_map(|ch| ch.windows(4).map(|w| (w[3] - 3.0 * w[2] + 3.0 * w[1] - w[0]).abs()))
            .fold(0.0f32, f32::max)
    };
    let render = |settings: &[(ClapId, f64)], automation: &[Automation]| {
        let mut p = Plugin::new();
        p.flush(settings);
        let mut proc = p.activate(sr, 256).unwrap();
        let (out, _) = proc.render(&input, || 256, automation);
        p.deactivate(proc);
        out
    };
    let probe = Plugin::new();
    for d in probe.params.clone() {
        let automation = [
            Automation { frame: 4_096 + 37, id: d.id, value: d.max },
            Automation { frame: 8_192 + 101, id: d.id, value: d.min },
            Automation { frame: 12_288 + 5, id: d.id, value: d.default },
        ];
        let out = render(&[], &automation);
        assert_finite_bounded(&out, 1000.0, &format!("jumping `{}`", d.key()));
        let steady = [d.default, d.max, d.min]
            .iter()
            .map(|&v| third_difference_peak(&render(&[(d.id, v)], &[])))
            .fold(0.0f32, f32::max);
        let limit = 2.0 * steady + 0.02 * peak(&out).max(1e-3);
        let worst = third_difference_peak(&out);
        assert!(worst <= limit, "jumping `{}` clicks: third difference {worst} > {limit}", d.key());
    }
}

// ----------------------------------------------------------------------------------------------
// State
// ----------------------------------------------------------------------------------------------

#[test]
fn state_saved_and_loaded_into_a_fresh_instance_gives_bit_identical_output() {
    let mut rng = Rng::new(2024);
    for round in 0..3 {
        let mut a = Plugin::new();
        let settings = random_settings(&a, &mut rng);
        a.flush(&settings);
        let bytes = a.save_state();
        harness::state_json(&bytes); // well-formed

        let mut b = Plugin::new();
        let rescans_before = b.param_rescans();
        b.load_state(&bytes).unwrap_or_else(|e| panic!("round {round}: load failed: {e}"));
        assert_eq!(b.all_values(), a.all_values(), "round {round}: values differ after load");
        assert_eq!(b.save_state(), bytes, "round {round}: re-saved state differs");
        assert!(b.param_rescans() > rescans_before, "round {round}: no param rescan after load");

        let input = concat(program(0.5, 48_000.0, round), &silence(24_000, 2));
        let mut pa = a.activate(48_000.0, 512).unwrap();
        let mut pb = b.activate(48_000.0, 512).unwrap();
        let out_a = pa.render_fixed(&input, 512);
        let out_b = pb.render_fixed(&input, 512);
        assert_bit_identical(&out_a, &out_b, &format!("round {round}: output after state load"));
        a.deactivate(pa);
        b.deactivate(pb);
    }
}

#[test]
fn corrupt_state_is_rejected_and_the_instance_keeps_its_values() {
    let mut rng = Rng::new(31);
    let mut donor = Plugin::new();
    let good = donor.save_state();
    let len = good.len();
    let mut random = vec![0u8; 256];
    random.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
    let mut garbage_payload = ((len - 8) as u64).to_le_bytes().to_vec();
    garbage_payload.extend((0..len - 8).map(|_| rng.next_u64() as u8));
    let mut wrong_shape = b"[1,2,3]".to_vec();
    wrong_shape.splice(0..0, 7u64.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("4 bytes", good[..4].to_vec()),
        ("length prefix only", good[..8].to_vec()),
        ("half", good[..8 + (len - 8) / 2].to_vec()),
        ("all but the last byte", good[..len - 1].to_vec()),
        ("random bytes", random),
        ("valid length, random payload", garbage_payload),
        ("JSON of the wrong shape", wrong_shape),
    ];
    for (what, bytes) in cases {
        let mut p = Plugin::new();
        let mut twin = Plugin::new();
        let settings = random_settings(&p, &mut rng);
        p.flush(&settings);
        twin.flush(&settings);
        let values = p.all_values();
        let saved = p.save_state();
        assert!(p.load_state(&bytes).is_err(), "{what}: corrupt state was accepted");
        assert_eq!(p.all_values(), values, "{what}: values changed by a rejected load");
        assert_eq!(p.save_state(), saved, "{what}: state changed by a rejected load");
        // Still usable, and it sounds exactly like an instance that never saw the bad bytes.
        let input = program(0.3, 48_000.0, 4);
        let mut pp = p.activate(48_000.0, 256).unwrap();
        let mut pt = twin.activate(48_000.0, 256).unwrap();
        assert_bit_identical(&pp.render_fixed(&input, 256), &pt.render_fixed(&input, 256), what);
        p.deactivate(pp);
        twin.deactivate(pt);
    }
}

#[test]
fn state_file_written_by_0_1_0_still_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(STATE_FIXTURE);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut p = Plugin::new();
    p.load_state(&bytes).expect("the 0.1.0 state was rejected");
    for &(id, text) in STATE_FIXTURE_TEXTS {
        let d = p.expect_param(id);
        assert_eq!(p.current_text(d.id), text, "`{id}` after loading the 0.1.0 state");
    }
    // Parameters the file does not mention (added later) keep their defaults.
    let saved = harness::state_json(&bytes);
    for d in p.params.clone() {
        let listed = d.string_id.as_ref().is_some_and(|id| saved["params"].get(id).is_some());
        if !listed {
            assert_eq!(p.value(d.id), d.default, "`{}` is not in the file but moved", d.key());
        }
    }
}

/// Writes the state fixture from the current bundle. Run once per format change, by hand:
/// `cargo test --test clap_host write_state_fixture -- --ignored`; it never overwrites.
#[test]
#[ignore]
fn write_state_fixture() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(STATE_FIXTURE);
    assert!(!path.exists(), "{} exists; delete it first to regenerate", path.display());
    let mut p = Plugin::new();
    p.set_texts(STATE_FIXTURE_TEXTS);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, p.save_state()).unwrap();
}

// ----------------------------------------------------------------------------------------------
// Process status and tails
// ----------------------------------------------------------------------------------------------

#[test]
fn tail_is_reported_then_sleep_comes_within_it() {
    let sr = 48_000.0;
    let block = 256;
    let mut p = Plugin::new();
    let tail_stage_on =
        TAIL_STAGE_SWITCHES.iter().any(|&id| p.param(id).cloned().is_some_and(|d| p.value(d.id) > 0.0));
    let mut proc = p.activate(sr, block as u32).unwrap();
    let (_, statuses) = proc.render(&program(0.5, sr, 12), || block, &[]);
    assert!(!statuses.contains(&ProcessStatus::Sleep), "asked to sleep while fed a signal");
    let announced = match proc.tail() {
        TailLength::Finite(n) => n as usize,
        TailLength::Infinite => panic!("default settings announce an infinite tail"),
    };
    if tail_stage_on {
        assert!(announced > 0, "a delay or reverb is on but no tail is announced");
    } else {
        eprintln!("note: no delay/reverb switch in this bundle yet; tail announced: {announced}");
    }

    // Keep feeding silence well past the announced tail, as a host that never sleeps would.
    let silent_blocks = (announced + 2 * sr as usize) / block + 1;
    let mut first_sleepable = None;
    let mut host_sleeps_at = None;
    let mut first_block_peak = 0.0f32;
    for i in 0..silent_blocks {
        let mut out = silence(block, 2);
        let mut refs: Vec<&mut [f32]> = out.iter_mut().map(|c| c.as_mut_slice()).collect();
        let status = proc.process(&mut refs, &[]);
        let block_peak = peak(&out);
        if i == 0 {
            first_block_peak = block_peak;
        }
        let sleepable = matches!(status, ProcessStatus::ContinueIfNotQuiet | ProcessStatus::Sleep);
        if sleepable && first_sleepable.is_none() {
            first_sleepable = Some(i);
        }
        // A host sleeps the plugin at the first block that is both allowed and quiet; anything
        // the plugin would have played after that is lost, so it must be inaudible.
        match host_sleeps_at {
            None if sleepable && block_peak < QUIET => host_sleeps_at = Some(i),
            Some(at) => assert!(
                block_peak < QUIET,
                "output {block_peak} at silent block {i}, after the host was allowed to sleep at {at}"
            ),
            None => {}
        }
    }
    if tail_stage_on {
        assert!(first_block_peak >= QUIET, "a tail is announced but nothing rings after the input stops");
    }
    let first_sleepable = first_sleepable.expect("never allowed to sleep after the tail");
    assert!(
        first_sleepable * block <= announced + block,
        "sleep allowed only after {} samples of silence; the announced tail was {announced}",
        first_sleepable * block
    );
    assert!(host_sleeps_at.is_some(), "output never became quiet within tail + 2 s");
    p.deactivate(proc);
}

// ----------------------------------------------------------------------------------------------
// Bad input
// ----------------------------------------------------------------------------------------------

#[test]
fn nan_and_inf_input_gives_finite_output_and_recovers_within_one_block() {
    let block = 256;
    let bad_at = 10 * block;
    // (name, what sample `i` of the bad block becomes, given the clean sample `x`)
    type BadBlock = (&'static str, fn(usize, f32) -> f32);
    let kinds: [BadBlock; 6] = [
        ("NaN", |_, _| f32::NAN),
        ("+Inf", |_, _| f32::INFINITY),
        ("-Inf", |_, _| f32::NEG_INFINITY),
        ("mixed", |i, x| match i % 3 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            _ => x,
        }),
        ("one NaN", |i, x| if i == 17 { f32::NAN } else { x }),
        ("huge", |i, _| if i % 2 == 0 { 1e30 } else { -f32::MAX }),
    ];
    let mut rng = Rng::new(5);
    let settings_sets = {
        let probe = Plugin::new();
        vec![Vec::new(), random_settings(&probe, &mut rng)]
    };
    for (s, settings) in settings_sets.iter().enumerate() {
        for (name, bad) in kinds {
            let what = format!("{name} block, settings set {s}");
            let clean = program(0.3, 48_000.0, 8);
            let mut dirty = clean.clone();
            let mut reference = clean.clone();
            for c in 0..2 {
                for i in 0..block {
                    let x = bad(i, clean[c][bad_at + i]);
                    dirty[c][bad_at + i] = x;
                    // The reference hears silence where the bad samples were.
                    reference[c][bad_at + i] = if x.is_finite() { x } else { 0.0 };
                }
            }
            let mut p = Plugin::new();
            let mut r = Plugin::new();
            p.flush(settings);
            r.flush(settings);
            let mut pp = p.activate(48_000.0, block as u32).unwrap();
            let mut pr = r.activate(48_000.0, block as u32).unwrap();
            let out = pp.render_fixed(&dirty, block);
            let expected = pr.render_fixed(&reference, block);
            if let Some((c, i, x)) = first_non_finite(&out) {
                panic!("{what}: non-finite output {x} at channel {c} frame {i}");
            }
            if name == "huge" {
                // Clamped somewhere, so no reference; finite is the promise.
                p.deactivate(pp);
                r.deactivate(pr);
                continue;
            }
            let from = bad_at + block;
            let scale = peak(&expected).max(1e-3);
            for c in 0..2 {
                for i in from..out[c].len() {
                    let diff = (out[c][i] - expected[c][i]).abs();
                    assert!(diff <= 1e-6 * scale, "{what}: not recovered at frame {i} (diff {diff})");
                }
            }
            p.deactivate(pp);
            r.deactivate(pr);
        }
    }
}

#[test]
fn denormal_input_and_decaying_tails_produce_no_subnormal_output() {
    let sr = 48_000.0;
    let block = 256;
    // Blocks of subnormal input between blocks of signal.
    let mut input = program(0.4, sr, 21);
    for channel in input.iter_mut() {
        for (i, x) in channel.iter_mut().enumerate() {
            if (i / block) % 3 == 1 {
                *x = f32::from_bits(1 + (i as u32 * 7919) % 0x7f_ffff) * if i % 2 == 0 { 1.0 } else { -1.0 };
            }
        }
    }
    assert!(input[0].iter().any(|&x| is_subnormal(x)));

    // Default settings: nothing subnormal may come out unless the sample went through untouched
    // (a bit-exact wire may pass on what it was given, but must never create subnormals).
    let mut p = Plugin::new();
    let mut proc = p.activate(sr, block as u32).unwrap();
    let out = proc.render_fixed(&input, block);
    for c in 0..2 {
        for (i, &y) in out[c].iter().enumerate() {
            assert!(
                !is_subnormal(y) || y.to_bits() == input[c][i].to_bits(),
                "default: subnormal {y:e} created at {i}"
            );
        }
    }
    p.deactivate(proc);

    // With arithmetic on every sample (output gain a hair below 0 dB), none at all.
    let mut p = Plugin::new();
    let out_gain = p.expect_param("out_gain");
    p.flush(&[(out_gain.id, out_gain.default - 0.002)]);
    let mut proc = p.activate(sr, block as u32).unwrap();
    let out = proc.render_fixed(&input, block);
    if let Some(y) = out.iter().flatten().find(|&&y| is_subnormal(y)) {
        panic!("gain below 0 dB: subnormal output {y:e}");
    }
    p.deactivate(proc);

    // Decaying tails: signal, then seconds of silence, at the defaults and random settings.
    let mut rng = Rng::new(99);
    for round in 0..3 {
        let mut p = Plugin::new();
        if round > 0 {
            let settings = random_settings(&p, &mut rng);
            p.flush(&settings);
        }
        let mut proc = p.activate(sr, 512).unwrap();
        let input = concat(program(0.3, sr, round), &silence(3 * sr as usize, 2));
        let out = proc.render_fixed(&input, 512);
        if let Some(y) = out.iter().flatten().find(|&&y| is_subnormal(y)) {
            panic!("tail, settings round {round}: subnormal output {y:e}");
        }
        p.deactivate(proc);
    }
}

// ----------------------------------------------------------------------------------------------
// Threads
// ----------------------------------------------------------------------------------------------

#[test]
fn param_changes_from_another_thread_never_race_or_tear() {
    const CHANGES: usize = 4_000;
    let mut p = Plugin::new();
    let params = p.params.clone();

    // What `get_value` may legitimately report for each parameter: its default and the
    // canonical form of every value we send (nice-plug snaps values to steps).
    let candidates: Vec<Vec<f64>> =
        params.iter().map(|d| (0..=8).map(|k| d.value_at(k as f64 / 8.0)).collect()).collect();
    let mut allowed: Vec<Vec<f64>> = params.iter().map(|d| vec![d.default]).collect();
    let mut probe = Plugin::new();
    for (i, d) in params.iter().enumerate() {
        for &v in &candidates[i] {
            probe.flush(&[(d.id, v)]);
            allowed[i].push(probe.value(d.id));
        }
    }

    let (tx, rx) = mpsc::channel::<(ClapId, f64)>();
    let done = AtomicBool::new(false);
    let blocks_done = AtomicUsize::new(0);
    let proc = p.activate(48_000.0, 64).unwrap();
    let mut last_sent: Vec<Option<f64>> = vec![None; params.len()];
    let proc: Processor = std::thread::scope(|scope| {
        let (done, blocks_done) = (&done, &blocks_done);
        let audio = scope.spawn(move || {
            // The audio thread: drain what the "GUI" queued into this block's events at random
            // offsets, as a host does, and process.
            let mut proc = proc;
            let mut rng = Rng::new(1);
            let input = program(0.25, 48_000.0, 2);
            let mut pos = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let queued: Vec<(ClapId, f64)> = rx.try_iter().collect();
                // Random offsets, but in the order the changes were made: a later change of a
                // parameter must land later, or it would not be the last one.
                let mut offsets: Vec<u32> = queued.iter().map(|_| rng.int(0, 63) as u32).collect();
                offsets.sort_unstable();
                let events: Vec<ParamValueEvent> = queued
                    .iter()
                    .zip(offsets)
                    .map(|(&(id, v), time)| ParamValueEvent::new(time, id, Pckn::match_all(), v))
                    .collect();
                let mut block: Vec<Vec<f32>> = input.iter().map(|c| c[pos..pos + 64].to_vec()).collect();
                pos = (pos + 64) % (input[0].len() - 64);
                let mut refs: Vec<&mut [f32]> = block.iter_mut().map(|c| c.as_mut_slice()).collect();
                proc.process(&mut refs, &events);
                assert_finite_bounded(&block, 1e4, "audio thread");
                blocks_done.fetch_add(1, Ordering::SeqCst);
                if finished && events.is_empty() {
                    break;
                }
                // A real audio thread idles between callbacks; this keeps the two threads
                // overlapping instead of one starving the other.
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            proc
        });

        // The main ("GUI") thread: send about two changes per audio block, and all the while
        // read values, texts and state the way hosts do while the audio thread runs.
        let mut rng = Rng::new(3);
        let mut sent = 0;
        let mut reads = 0u64;
        while sent < CHANGES {
            if blocks_done.load(Ordering::SeqCst) * 2 >= sent {
                let i = rng.int(0, params.len() - 1);
                let v = candidates[i][rng.int(0, 8)];
                tx.send((params[i].id, v)).unwrap();
                last_sent[i] = Some(v);
                sent += 1;
                if sent % 16 == 0 {
                    let d = &params[i];
                    let text = p.current_text(d.id);
                    assert!(p.parse(d.id, &text).is_some(), "`{}` text {text:?} unreadable", d.key());
                }
                if sent % 128 == 0 {
                    let state = harness::state_json(&p.save_state());
                    let saved = state["params"].as_object().expect("state without params");
                    assert_eq!(saved.len(), params.len(), "state lost parameters while processing");
                }
            }
            for (j, d) in params.iter().enumerate() {
                let read = p.value(d.id);
                assert!(allowed[j].contains(&read), "`{}` read {read}, never sent (torn?)", d.key());
            }
            reads += 1;
            p.pump_main_thread();
        }
        done.store(true, Ordering::SeqCst);
        let proc = audio.join().expect("audio thread panicked");
        eprintln!(
            "{sent} changes over {} blocks, {reads} rounds of reads",
            blocks_done.load(Ordering::SeqCst)
        );
        proc
    });
    // Every last change reached the plugin: no update was lost.
    for (i, d) in params.iter().enumerate() {
        if let Some(v) = last_sent[i] {
            let mut fresh = Plugin::new();
            fresh.flush(&[(d.id, v)]);
            let expected = fresh.value(d.id);
            assert_eq!(p.value(d.id), expected, "`{}` lost its last change", d.key());
        }
    }
    p.deactivate(proc);
}

// ----------------------------------------------------------------------------------------------
// Renders for the VST3 comparison
// ----------------------------------------------------------------------------------------------

#[test]
fn renders_for_the_vst3_comparison_are_written() {
    let sr = 48_000.0;
    let block = 512;
    let dir = harness::compare_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut probe = Plugin::new();

    // Settings sets by string ID → CLAP value.
    let mut sets: Vec<(String, Vec<(ClapId, f64)>)> = vec![("defaults".into(), Vec::new())];
    {
        let p = Plugin::new();
        let (i, o) = (p.expect_param("in_gain"), p.expect_param("out_gain"));
        // About −9.6 dB in and +7.2 dB out, on the 1/4096 grid.
        sets.push(("gains".into(), vec![(i.id, 2458.0 / 4096.0), (o.id, 3278.0 / 4096.0)]));
        let mut w = Plugin::new();
        set_passthrough(&mut w);
        sets.push(("passthrough".into(), w.params.clone().iter().map(|d| (d.id, w.value(d.id))).collect()));
    }
    let mut rng = Rng::new(4242);
    for n in 1..=3 {
        sets.push((format!("random-{n}"), random_settings(&probe, &mut rng)));
    }
    // Every factory preset, so the VST3 suite loads each one too and compares it with CLAP.
    for preset in factory::presets() {
        let settings = preset
            .values
            .iter()
            .filter(|(spec, _)| spec.in_presets())
            .map(|(spec, value)| {
                let d = probe.expect_param(spec.id);
                // CLAP values: normalized for continuous parameters, the step for stepped ones
                // (normalized × steps carries f32 noise, so it is rounded).
                let clap_value = spec.normalize(value) as f64 * d.max;
                (d.id, if d.is_stepped() { clap_value.round() } else { clap_value })
            })
            .collect();
        let stem = runnel_engine::presets::user::file_name(&preset.name);
        sets.push((format!("preset-{}", stem.trim_end_matches(".toml")), settings));
    }

    let input = concat(program(0.75, sr, 77), &silence(36_000, 2));
    signals::write_npy(&dir.join("input.npy"), &input);
    let mut renders = Vec::new();
    for (name, settings) in &sets {
        let mut p = Plugin::new();
        p.flush(settings);
        let mut proc = p.activate(sr, block as u32).unwrap();
        let out = proc.render_fixed(&input, block);
        p.deactivate(proc);
        assert_finite_bounded(&out, 1000.0, name);
        let file = format!("{name}.clap.npy");
        signals::write_npy(&dir.join(&file), &out);
        // Normalized values, the unit-free form both APIs share.
        let normalized: serde_json::Map<String, serde_json::Value> = settings
            .iter()
            .map(|&(id, v)| {
                let d = p.params.iter().find(|d| d.id == id).unwrap();
                (d.key(), serde_json::json!(v / d.max))
            })
            .collect();
        renders.push(serde_json::json!({ "name": name, "settings": normalized, "output": file }));
    }

    let mut params = Vec::new();
    for d in probe.params.clone() {
        let texts: Vec<serde_json::Value> = [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|&t| {
                let v = d.value_at(t);
                serde_json::json!({ "normalized": v / d.max, "text": probe.text(d.id, v) })
            })
            .collect();
        // A value to set by number in pedalboard: the one shown at 3/4 of the range.
        let v = d.value_at(0.75);
        let shown = probe.text(d.id, v).unwrap();
        // Switches are set with a bool, choices (slopes, note values, modes) with their label,
        // everything else with the number in the unit's base.
        // Two-position choices ("Notch"/"Band-pass") look like switches to CLAP; the texts tell.
        let switch = d.is_bool() && probe.text(d.id, 1.0).as_deref() == Some("On");
        let by_value = match display_to_plain(&shown) {
            _ if switch => {
                serde_json::json!({ "value": v > 0.5, "normalized": v, "text": shown })
            }
            _ if d.is_stepped() => {
                serde_json::json!({ "value": shown, "normalized": v / d.max, "text": shown })
            }
            Some((plain, _)) => {
                serde_json::json!({ "value": plain, "normalized": v / d.max, "text": shown })
            }
            None => serde_json::Value::Null,
        };
        params.push(serde_json::json!({
            "id": d.string_id, "clap_id": d.id.get(), "name": d.name, "module": d.module,
            "stepped": d.is_stepped(), "steps": d.max, "switch": switch, "default": d.default / d.max,
            "unit": unit_of(&mut probe, &d), "texts": texts, "set_by_value": by_value,
        }));
    }
    let proc = probe.activate(sr, block as u32).unwrap();
    let latency = probe.latency();
    probe.deactivate(proc);
    let manifest = serde_json::json!({
        "note": "written by tests/clap_host.rs (renders_for_the_vst3_comparison_are_written); read by tests/vst3_pedalboard.py",
        "created_unix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64(),
        "clap_bundle": harness::clap_bundle().canonicalize().unwrap(),
        "plugin_version": env!("CARGO_PKG_VERSION"),
        "sample_rate": sr, "block_size": block, "latency_samples": latency,
        "input": "input.npy", "params": params, "renders": renders,
    });
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}
