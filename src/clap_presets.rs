//! Runnel's factory presets for CLAP hosts: the list the framework's preset-discovery provider
//! reports, and the state `clap.preset-load` applies (see `patches/README.md`, patch 4).
//!
//! A preset's load key is its file's stem ("vocal-plate" for `vocal-plate.toml`): stable across
//! versions and independent of the display name, which may be reworded.

use nice_plug::prelude::PluginState;
use nice_plug::wrapper::clap::{ClapFactoryPreset, ClapPresetProvider};
use runnel_engine::presets::{factory, Preset};

use crate::params::RunnelParams;

/// The one provider Runnel offers: its embedded factory presets.
pub const PROVIDER: ClapPresetProvider =
    ClapPresetProvider { id: "audio.runnel.runnel.factory-presets", name: "Runnel factory presets" };

/// The load key of a factory preset file: its name without `.toml`.
pub fn load_key(file_name: &str) -> &str {
    file_name.strip_suffix(".toml").unwrap_or(file_name)
}

/// Every factory preset that parses, with its load key, in browsing order.
fn keyed_presets() -> impl Iterator<Item = (&'static str, Preset)> {
    factory::FILES
        .iter()
        .zip(factory::all())
        .filter_map(|((file, _), preset)| Some((load_key(file), preset.ok()?)))
}

/// What hosts index: name, description and category (lowercase, like CLAP's feature names) of
/// every factory preset.
pub fn factory_presets() -> Vec<ClapFactoryPreset> {
    keyed_presets()
        .map(|(key, preset)| ClapFactoryPreset {
            load_key: key.to_string(),
            name: preset.name,
            description: preset.description,
            features: vec![preset.category.to_lowercase()],
        })
        .collect()
}

/// The state that loads the factory preset with this load key (every preset parameter; the host
/// bypass is left alone), or `None` for an unknown key.
pub fn factory_preset_state(key: &str) -> Option<PluginState> {
    keyed_presets().find(|(k, _)| *k == key).map(|(_, preset)| RunnelParams::preset_state(&preset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factory_preset_is_listed_once_with_its_file_stem_as_key() {
        let listed = factory_presets();
        assert_eq!(listed.len(), factory::FILES.len());
        for ((file, _), entry) in factory::FILES.iter().zip(&listed) {
            assert_eq!(format!("{}.toml", entry.load_key), *file);
            assert!(!entry.name.is_empty() && !entry.description.is_empty(), "{entry:?}");
            assert_eq!(entry.features.len(), 1, "{entry:?}");
        }
        let mut keys: Vec<&str> = listed.iter().map(|p| p.load_key.as_str()).collect();
        keys.dedup();
        assert_eq!(keys.len(), listed.len(), "duplicate load keys");
    }

    #[test]
    fn a_load_key_gives_its_presets_state_and_unknown_keys_none() {
        let slapback = factory::find("Slapback").expect("factory preset Slapback");
        let state = factory_preset_state("slapback").expect("state of `slapback`");
        // `ParamValue` has no `PartialEq`; the JSON a state saves as compares everything.
        let json = |state: &PluginState| serde_json::to_value(state).unwrap();
        assert_eq!(json(&state), json(&RunnelParams::preset_state(&slapback)));
        assert!(factory_preset_state("no-such-preset").is_none());
        assert!(factory_preset_state("slapback.toml").is_none());
    }
}
