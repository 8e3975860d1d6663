//! The standalone Runnel: the same plugin, run against an audio interface through JACK or
//! ALSA/CoreAudio/WASAPI (cpal). `Runnel --help` lists the device, sample-rate, period-size and
//! tempo options; `--record FILE` (taken out here before nice-plug parses the rest) records the
//! processed output to a 32-bit float WAV from the moment audio starts.
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

/// The command line without `--record FILE` / `--record=FILE`, and the file if given.
fn take_record_option(args: Vec<String>) -> Result<(Vec<String>, Option<PathBuf>), String> {
    let mut rest = Vec::with_capacity(args.len());
    let mut record = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--record" {
            record = Some(PathBuf::from(args.next().ok_or("--record needs a file name")?));
        } else if let Some(path) = arg.strip_prefix("--record=") {
            record = Some(PathBuf::from(path));
        } else {
            rest.push(arg);
        }
    }
    Ok((rest, record))
}

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

fn main() -> ExitCode {
    let (args, record) = match take_record_option(std::env::args().collect()) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("Runnel: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("Runnel's own option:\n      --record <FILE>\n          Record the processed output to a WAV file (32-bit float) from the start.\n");
    }
    if let Some(path) = record {
        runnel_plugin::recording::record_at_start(path);
    }
    if let Err(e) = ctrlc::set_handler(|| {
        runnel_plugin::recording::finish_now();
        print_summary();
        std::process::exit(0);
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
