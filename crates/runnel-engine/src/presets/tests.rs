//! Factory presets load, round-trip and sound; bad files fail with errors that say why.

use super::*;
use crate::engine::Engine;

/// A test signal: four 120 ms plucks (decaying sines, 0.5 peak) spread over 0.6 s, then silence
/// long enough for echoes and tails to show.
fn plucks(sample_rate: f32, seconds: f32) -> Vec<f32> {
    let n = (sample_rate * seconds) as usize;
    let mut out = vec![0.0f32; n];
    for (k, freq) in [220.0f32, 440.0, 880.0, 1760.0].iter().enumerate() {
        let start = (k as f32 * 0.15 * sample_rate) as usize;
        for i in 0..(0.12 * sample_rate) as usize {
            let t = i as f32 / sample_rate;
            out[start + i] += 0.5 * (-t * 30.0).exp() * (std::f32::consts::TAU * freq * t).sin();
        }
    }
    out
}

/// Root-mean-square of a signal.
fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
}

/// Output level bounds every factory preset must meet on [`plucks`], relative to the input:
/// RMS at least −30 dB (it is audible, not silent) and at most +6 dB; peak at most +12 dB
/// (4×), the delay loop's safety ceiling, which no sane preset should come near.
const MIN_RMS_DB: f32 = -30.0;
const MAX_RMS_DB: f32 = 6.0;
const MAX_PEAK_DB: f32 = 12.0;

#[test]
fn there_are_at_least_twelve_factory_presets_and_all_parse() {
    let all = factory::all();
    assert!(all.len() >= 12);
    let mut names = Vec::new();
    for result in all {
        let preset = result.unwrap_or_else(|(file, e)| panic!("{file}: {e}"));
        assert!(!preset.category.is_empty() && !preset.description.is_empty(), "{}", preset.name);
        assert_ne!(preset.values, ParamValues::defaults(), "{} is just the defaults", preset.name);
        names.push(preset.name.to_lowercase());
    }
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "two factory presets share a name");
    assert!(factory::find("vocal plate").is_some());
}

#[test]
fn every_factory_preset_round_trips_through_its_file_text() {
    for preset in factory::presets() {
        let text = preset.to_file_text();
        let back = Preset::parse(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", preset.name));
        assert_eq!(back, preset, "{}", preset.name);
        // The file lists every preset parameter, keyed by its stable ID.
        let table: Table = text.parse().unwrap();
        let keys: Vec<&str> = table["params"].as_table().unwrap().keys().map(String::as_str).collect();
        let mut ids: Vec<&str> = Preset::ids().collect();
        ids.sort_unstable();
        assert_eq!(keys, ids);
    }
}

#[test]
fn every_factory_preset_renders_audible_finite_and_bounded() {
    let sr = 48_000.0;
    let input = plucks(sr, 3.0);
    let (in_rms, in_peak) = (rms(&input), input.iter().fold(0.0f32, |m, x| m.max(x.abs())));
    for preset in factory::presets() {
        let mut engine = Engine::new();
        engine.prepare(sr, 512);
        engine.set_settings(&preset.values.to_settings());
        let (mut left, mut right) = (input.clone(), input.clone());
        engine.process_stereo(&mut left, &mut right);
        assert!(left.iter().chain(&right).all(|x| x.is_finite()), "{}: non-finite output", preset.name);
        let out_rms = rms(&left).max(rms(&right));
        let out_peak = left.iter().chain(&right).fold(0.0f32, |m, x| m.max(x.abs()));
        let rms_db = 20.0 * (out_rms / in_rms).log10();
        let peak_db = 20.0 * (out_peak / in_peak).log10();
        println!("{:<26} rms {rms_db:+6.1} dB  peak {peak_db:+6.1} dB (re input)", preset.name);
        assert!((MIN_RMS_DB..=MAX_RMS_DB).contains(&rms_db), "{}: RMS {rms_db:.1} dB", preset.name);
        assert!(peak_db <= MAX_PEAK_DB, "{}: peak {peak_db:.1} dB", preset.name);
    }
}

#[test]
fn values_may_be_written_as_typed_texts() {
    let preset = Preset::parse(
        "format_version = 1\nname = \"t\"\n[params]\nhp_freq = \"1.2 kHz\"\ndly_mix = \"35 %\"\nin_gain = -inf\nrv_decay = 3\n",
    )
    .unwrap();
    assert_eq!(preset.values.get("hp_freq"), Some(1200.0));
    assert_eq!(preset.values.get("dly_mix"), Some(0.35));
    assert_eq!(preset.values.get("in_gain"), Some(f32::NEG_INFINITY));
    assert_eq!(preset.values.get("rv_decay"), Some(3.0));
    // Unlisted parameters keep their defaults.
    assert_eq!(preset.values.get("lp_freq"), ParamValues::defaults().get("lp_freq"));
}

#[test]
fn bad_files_fail_with_errors_that_say_why() {
    let with = |body: &str| Preset::parse(&format!("format_version = 1\nname = \"x\"\n[params]\n{body}\n"));
    match with("hp_frq = 100.0") {
        Err(PresetError::Param(ParamError::UnknownId { id, suggestions })) => {
            assert_eq!(id, "hp_frq");
            assert!(suggestions.contains(&"hp_freq"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(with("hp_freq = 50000.0"), Err(PresetError::Param(ParamError::OutOfRange { .. }))));
    assert!(matches!(with("hp_on = 1.0"), Err(PresetError::WrongType { id: "hp_on", .. })));
    assert!(matches!(with("hp_slope = 3"), Err(PresetError::WrongType { id: "hp_slope", .. })));
    assert!(matches!(with("hp_slope = \"steep\""), Err(PresetError::Param(ParamError::BadValue { .. }))));
    assert!(matches!(with("bypass = true"), Err(PresetError::Param(ParamError::UnknownId { .. }))));
    let newer = Preset::parse("format_version = 2\nname = \"x\"\n").unwrap_err();
    assert_eq!(newer, PresetError::NewerFormat { found: 2 });
    assert!(newer.to_string().contains("newer"), "{newer}");
    assert_eq!(
        Preset::parse("format_version = 0\nname = \"x\"\n").unwrap_err(),
        PresetError::UnsupportedFormat { found: 0 }
    );
    assert_eq!(Preset::parse("name = \"x\"\n").unwrap_err(), PresetError::MissingVersion);
    assert_eq!(Preset::parse("format_version = 1\n").unwrap_err(), PresetError::MissingField("name"));
    assert!(matches!(Preset::parse("format_version = = 1"), Err(PresetError::Syntax(_))));
}

#[test]
fn user_presets_save_and_load_from_a_folder() {
    let dir = std::env::temp_dir().join(format!("runnel-presets-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(user::load_dir(&dir).is_empty(), "a missing folder is no presets");
    let mut values = ParamValues::defaults();
    values.set("rv_decay", 4.25).unwrap();
    values.set("out_gain", f32::NEG_INFINITY).unwrap();
    let preset = Preset::new("My Room #1", "Mine", "test", values);
    let path = user::save(&dir, &preset).unwrap();
    assert_eq!(path.file_name().unwrap(), "my-room-1.toml");
    std::fs::write(dir.join("broken.toml"), "format_version = 9\nname = \"b\"\n").unwrap();
    let loaded = user::load_dir(&dir);
    assert_eq!(loaded.len(), 2);
    let broken = loaded[0].as_ref().unwrap_err();
    assert!(broken.path.ends_with("broken.toml") && broken.error.contains("newer"), "{broken:?}");
    assert_eq!(loaded[1].as_ref().unwrap().1, preset);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn user_preset_dir_follows_xdg_on_linux() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let saved = std::env::var_os("XDG_CONFIG_HOME");
    std::env::set_var("XDG_CONFIG_HOME", "/tmp/xdg-test");
    assert_eq!(user::preset_dir(), Some(std::path::PathBuf::from("/tmp/xdg-test/runnel/presets")));
    match saved {
        Some(v) => std::env::set_var("XDG_CONFIG_HOME", v),
        None => std::env::remove_var("XDG_CONFIG_HOME"),
    }
}

/// The infinite-ratio switch and the AGC's LUFS rows in a preset: written, read back and heard
/// as written; a format-1 file from before the switch existed still loads, with it off. (The
/// format stays 1: a new row only adds an optional key, and old files keep their meaning.)
#[test]
fn infinite_ratio_and_lufs_rows_round_trip_and_older_files_still_load() {
    let mut values = ParamValues::defaults();
    values.set("compressor_on", 1.0).unwrap();
    values.set("comp_ratio", 6.0).unwrap();
    values.set("comp_ratio_inf", 1.0).unwrap();
    values.set("agc_target", -16.5).unwrap();
    let preset = Preset::new("Brick", "Dynamics", "Infinite ratio.", values);
    let text = preset.to_file_text();
    assert!(text.contains("comp_ratio_inf = true\n"), "{text}");
    assert!(text.starts_with(&format!("format_version = {FORMAT_VERSION}\n")));
    let back = Preset::parse(&text).unwrap();
    assert_eq!(back, preset);
    let settings = back.values.to_settings();
    assert!(settings.compressor.infinite_ratio && settings.compressor.ratio == 6.0);
    assert_eq!(settings.agc.target_lufs, -16.5);

    // Typed texts in a file: "on" for the switch, LUFS for the AGC.
    let typed = Preset::parse(
        "format_version = 1\nname = \"t\"\n[params]\ncomp_ratio_inf = \"on\"\nagc_gate = \"-45 LUFS\"\n",
    )
    .unwrap();
    assert_eq!(typed.values.get("comp_ratio_inf"), Some(1.0));
    assert_eq!(typed.values.get("agc_gate"), Some(-45.0));

    // Written before the switch existed: loads, switch off, everything else as written.
    let old = Preset::parse(
        "format_version = 1\nname = \"old\"\n[params]\ncompressor_on = true\ncomp_ratio = 8.0\n",
    )
    .unwrap();
    assert_eq!(old.values.get("comp_ratio_inf"), Some(0.0));
    let settings = old.values.to_settings();
    assert!(
        settings.compressor_on && !settings.compressor.infinite_ratio && settings.compressor.ratio == 8.0
    );
}
