//! The standalone Runnel: the same plugin, run against an audio interface through JACK or
//! ALSA/CoreAudio/WASAPI (cpal). `Runnel --help` lists the device, sample-rate, period-size and
//! tempo options. Runnel's own options are taken out here before nice-plug parses the rest:
//! `--preset NAME` and `--set ID=VALUE` (the parameter spec's IDs and value texts, as `runnel
//! render` takes them) set the parameters it starts with, loaded like a host's saved state;
//! `--record FILE` records the processed output to a 32-bit float WAV from the moment audio
//! starts, and `--record-dir DIR` sets where the editor's record button writes its numbered takes.
//!
//! It prints its audio I/O set-up (devices, rate, period, latency) when audio starts and a summary
//! (the same plus xruns, overflow/underrun frames, late callbacks and the recording's written and
//! dropped frames) when it ends: by closing the window (status 0), or by Ctrl-C or SIGTERM, which
//! finish the recording's file, print the summary and exit 0 (nice-plug's own handler cannot close
//! an open editor window, so this one is installed first). It exits 1 when the backend could not
//! start or a device refused its stream.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use nice_plug::wrapper::standalone::status::status;
use runnel_engine::presets::command_line::values_from;
use runnel_engine::presets::Preset;
use runnel_plugin::params::RunnelParams;

/// Runnel's own options, taken out of the command line before nice-plug parses the rest.
#[derive(Debug, Default, PartialEq)]
struct RunnelOptions {
    /// `--record FILE`: record from the start.
    file: Option<PathBuf>,
    /// `--record-dir DIR`: where the editor's record button puts its takes.
    dir: Option<PathBuf>,
    /// `--preset NAME`: a factory or user preset's name, or a preset file, loaded at start.
    preset: Option<String>,
    /// `--set ID=VALUE`, in order: parameter values applied after the preset.
    sets: Vec<String>,
}

/// The command line without Runnel's own options (`--record FILE`, `--record-dir DIR`,
/// `--preset NAME`, `--set ID=VALUE`, each also in the `--name=value` form), and their values.
fn take_runnel_options(args: Vec<String>) -> Result<(Vec<String>, RunnelOptions), String> {
    let mut rest = Vec::with_capacity(args.len());
    let mut options = RunnelOptions::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_string(), Some(value.to_string())),
            _ => (arg.clone(), None),
        };
        let what = match name.as_str() {
            "--record" | "--record-dir" => "a path",
            "--preset" => "a preset name or file",
            "--set" => "ID=VALUE",
            _ => {
                rest.push(arg);
                continue;
            }
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or(format!("{name} needs {what}"))?,
        };
        match name.as_str() {
            "--record" => options.file = Some(PathBuf::from(value)),
            "--record-dir" => options.dir = Some(PathBuf::from(value)),
            "--preset" => options.preset = Some(value),
            _ => options.sets.push(value),
        }
    }
    Ok((rest, options))
}

/// Runnel's own options in `--help`, after nice-plug's.
const OWN_HELP: &str = "Runnel's own options:
      --preset <NAME>
          Start with this preset: a factory or user preset's name (`runnel presets` lists them)
          or a preset file
      --set <ID=VALUE>
          Start with this parameter at this value, after the preset (repeatable; `runnel params`
          lists the IDs and ranges), e.g. --set dly_mix=20% --set limiter_on=on
      --record <FILE>
          Record the processed output to a WAV file (32-bit float) from the start.
      --record-dir <DIR>
          Where the editor's record button writes its takes (default: Runnel in the music folder).
";

/// Prints the audio I/O summary, with the recording's figures, if audio ran.
fn print_summary() {
    let status = status();
    if status.active.load(Ordering::Acquire) {
        let mut summary = status.summary();
        if let Some((path, written, dropped)) = runnel_plugin::recording::last_recording() {
            summary
                .push_str(&format!("; recorded {written} frames to {}, dropped {dropped}", path.display()));
        }
        eprintln!("Runnel: {summary}");
    }
}

/// Ends the process with status 0 at once, from the Ctrl-C/SIGTERM handler, once the recording
/// is finished and the summary printed. On Unix without the C library's exit handlers: the audio
/// backends' and the GPU driver's threads are still running then, and the handlers that tear
/// down their libraries under them crashed the standalone now and then (a segmentation fault
/// after the summary, so a clean stop ended with a signal).
fn exit_now() -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    // SAFETY: `_exit` only ends the process; everything that must reach the disk has been
    // written and flushed above.
    unsafe {
        libc::_exit(0)
    }
    #[cfg(not(unix))]
    std::process::exit(0)
}

/// Keeps a software OpenGL renderer (Mesa's llvmpipe, used where there is no GPU driver: a
/// headless box, a VM) from spreading the editor's drawing over every core: by default it
/// starts one rasterizer thread per CPU, and on a 2-core machine those took both cores in bursts
/// and made a (non-real-time) JACK server miss 48 cycles in 8 s at 256-frame periods; drawing
/// on the window's own thread, 1 in the same test (`tests/standalone_jack_deadline.rs`). A user's
/// own `LP_NUM_THREADS` is kept; hardware renderers ignore it.
fn keep_software_rendering_off_the_audio_cores() {
    if std::env::var_os("LP_NUM_THREADS").is_none() {
        // Before any thread exists (the first line of `main`), so no other thread reads the
        // environment meanwhile.
        std::env::set_var("LP_NUM_THREADS", "0");
    }
}

fn main() -> ExitCode {
    keep_software_rendering_off_the_audio_cores();
    let (args, options) = match take_runnel_options(std::env::args().collect()) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("Runnel: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{OWN_HELP}");
    }
    if options.preset.is_some() || !options.sets.is_empty() {
        match values_from(options.preset.as_deref(), &options.sets) {
            Ok(values) => {
                let start = Preset::new("Command line", "", "--preset and --set", values);
                nice_plug::wrapper::standalone::set_initial_state(RunnelParams::preset_state(&start));
            }
            Err(e) => {
                eprintln!("Runnel: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = options.file {
        runnel_plugin::recording::record_at_start(path);
    }
    if let Some(dir) = options.dir {
        runnel_plugin::recording::set_take_dir(dir);
    }
    if let Err(e) = ctrlc::set_handler(|| {
        runnel_plugin::recording::finish_now();
        print_summary();
        exit_now();
    }) {
        eprintln!("Runnel: Ctrl-C will not print a summary ({e})");
    }
    let ran =
        nice_plug::wrapper::standalone::nice_export_standalone_with_args::<runnel_plugin::Runnel, _>(args);
    print_summary();
    let status = status();
    if ran && !status.failed.load(Ordering::Acquire) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn own_options_are_taken_out_in_both_forms_and_the_rest_is_kept_in_order() {
        let (rest, options) = take_runnel_options(args(
            "Runnel --backend jack --record a.wav --record-dir=takes -p 64 --preset Slapback --set \
             dly_mix=20% --set=limiter_on=on",
        ))
        .unwrap();
        assert_eq!(rest, args("Runnel --backend jack -p 64"));
        assert_eq!(
            options,
            RunnelOptions {
                file: Some(PathBuf::from("a.wav")),
                dir: Some(PathBuf::from("takes")),
                preset: Some("Slapback".into()),
                sets: vec!["dly_mix=20%".into(), "limiter_on=on".into()],
            }
        );
        let (rest, options) = take_runnel_options(args("Runnel --record=b.wav --record-dir d")).unwrap();
        assert_eq!(rest, args("Runnel"));
        assert_eq!(options.file, Some(PathBuf::from("b.wav")));
        assert_eq!(options.dir, Some(PathBuf::from("d")));
        assert_eq!(
            take_runnel_options(args("Runnel --record-dir")).unwrap_err(),
            "--record-dir needs a path"
        );
        assert_eq!(take_runnel_options(args("Runnel --set")).unwrap_err(), "--set needs ID=VALUE");
    }
}
