//! Factory presets as CLAP hosts see them: the preset-discovery factory lists every factory
//! preset inside the plugin, and `clap.preset-load` loads one by its load key (see
//! patches/README.md, patch 4).

use std::ffi::CStr;

use clack_extensions::preset_discovery::prelude::*;
use clack_host::prelude::*;
use runnel_engine::presets::{factory, Preset};

use crate::harness::{entry, Plugin, PresetLoadReport, PLUGIN_ID};
use crate::signals::{concat, peak, program, silence};

/// The provider Runnel offers, as hosts must find it.
const PROVIDER_ID: &str = "audio.runnel.runnel.factory-presets";
const PROVIDER_NAME: &str = "Runnel factory presets";
const PROVIDER_VENDOR: &str = "Runnel Audio";

/// How far a loaded parameter may sit from the preset's value, normalized: the state stores
/// plain f32 values, whose rounding moves a normalized value by well under this.
const NORMALIZED_TOLERANCE: f64 = 1e-6;

/// Text of a C string.
fn text(s: &CStr) -> String {
    s.to_string_lossy().into_owned()
}

/// An indexer that records the locations the provider declares.
#[derive(Default)]
struct RecordingIndexer {
    /// (name, flags, location) of every declared location.
    locations: Vec<(String, Flags, Option<String>)>,
    /// Declared file types and soundpacks (Runnel declares none).
    others: usize,
}

impl IndexerImpl for RecordingIndexer {
    fn declare_filetype(&mut self, _file_type: FileType) -> Result<(), HostError> {
        self.others += 1;
        Ok(())
    }

    fn declare_location(&mut self, location: LocationInfo) -> Result<(), HostError> {
        let path = location.location.file_path().map(text);
        self.locations.push((text(location.name), location.flags, path));
        Ok(())
    }

    fn declare_soundpack(&mut self, _soundpack: Soundpack) -> Result<(), HostError> {
        self.others += 1;
        Ok(())
    }
}

/// One preset as the provider described it.
#[derive(Debug, Default, Clone, PartialEq)]
struct Listed {
    name: String,
    load_key: String,
    /// (ABI, ID) pairs.
    plugin_ids: Vec<(String, String)>,
    flags: Option<Flags>,
    description: String,
    features: Vec<String>,
}

/// A metadata receiver that records every preset (and errors).
#[derive(Default)]
struct RecordingReceiver {
    presets: Vec<Listed>,
    errors: Vec<String>,
    /// Calls that arrived with no preset begun (a protocol error).
    orphan_calls: usize,
}

impl RecordingReceiver {
    fn current(&mut self) -> Option<&mut Listed> {
        if self.presets.is_empty() {
            self.orphan_calls += 1;
        }
        self.presets.last_mut()
    }
}

impl MetadataReceiverImpl for RecordingReceiver {
    fn on_error(&mut self, error_code: i32, error_message: Option<&CStr>) {
        self.errors.push(format!("{error_code}: {:?}", error_message.map(text)));
    }

    fn begin_preset(&mut self, name: Option<&CStr>, load_key: Option<&CStr>) -> Result<(), HostError> {
        self.presets.push(Listed {
            name: name.map(text).unwrap_or_default(),
            load_key: load_key.map(text).unwrap_or_default(),
            ..Listed::default()
        });
        Ok(())
    }

    fn add_plugin_id(&mut self, plugin_id: UniversalPluginId) {
        if let Some(p) = self.current() {
            p.plugin_ids.push((text(plugin_id.abi), text(plugin_id.id)));
        }
    }

    fn set_soundpack_id(&mut self, _soundpack_id: &CStr) {}

    fn set_flags(&mut self, flags: Flags) {
        if let Some(p) = self.current() {
            p.flags = Some(flags);
        }
    }

    fn add_creator(&mut self, _creator: &CStr) {}

    fn set_description(&mut self, description: &CStr) {
        if let Some(p) = self.current() {
            p.description = text(description);
        }
    }

    fn set_timestamps(&mut self, _creation_time: Option<Timestamp>, _modification_time: Option<Timestamp>) {}

    fn add_feature(&mut self, feature: &CStr) {
        if let Some(p) = self.current() {
            p.features.push(text(feature));
        }
    }

    fn add_extra_info(&mut self, _key: &CStr, _value: &CStr) {}
}

/// The host's identity for the provider.
fn host_info() -> HostInfo {
    HostInfo::new("Runnel preset tests", "Runnel developers", "https://example.invalid", "1.0").unwrap()
}

/// The load key of a factory preset file ("slapback" for `slapback.toml`).
fn load_key_of(file: &str) -> &str {
    file.strip_suffix(".toml").unwrap()
}

/// The factory preset stored in `file`.
fn preset_in(file: &str) -> Preset {
    let (_, text) = factory::FILES.iter().find(|(f, _)| *f == file).unwrap();
    Preset::parse(text).unwrap()
}

/// The CLAP value of every preset parameter (normalized for continuous parameters, the step for
/// stepped ones), by CLAP ID.
fn clap_values(p: &Plugin, preset: &Preset) -> Vec<(ClapId, f64)> {
    preset
        .values
        .iter()
        .filter(|(spec, _)| spec.in_presets())
        .map(|(spec, value)| {
            let d = p.expect_param(spec.id);
            let v = spec.normalize(value) as f64 * d.max;
            (d.id, if d.is_stepped() { v.round() } else { v })
        })
        .collect()
}

#[test]
fn preset_discovery_lists_every_factory_preset_inside_the_plugin() {
    let factory =
        entry().get_factory::<PresetDiscoveryFactory>().expect("the entry has no preset-discovery factory");
    let descriptors: Vec<_> = factory.provider_descriptors().collect();
    assert_eq!(descriptors.len(), 1, "one provider");
    let d = descriptors[0];
    assert_eq!(d.id().map(text).as_deref(), Some(PROVIDER_ID));
    assert_eq!(d.name().map(text).as_deref(), Some(PROVIDER_NAME));
    assert_eq!(d.vendor().map(text).as_deref(), Some(PROVIDER_VENDOR));

    let mut provider =
        Provider::instantiate(RecordingIndexer::default(), entry(), d.id().unwrap(), &host_info())
            .unwrap_or_else(|e| panic!("provider: {e}"));
    // One location: the plugin itself (no path), factory content; no files, no soundpacks.
    assert_eq!(
        provider.indexer().locations,
        vec![(PROVIDER_NAME.to_string(), Flags::IS_FACTORY_CONTENT, None)]
    );
    assert_eq!(provider.indexer().others, 0);

    let mut receiver = RecordingReceiver::default();
    provider.get_metadata(Location::Plugin, &mut receiver);
    assert!(receiver.errors.is_empty(), "{:?}", receiver.errors);
    assert_eq!(receiver.orphan_calls, 0);
    assert_eq!(receiver.presets.len(), factory::FILES.len(), "{:#?}", receiver.presets);
    assert_eq!(receiver.presets.len(), 12);
    for ((file, _), listed) in factory::FILES.iter().zip(&receiver.presets) {
        let preset = preset_in(file);
        let expected = Listed {
            name: preset.name.clone(),
            load_key: load_key_of(file).to_string(),
            plugin_ids: vec![("clap".to_string(), PLUGIN_ID.to_string())],
            flags: Some(Flags::IS_FACTORY_CONTENT),
            description: preset.description.clone(),
            features: vec![preset.category.to_lowercase()],
        };
        assert_eq!(*listed, expected, "{file}");
    }

    // A file location holds none of Runnel's presets.
    let mut receiver = RecordingReceiver::default();
    provider.get_metadata(Location::File { path: c"/tmp" }, &mut receiver);
    assert!(receiver.presets.is_empty(), "{:?}", receiver.presets);
}

#[test]
fn the_preset_discovery_factory_answers_its_draft_id_too() {
    let get_factory = entry().raw_entry().get_factory.expect("entry without get_factory");
    // SAFETY: the IDs are C strings; get_factory only reads them.
    let current = unsafe { get_factory(c"clap.preset-discovery-factory/2".as_ptr()) };
    let draft = unsafe { get_factory(c"clap.preset-discovery-factory/draft-2".as_ptr()) };
    let unknown = unsafe { get_factory(c"clap.preset-discovery-factory/99".as_ptr()) };
    assert!(!current.is_null(), "no factory for the current ID");
    assert_eq!(draft, current, "hosts asking for the draft ID get the same factory");
    assert!(unknown.is_null());
}

#[test]
fn preset_load_applies_every_preset_value_keeps_bypass_and_tells_the_host() {
    for file in ["dub-echo.toml", "large-hall.toml", "telephone-lo-fi.toml"] {
        let preset = preset_in(file);
        let key = load_key_of(file);
        let mut p = Plugin::new();
        // Start away from the defaults: bypass on, every other parameter at 3/8 of its range,
        // so a parameter the load missed shows.
        let bypass = p.expect_param("bypass");
        let moved: Vec<(ClapId, f64)> = p
            .params
            .iter()
            .map(|d| (d.id, if d.id == bypass.id { 1.0 } else { d.value_at(0.375) }))
            .collect();
        p.flush(&moved);
        let rescans = p.param_rescans();

        p.load_preset(key).unwrap_or_else(|e| panic!("{key}: {e}"));

        assert_eq!(
            p.preset_load_reports(),
            vec![PresetLoadReport { in_plugin: true, load_key: Some(key.to_string()), loaded: true }],
            "{key}: the host is told which preset loaded"
        );
        assert!(p.param_rescans() > rescans, "{key}: the host is asked to rescan values");
        let expected = clap_values(&p, &preset);
        assert_eq!(expected.len(), p.params.len() - 1, "every parameter but the bypass");
        for (id, value) in expected {
            let d = p.params.iter().find(|d| d.id == id).unwrap().clone();
            let got = p.value(id);
            assert!(
                ((got - value) / d.max).abs() <= NORMALIZED_TOLERANCE,
                "{key}: `{}` is {got}, the preset says {value}",
                d.key()
            );
        }
        assert_eq!(p.value(bypass.id), 1.0, "{key}: the preset load left the bypass alone");
    }
}

#[test]
fn preset_load_of_an_unknown_key_fails_tells_the_host_and_changes_nothing() {
    let mut p = Plugin::new();
    let before = p.all_values();
    assert!(p.load_preset("no-such-preset").is_err());
    assert!(p.load_preset("slapback.toml").is_err(), "keys are file stems");
    assert_eq!(p.all_values(), before);
    let reports = p.preset_load_reports();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports.iter().all(|r| !r.loaded && r.in_plugin), "{reports:?}");
    assert_eq!(reports[0].load_key.as_deref(), Some("no-such-preset"));
}

#[test]
fn a_preset_loaded_by_key_renders_like_its_settings_set_by_value() {
    let sr = 48_000.0;
    let block = 512;
    let input = concat(program(0.5, sr, 11), &silence(24_000, 2));
    for file in ["slapback.toml", "vocal-plate.toml"] {
        let preset = preset_in(file);
        let mut loaded = Plugin::new();
        loaded.load_preset(load_key_of(file)).unwrap();
        let mut set = Plugin::new();
        let values = clap_values(&set, &preset);
        set.flush(&values);

        let mut renders = Vec::new();
        for p in [&mut loaded, &mut set] {
            let mut proc = p.activate(sr, block as u32).unwrap();
            renders.push(proc.render_fixed(&input, block));
            p.deactivate(proc);
        }
        let (a, b) = (&renders[0], &renders[1]);
        let scale = peak(b);
        assert!(scale > 1e-2, "{file}: silent");
        let diff = a
            .iter()
            .zip(b)
            .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
            .fold(0.0f32, f32::max);
        eprintln!("{file}: max difference {diff:e} (peak {scale})");
        // The two paths round plain values to f32 differently (state: the plain value itself;
        // clap.params: normalized → plain), a last-bit difference in a few settings: measured
        // 0 for Slapback and 3.8e-7 for Vocal Plate (peak 0.55).
        assert!(diff <= 1e-5 * scale, "{file}: renders differ by {diff} (peak {scale})");
    }
}

/// Hosts load presets while playing: a load between two blocks of an active, processing instance
/// takes effect (every value applied, the audio changes) and the output stays finite and bounded.
#[test]
fn preset_load_while_processing_applies_the_values() {
    let sr = 48_000.0;
    let block = 256;
    let input = program(0.5, sr, 12);
    let preset = preset_in("dub-echo.toml");
    let mut p = Plugin::new();
    let expected = clap_values(&p, &preset);
    let mut proc = p.activate(sr, block as u32).unwrap();
    let half = input[0].len() / 2;
    let first: Vec<Vec<f32>> = input.iter().map(|c| c[..half].to_vec()).collect();
    let second: Vec<Vec<f32>> = input.iter().map(|c| c[half..].to_vec()).collect();
    let before = proc.render_fixed(&first, block);

    p.load_preset("dub-echo").unwrap();
    let after = proc.render_fixed(&second, block);
    p.deactivate(proc);

    for (id, value) in expected {
        let got = p.value(id);
        let d = p.params.iter().find(|d| d.id == id).unwrap();
        assert!(((got - value) / d.max).abs() <= NORMALIZED_TOLERANCE, "`{}` is {got}, not {value}", d.key());
    }
    for (out, what) in [(&before, "before"), (&after, "after")] {
        assert!(out.iter().flatten().all(|x| x.is_finite()), "{what} the load: non-finite output");
        assert!(peak(out) < 4.0, "{what} the load: peak {}", peak(out));
    }
    assert!(peak(&after) > 1e-2, "silent after the load");

    // The same two halves without the load: the audio must have changed with the preset.
    let mut control = Plugin::new();
    let mut proc = control.activate(sr, block as u32).unwrap();
    let control_before = proc.render_fixed(&first, block);
    let control_after = proc.render_fixed(&second, block);
    control.deactivate(proc);
    assert_eq!(control_before, before, "same settings, same output before the load");
    let diff = after
        .iter()
        .zip(&control_after)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0f32, f32::max);
    assert!(diff > 1e-2, "the load did not reach the audio (max difference {diff})");
}
