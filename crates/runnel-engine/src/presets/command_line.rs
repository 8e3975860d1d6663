//! Presets and parameter assignments as the command lines take them (`runnel render`, `runnel
//! live` and the standalone's `--preset NAME --set id=value …`): one lookup, one order of
//! application, one wording of every error.

use std::path::Path;

use super::{factory, user, Preset};
use crate::params::spec::BYPASS_ID;
use crate::params::{parse_assignment, ParamValues};

/// Finds a preset by what a user typed: a preset file's path, a factory preset's name, or a
/// user preset's name or file stem (names ignore case).
pub fn find_preset(name: &str) -> Result<Preset, String> {
    let path = Path::new(name);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read preset {name}: {e}"))?;
        return Preset::parse(&text).map_err(|e| format!("preset file {name}: {e}"));
    }
    if let Some(preset) = factory::find(name) {
        return Ok(preset);
    }
    if let Some(dir) = user::preset_dir() {
        let found = user::load_dir(&dir).into_iter().filter_map(Result::ok).find(|(file, p)| {
            p.name.eq_ignore_ascii_case(name)
                || file.file_stem().is_some_and(|s| s.eq_ignore_ascii_case(name))
        });
        if let Some((_, preset)) = found {
            return Ok(preset);
        }
    }
    let names: Vec<String> = factory::presets().into_iter().map(|p| format!("\"{}\"", p.name)).collect();
    Err(format!(
        "no preset named `{name}` and no such file; factory presets: {} (user presets: `runnel presets`)",
        names.join(", ")
    ))
}

/// The parameter values a command line asks for: the defaults, then the preset, then each
/// `--set id=value` in order (a later one wins). The host's bypass switch is refused: it is not
/// an effect setting.
pub fn values_from(preset: Option<&str>, sets: &[String]) -> Result<ParamValues, String> {
    let mut values = match preset {
        Some(name) => find_preset(name)?.values,
        None => ParamValues::defaults(),
    };
    for assignment in sets {
        let (spec, value) = parse_assignment(assignment).map_err(|e| format!("--set {assignment}: {e}"))?;
        if spec.id == BYPASS_ID {
            return Err(format!(
                "--set {assignment}: `{BYPASS_ID}` is the host's bypass switch; to run without an \
                 effect, turn its stage off (e.g. --set reverb_on=off, see `runnel params`)"
            ));
        }
        values.set(spec.id, value).map_err(|e| format!("--set {assignment}: {e}"))?;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_apply_after_the_preset_in_order_and_errors_name_the_assignment() {
        let preset = factory::presets().into_iter().next().expect("a factory preset");
        let values =
            values_from(Some(&preset.name.to_uppercase()), &["dly_mix=20%".into(), "dly_mix=30%".into()])
                .unwrap();
        assert!((values.get("dly_mix").unwrap() - 0.3).abs() < 1e-6);
        for (spec, value) in preset.values.iter().filter(|(spec, _)| spec.id != "dly_mix") {
            assert_eq!(values.get(spec.id), Some(value), "{} from the preset", spec.id);
        }
        let error = values_from(None, &["no_such=1".into()]).unwrap_err();
        assert!(error.starts_with("--set no_such=1:"), "{error}");
        let error = values_from(None, &[format!("{BYPASS_ID}=on")]).unwrap_err();
        assert!(error.contains("bypass"), "{error}");
        let error = values_from(Some("No Such Preset"), &[]).unwrap_err();
        assert!(error.contains("factory presets:"), "{error}");
    }
}
