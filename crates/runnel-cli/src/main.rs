//! `runnel`: Runnel's engine on the command line, without the plugin framework, GUI or audio
//! backends.
//!
//! - `runnel render` renders audio files through the engine (see [`runnel_cli::render`]);
//! - `runnel analyze` measures loudness and levels (see [`runnel_cli::analyze`]);
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
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Parser, Subcommand};

use runnel_cli::render::dither::DitherChoice;
use runnel_cli::render::encode::OutputFormat;
use runnel_cli::render::inputs::{plan, Destination};
use runnel_cli::render::progress::Progress;
use runnel_cli::render::{batch, RenderOptions, Status, TailChoice};
use runnel_engine::params::values::range_text;
use runnel_engine::params::PARAMS;
use runnel_engine::presets::command_line::values_from;
use runnel_engine::presets::{factory, user};
use runnel_engine::Engine;

/// Exit status: every file rendered (or measured).
const EXIT_OK: u8 = 0;
/// Exit status: at least one file failed (the others were still processed).
const EXIT_FILE_FAILED: u8 = 1;
/// Exit status: the command line was wrong (unknown option or parameter, bad value, missing
/// preset, `-o` with several inputs); nothing was rendered. Also clap's own status for usage.
const EXIT_USAGE: u8 = 2;
/// Exit status: interrupted by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// The exit codes, as every subcommand's help states them.
const EXIT_CODES_HELP: &str = "Exit status: 0 all files done; 1 at least one file failed (the others were \
still processed; each failure is one line `runnel: FILE: reason` on stderr); 2 usage error (bad option, \
unknown --set id, bad value, missing preset), nothing rendered; 130 interrupted by Ctrl-C (finished \
outputs are kept, unfinished ones and every temporary file are removed).";

/// Command-line arguments.
#[derive(Parser)]
#[command(
    name = "runnel",
    version,
    about = "Runnel's engine (gain → filter → AGC → compressor → delay → reverb → gain → limiter) on the command line",
    after_help = EXIT_CODES_HELP
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
enum Command {
    /// Render audio files through the engine (streamed, in parallel, written atomically).
    Render(RenderArgs),
    /// Measure loudness (EBU R128) and levels of audio files.
    Analyze(AnalyzeArgs),
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
    /// Run the engine live without a window (a headless box): a JACK client, or between a cpal
    /// capture and playback device (ALSA, CoreAudio, WASAPI), with an optional recording and a
    /// live status line.
    Live(live_command::LiveArgs),
}

/// `runnel render`'s arguments.
#[derive(Args)]
#[command(after_help = RENDER_HELP)]
struct RenderArgs {
    /// Input files, directories (searched recursively for .wav .flac .aif(f) .mp3 .ogg) or
    /// glob patterns ("takes/*.wav").
    #[arg(required = true, value_name = "IN")]
    inputs: Vec<PathBuf>,
    /// Output file (one input only); its extension picks the format unless --format is given.
    #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Output folder; each input keeps its name (and its path below a directory given as input)
    /// with the format's extension. Created if missing.
    #[arg(long, value_name = "DIR", required_unless_present = "output")]
    out_dir: Option<PathBuf>,
    /// Factory preset name (see `runnel presets`), user preset name, or a preset file.
    #[arg(long, value_name = "NAME|FILE")]
    preset: Option<String>,
    /// Set a parameter, after the preset: ID=VALUE with the plugin's texts ("hp_freq=1.2k",
    /// "dly_time=350ms", "out_gain=-6", "dly_note=dotted"); see `runnel params`.
    #[arg(long = "set", value_name = "ID=VALUE")]
    set: Vec<String>,
    /// After the input ends: `auto` renders until the tail decays below -90 dBFS (ending with
    /// 100 ms below it); a number renders exactly that many seconds (0 = the input's length).
    #[arg(long, default_value = "auto", value_name = "auto|SECONDS", value_parser = parse_tail)]
    tail: TailChoice,
    /// Output format (default: from -o's extension, .flac → flac24, else wav32f). Integer
    /// formats are dithered (see --dither), rounded and clip at full scale (reported).
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Dither before rounding to an integer format: `tpdf` adds triangular noise of ±1 LSB
    /// (16-bit: a flat floor at about -91.5 dBFS instead of distortion on quiet passages and
    /// fades; the same seed for every file, so renders are reproducible); `none` rounds to
    /// nearest. No effect on wav32f.
    #[arg(long, value_enum, default_value = "tpdf")]
    dither: DitherChoice,
    /// Normalise each output's integrated loudness (EBU R128) to this many LUFS (±0.1 LU), by
    /// a gain after the engine (a second pass over a temporary float file beside the output).
    #[arg(long, value_name = "LUFS", allow_negative_numbers = true)]
    normalize: Option<f64>,
    /// Keep each written file's true peak at or below this many dBTP: after the --normalize
    /// gain, the engine's true-peak limiter (ceiling 0.3 dB under the target, default 1.5 ms
    /// lookahead compensated so the output stays aligned, program-dependent release) on a
    /// second pass; if the file as written (after integer rounding) still measures above the
    /// target (or within 0.08 dB of it), the whole output is lowered to 0.1 dB under it. When limiting leaves the loudness
    /// short of a --normalize target, the gain into the limiter is raised by the shortfall (up
    /// to 3 more passes). The summary and --json say what happened (true_peak_control
    /// none|limiter|limiter+gain, limiter_reduction_db, notes with any loudness still short).
    #[arg(long, value_name = "DBTP", allow_negative_numbers = true)]
    true_peak: Option<f64>,
    /// Output sample rate in Hz: the input is resampled to it (rubato, FFT) before the engine
    /// (default: each input's own rate).
    #[arg(long, value_name = "HZ", value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    rate: Option<u32>,
    /// Files rendered in parallel (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Engine block size in frames.
    #[arg(long, default_value_t = 1024, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536))]
    block: u32,
    /// Replace existing output files (never an input).
    #[arg(long)]
    force: bool,
    /// No progress display and no line per finished file (failures are still reported).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print a JSON summary on standard output (per file: input, output, status, duration,
    /// peak, true peak, LUFS, gain, true-peak control and limiter reduction, time, speed).
    #[arg(long)]
    json: bool,
}

/// Examples and exit codes shown under `runnel render --help`.
const RENDER_HELP: &str = "Examples:
  runnel render take.wav -o take-verb.wav --preset \"Vocal Plate\"
  runnel render stems/ --out-dir out/ --set hp_freq=120 --set dly_mix=20% --format flac24
  runnel render 'podcast/*.mp3' --out-dir mastered/ --normalize -16 --true-peak -1 --json

The output has the input's sample rate (unless --rate) and channels (mono or stereo) and is aligned with the
input sample for sample (the engine's latency is compensated). Each output is written to a
hidden temporary file beside it and renamed into place when complete; an input is never
overwritten, an existing output only with --force.

Exit status: 0 all files rendered; 1 at least one file failed (the others were still rendered;
each failure is one line `runnel: FILE: reason` on stderr); 2 usage error (bad option, unknown
--set id, bad value, missing preset), nothing rendered; 130 interrupted by Ctrl-C (finished
outputs are kept, unfinished ones and every temporary file are removed; a second Ctrl-C exits at
once, without the summary, still removing the temporaries).";

/// `runnel analyze`'s arguments.
#[derive(Args)]
#[command(after_help = ANALYZE_HELP)]
struct AnalyzeArgs {
    /// Files, directories or glob patterns to measure.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print JSON on standard output instead of text.
    #[arg(long)]
    json: bool,
}

/// Shown under `runnel analyze --help`.
const ANALYZE_HELP: &str = "Prints integrated loudness (ITU-R BS.1770-4 / EBU R128, gated), loudness
range (EBU Tech 3342), maximum momentary (400 ms) and short-term (3 s) loudness, sample peak,
true peak (4x oversampled, dBTP), RMS, DC offset, duration, sample rate and channels.
Momentary loudness is read every 10 ms and short-term every 50 ms for the maxima.

Channels: 1 to 8, in the WAV/SMPTE order, weighted as BS.1770-4 specifies: 1 mono; 2 L R;
3 L R C; 4 L R Ls Rs; 5 L R C Ls Rs; 6 L R C LFE Ls Rs; 7 L R C LFE Cs Ls Rs; 8 L R C LFE Lb Rb
Ls Rs. Surrounds (Ls, Rs) weigh +1.5 dB, the LFE is left out. (render takes mono and stereo.)

Example:
  runnel analyze mix.wav --json

Exit status: 0 all files measured; 1 at least one could not be read (one line each on stderr).";

/// Parses `--tail`.
fn parse_tail(text: &str) -> Result<TailChoice, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(TailChoice::Auto);
    }
    match text.trim_end_matches('s').trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(TailChoice::Seconds(s)),
        _ => Err(format!("`{text}` is not `auto` or a number of seconds >= 0")),
    }
}

/// Set by the Ctrl-C handler; every render checks it between blocks.
static CANCEL: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Render(args) => ExitCode::from(render(args)),
        Command::Analyze(args) => ExitCode::from(analyze(args)),
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

/// `runnel render`; returns the exit status.
fn render(args: RenderArgs) -> u8 {
    let usage = |message: String| {
        eprintln!("runnel render: {message}");
        EXIT_USAGE
    };
    let values = match values_from(args.preset.as_deref(), &args.set) {
        Ok(values) => values,
        Err(message) => return usage(message),
    };
    let (destination, implied_format) = match (&args.output, &args.out_dir) {
        (Some(file), _) => (Destination::File(file.clone()), OutputFormat::for_path(file)),
        (None, Some(dir)) => (Destination::Dir(dir.clone()), OutputFormat::Wav32f),
        (None, None) => return usage("give -o OUT or --out-dir DIR".into()),
    };
    let format = args.format.unwrap_or(implied_format);
    if let Some(file) = &args.output {
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if !ext.is_empty() && ext != format.extension() && !(ext == "wave" && format.extension() == "wav") {
            return usage(format!(
                "-o {} does not match --format {format:?} (.{})",
                file.display(),
                format.extension()
            ));
        }
    }
    if let Some(lufs) = args.normalize.filter(|l| !(-70.0..=0.0).contains(l)) {
        return usage(format!("--normalize {lufs}: give a loudness between -70 and 0 LUFS"));
    }
    if let Some(tp) = args.true_peak.filter(|t| !(-60.0..=0.0).contains(t)) {
        return usage(format!("--true-peak {tp}: give a ceiling between -60 and 0 dBTP"));
    }
    let jobs = plan(&args.inputs, &destination, format);
    if matches!(destination, Destination::File(_)) && jobs.len() > 1 {
        return usage(format!("-o takes one input, but the inputs name {} files; use --out-dir", jobs.len()));
    }
    let options = RenderOptions {
        settings: values.to_settings(),
        block: args.block as usize,
        tail: args.tail,
        format,
        dither: args.dither,
        normalize_lufs: args.normalize,
        true_peak_dbtp: args.true_peak,
        limiter_margin_db: runnel_cli::render::peak_limit::LIMITER_MARGIN_DB,
        force: args.force,
        rate: args.rate,
    };
    if let Err(e) = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            // A second Ctrl-C: leave now, but not before removing the temporaries.
            runnel_cli::render::encode::remove_temporaries_and_exit(i32::from(EXIT_INTERRUPTED));
        }
    }) {
        eprintln!("runnel render: Ctrl-C will not clean up ({e})");
    }
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let progress = Progress::new(jobs.len(), !args.quiet);
    let make_engine = Engine::new;
    let reports = batch::run(&jobs, &options, threads, &make_engine, &progress, args.quiet, &CANCEL);
    progress.finish();
    let interrupted = CANCEL.load(Ordering::SeqCst);
    let ok = reports.iter().filter(|r| r.status == Status::Ok).count();
    let failed = reports.iter().filter(|r| matches!(r.status, Status::Failed(_))).count();
    if args.json {
        println!("{}", batch::json_summary(&reports, interrupted));
    }
    if interrupted {
        eprintln!(
            "runnel render: interrupted; {ok} of {} files finished, unfinished outputs removed",
            reports.len()
        );
        return EXIT_INTERRUPTED;
    }
    if !args.quiet || failed > 0 {
        eprintln!("runnel render: {ok} rendered, {failed} failed");
    }
    if failed > 0 {
        EXIT_FILE_FAILED
    } else {
        EXIT_OK
    }
}

/// `runnel analyze`; returns the exit status.
fn analyze(args: AnalyzeArgs) -> u8 {
    let analyses = runnel_cli::analyze::analyze(&args.files);
    let mut status = EXIT_OK;
    let mut text = String::new();
    for a in &analyses {
        match &a.result {
            Ok((rate, channels, report)) => {
                text.push_str(&runnel_cli::analyze::text(&a.path, *rate, *channels, report))
            }
            Err(why) => {
                eprintln!("runnel: {}: {why}", a.path.display());
                status = EXIT_FILE_FAILED;
            }
        }
    }
    if args.json {
        text = format!("{}\n", runnel_cli::analyze::json(&analyses));
    }
    match emit(&text) {
        Some(code) if code != ExitCode::SUCCESS => EXIT_FILE_FAILED,
        _ => status,
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
        let Command::Render(args) = Cli::try_parse_from([
            "runnel",
            "render",
            "a.wav",
            "-o",
            "b.wav",
            "--normalize",
            "-16",
            "--tail",
            "2.5",
        ])
        .unwrap()
        .command
        else {
            panic!("not render")
        };
        assert_eq!(args.normalize, Some(-16.0));
        assert_eq!(args.tail, TailChoice::Seconds(2.5));
        assert!(Cli::try_parse_from(["runnel", "render", "a.wav", "-o", "b.wav", "--tail", "soon"]).is_err());
    }
}
