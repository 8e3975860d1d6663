//! `runnel`: Runnel's engine on the command line, without the plugin framework, GUI or audio
//! backends.
//!
//! - `runnel presets` lists the factory presets and the user presets;
//! - `runnel params` lists every parameter: ID, name, unit, range, default and what it accepts
//!   (the forms `--set id=value` will take; the parser is `runnel_engine::params::parse_assignment`);
//! - `runnel latency` measures the round trip of a JACK loop (see [`latency_command`]);
//! - `runnel devices` lists the audio backends, devices and configurations (see [`devices_command`]);
//! - `runnel live` runs the engine as a windowless JACK client (see [`live_command`]).

mod devices_command;
mod latency_command;
mod live_command;

use std::io::Write;
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
    /// Measure the round-trip latency of a JACK loop (a cable, or a client's path) to a tenth of
    /// a frame, with its polarity.
    Latency(latency_command::LatencyArgs),
    /// List the audio backends and devices (channels, formats, rates, buffer sizes) and a running
    /// JACK server.
    Devices(devices_command::DevicesArgs),
    /// Run the engine live as a JACK client without a window (a headless box), with an optional
    /// recording and a live status line.
    Live(live_command::LiveArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Presets => {
            let (listing, status) = presets_listing();
            emit(&listing).unwrap_or(status)
        }
        Command::Params => emit(&params_listing()).unwrap_or(ExitCode::SUCCESS),
        Command::Latency(args) => latency_command::run(args),
        Command::Live(args) => live_command::run(args),
        Command::Devices(args) => emit(&devices_command::listing(&args)).unwrap_or(ExitCode::SUCCESS),
    }
}

/// Writes `text` to standard output. A reader that went away (`runnel params | head`) ends the
/// program quietly with success, as for any Unix filter; any other write error is reported and
/// fails. `None` means everything was written.
fn emit(text: &str) -> Option<ExitCode> {
    match write_listing(&mut std::io::stdout().lock(), text) {
        Written::All => None,
        Written::ReaderLeft => Some(ExitCode::SUCCESS),
        Written::Failed(e) => {
            eprintln!("runnel: cannot write to standard output: {e}");
            Some(ExitCode::FAILURE)
        }
    }
}

/// How writing a listing ended.
#[derive(Debug)]
enum Written {
    /// Every byte was written.
    All,
    /// The reader closed the pipe first (not an error for a listing).
    ReaderLeft,
    /// Any other I/O error.
    Failed(std::io::Error),
}

/// Writes `text` to `out` and flushes, telling a closed pipe apart from real errors.
fn write_listing(out: &mut impl Write, text: &str) -> Written {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Written::All,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Written::ReaderLeft,
        Err(e) => Written::Failed(e),
    }
}

/// The factory and user presets as text; a broken user preset is reported on standard error and
/// makes the status 1.
fn presets_listing() -> (String, ExitCode) {
    let mut status = ExitCode::SUCCESS;
    let mut out = String::from("Factory presets:\n");
    for result in factory::all() {
        match result {
            Ok(p) => out.push_str(&format!("  {:<26} {:<8} {}\n", p.name, p.category, p.description)),
            Err((file, error)) => {
                eprintln!("  {file}: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    match user::preset_dir() {
        Some(dir) => {
            out.push_str(&format!("\nUser presets ({}):\n", dir.display()));
            let presets = user::load_dir(&dir);
            if presets.is_empty() {
                out.push_str("  (none)\n");
            }
            for result in presets {
                match result {
                    Ok((path, p)) => {
                        out.push_str(&format!("  {:<26} {:<8} {}\n", p.name, p.category, path.display()))
                    }
                    Err(e) => {
                        eprintln!("  {}: {}", e.path.display(), e.error);
                        status = ExitCode::FAILURE;
                    }
                }
            }
        }
        None => out.push_str("\nUser presets: no config folder (set HOME or XDG_CONFIG_HOME)\n"),
    }
    (out, status)
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

    /// A writer that fails every write with `kind`.
    struct FailingWriter(std::io::ErrorKind);

    impl Write for FailingWriter {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_a_listing_quietly_and_other_errors_fail() {
        let mut buffer = Vec::new();
        assert!(matches!(write_listing(&mut buffer, "abc\n"), Written::All));
        assert_eq!(buffer, b"abc\n");
        let closed = write_listing(&mut FailingWriter(std::io::ErrorKind::BrokenPipe), "abc");
        assert!(matches!(closed, Written::ReaderLeft), "{closed:?}");
        let full = write_listing(&mut FailingWriter(std::io::ErrorKind::StorageFull), "abc");
        assert!(matches!(full, Written::Failed(_)), "{full:?}");
    }

    #[test]
    fn the_command_line_parses() {
        assert!(matches!(Cli::try_parse_from(["runnel", "params"]).unwrap().command, Command::Params));
        assert!(matches!(Cli::try_parse_from(["runnel", "presets"]).unwrap().command, Command::Presets));
        assert!(Cli::try_parse_from(["runnel", "render"]).is_err());
    }
}
