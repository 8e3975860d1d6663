//! User presets: `*.toml` files in the platform's configuration directory.
//!
//! - Linux and other Unix: `$XDG_CONFIG_HOME/runnel/presets`, else `~/.config/runnel/presets`;
//! - macOS: `~/Library/Application Support/runnel/presets`;
//! - Windows: `%APPDATA%\runnel\presets`.

use std::io;
use std::path::{Path, PathBuf};

use super::{Preset, PresetError};

/// The user preset folder for this platform, from the environment; `None` when the environment
/// names no home or config folder.
pub fn preset_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let config = if cfg!(target_os = "windows") {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| home.join("Library").join("Application Support"))
    } else {
        var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|home| home.join(".config")))
    };
    config.map(|dir| dir.join("runnel").join("presets"))
}

/// A user preset file that could not be read or parsed.
#[derive(Debug)]
pub struct UserPresetError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub error: String,
}

/// Every `*.toml` preset in `dir`, sorted by file name; files that fail come back as errors
/// (one bad file never hides the others). A missing folder is no presets.
pub fn load_dir(dir: &Path) -> Vec<Result<(PathBuf, Preset), UserPresetError>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| UserPresetError { path: path.clone(), error: e.to_string() })?;
            Preset::parse(&text)
                .map(|preset| (path.clone(), preset))
                .map_err(|e: PresetError| UserPresetError { path: path.clone(), error: e.to_string() })
        })
        .collect()
}

/// A file name for a preset name: lower case, letters and digits, words joined by '-'.
pub fn file_name(name: &str) -> String {
    let words: Vec<String> =
        name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let stem = if words.is_empty() { "preset".to_string() } else { words.join("-") };
    format!("{stem}.toml")
}

/// Writes `preset` into `dir` (created if needed) and returns the file's path.
pub fn save(dir: &Path, preset: &Preset) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(&preset.name));
    std::fs::write(&path, preset.to_file_text())?;
    Ok(path)
}
