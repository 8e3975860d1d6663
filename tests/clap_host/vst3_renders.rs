//! The renders `tests/vst3_pedalboard.py` compares the VST3 build with.

use super::*;

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
        sets.push((format!("random-{n}"), random_latency_free_settings(&probe, &mut rng)));
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
        "note": "written by tests/clap_host/vst3_renders.rs (renders_for_the_vst3_comparison_are_written); read by tests/vst3_pedalboard.py",
        "created_unix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64(),
        "clap_bundle": harness::clap_bundle().canonicalize().unwrap(),
        "plugin_version": env!("CARGO_PKG_VERSION"),
        "sample_rate": sr, "block_size": block, "latency_samples": latency,
        "input": "input.npy", "params": params, "renders": renders,
    });
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}
