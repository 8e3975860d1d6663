//! The factory presets, embedded in every binary from `crates/runnel-engine/presets/*.toml`.

use super::{Preset, PresetError};

/// (file name, file text) of every factory preset, in browsing order.
pub const FILES: [(&str, &str); 12] = [
    ("vocal-plate.toml", include_str!("../../presets/vocal-plate.toml")),
    ("slapback.toml", include_str!("../../presets/slapback.toml")),
    ("dotted-eighth-ping-pong.toml", include_str!("../../presets/dotted-eighth-ping-pong.toml")),
    ("dub-echo.toml", include_str!("../../presets/dub-echo.toml")),
    ("tape-echo-wow.toml", include_str!("../../presets/tape-echo-wow.toml")),
    ("drum-room.toml", include_str!("../../presets/drum-room.toml")),
    ("glue-room.toml", include_str!("../../presets/glue-room.toml")),
    ("tight-guitar-ambience.toml", include_str!("../../presets/tight-guitar-ambience.toml")),
    ("large-hall.toml", include_str!("../../presets/large-hall.toml")),
    ("cathedral.toml", include_str!("../../presets/cathedral.toml")),
    ("ambient-freeze-pad.toml", include_str!("../../presets/ambient-freeze-pad.toml")),
    ("telephone-lo-fi.toml", include_str!("../../presets/telephone-lo-fi.toml")),
];

/// Every factory preset, parsed. A file that does not parse is a build defect the tests catch;
/// here it comes back as its error, with the file name.
pub fn all() -> Vec<Result<Preset, (&'static str, PresetError)>> {
    FILES.iter().map(|(file, text)| Preset::parse(text).map_err(|e| (*file, e))).collect()
}

/// The factory presets that parse (all of them, as the tests check).
pub fn presets() -> Vec<Preset> {
    all().into_iter().filter_map(Result::ok).collect()
}

/// The factory preset with this name (case-insensitive).
pub fn find(name: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.name.eq_ignore_ascii_case(name))
}
