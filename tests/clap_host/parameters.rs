//! Parameters: the table, ids, modules, ranges, texts and typed values; factory presets through the state.

use super::*;

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
