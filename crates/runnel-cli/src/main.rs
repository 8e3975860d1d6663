//! `runnel`: Runnel's engine on the command line, without the plugin framework, GUI or audio
//! backends.
//!
//! - `runnel presets` lists the factory presets and the user presets;
//! - `runnel params` lists every parameter: ID, name, unit, range, default and what it accepts
//!   (the forms `--set id=value` will take; the parser is `runnel_engine::params::parse_assignment`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use runnel_engine::params::values::range_text;
use runnel_engine::params::PARAMS;
use runnel_engine::presets::{factory, user};

/// Command-line arguments.
#[derive(Parser)]
#[command(
    name = "runnel",
    version,
    about = "Runnel's gain → filter → delay → reverb engine on the command line"
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
enum Command {
    /// List the factory presets and the user presets.
    Presets,
    /// List every parameter: id, name, unit, range, default and accepted values.
    Params,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Presets => list_presets(),
        Command::Params => {
            print!("{}", params_listing());
            ExitCode::SUCCESS
        }
    }
}

/// Prints factory and user presets; a broken user preset is reported and makes the exit code 1.
fn list_presets() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    println!("Factory presets:");
    for result in factory::all() {
        match result {
            Ok(p) => println!("  {:<26} {:<8} {}", p.name, p.category, p.description),
            Err((file, error)) => {
                eprintln!("  {file}: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    match user::preset_dir() {
        Some(dir) => {
            println!("\nUser presets ({}):", dir.display());
            let presets = user::load_dir(&dir);
            if presets.is_empty() {
                println!("  (none)");
            }
            for result in presets {
                match result {
                    Ok((path, p)) => println!("  {:<26} {:<8} {}", p.name, p.category, path.display()),
                    Err(e) => {
                        eprintln!("  {}: {}", e.path.display(), e.error);
                        status = ExitCode::FAILURE;
                    }
                }
            }
        }
        None => println!("\nUser presets: no config folder (set HOME or XDG_CONFIG_HOME)"),
    }
    status
}

/// The parameter listing, one block per parameter.
fn params_listing() -> String {
    let mut out = String::new();
    for spec in PARAMS.iter() {
        let group = if spec.group.is_empty() { "(host)" } else { spec.group };
        out.push_str(&format!("{:<18} {} [{group}]\n", spec.id, spec.name));
        let unit = if spec.unit.is_empty() { "-" } else { spec.unit };
        out.push_str(&format!(
            "    unit {unit}; range {}; default {}\n    accepts {}\n",
            range_text(spec),
            spec.value_text(spec.default_value()),
            spec.accepted_forms()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_names_every_parameter_with_its_range_and_default() {
        let listing = params_listing();
        for spec in PARAMS.iter() {
            assert!(
                listing.lines().any(|l| l.starts_with(&format!("{:<18} {}", spec.id, spec.name))),
                "{}",
                spec.id
            );
        }
        assert!(listing.contains("hp_freq            HP Cutoff [Filter/High-pass]\n    unit Hz; range 20 Hz … 20.0 kHz; default 80 Hz"));
        assert!(listing.contains("one of: 6 dB/oct, 12 dB/oct"));
    }

    #[test]
    fn the_command_line_parses() {
        assert!(matches!(Cli::try_parse_from(["runnel", "params"]).unwrap().command, Command::Params));
        assert!(matches!(Cli::try_parse_from(["runnel", "presets"]).unwrap().command, Command::Presets));
        assert!(Cli::try_parse_from(["runnel", "render"]).is_err());
    }
}
