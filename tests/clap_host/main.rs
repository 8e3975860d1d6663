//! Runnel in a real CLAP host: a small host on `clack-host` loads the bundled `Runnel.clap`
//! (`cargo xtask bundle runnel --release` first; `RUNNEL_BUNDLE_DIR` overrides the folder) and
//! checks what DAWs rely on. Each check is its own test so the output names it.
//!
//! The checks are generic over the parameter list the plugin reports; `spec.rs` holds
//! the one table of specific IDs, names, ranges and typed texts to keep up to date.
//!
//! By topic, one module each: descriptor, parameters, processing, automation, state, tails,
//! bad_input, threads, hosting, editor, presets; `vst3_renders` writes `target/host-compare/` for
//! `tests/vst3_pedalboard.py`. `harness` is the host, `signals` the test signals, `spec` the pinned
//! parameter table; the helpers shared by several topics are below.

mod automation;
mod bad_input;
mod descriptor;
mod editor;
mod harness;
mod hosting;
mod parameters;
mod presets;
mod processing;
mod signals;
mod spec;
mod state;
mod tails;
mod threads;
mod vst3_renders;

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
// Helpers shared by the topic modules
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

/// [`random_settings`] with the latency parameters (`LATENCY_IDS`) left at their defaults (no
/// latency): a session that starts latent reports it at activation, which nice-plug's CLAP wrapper
/// turns into a restart request, and renders compared with another host would differ by the
/// latency compensation rather than the processing.
fn random_latency_free_settings(p: &Plugin, rng: &mut Rng) -> Vec<(ClapId, f64)> {
    random_settings(p, rng)
        .into_iter()
        .filter(|(id, _)| {
            let d = p.params.iter().find(|d| d.id == *id).expect("a parameter of this plugin");
            !d.string_id.as_deref().is_some_and(|s| runnel_engine::params::spec::LATENCY_IDS.contains(&s))
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
