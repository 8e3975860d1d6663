//! `runnel render`: files through the engine, streamed in constant memory, in parallel, with
//! optional loudness normalisation, written atomically.
//!
//! - [`inputs`]: arguments → jobs (files, directories, globs; output paths and their checks);
//! - [`decode`] / [`encode`]: symphonia in, hound/flacenc out, temporary files beside the
//!   destination;
//! - [`pipeline`]: decode → engine → encode threads joined by bounded lock-free queues;
//! - [`batch`]: jobs in parallel, per-file results, the summary;
//! - [`progress`]: the progress display.

pub mod batch;
pub mod decode;
pub mod encode;
pub mod inputs;
pub mod pipeline;
pub mod progress;
pub mod resample;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use runnel_engine::{Engine, EngineSettings};

use crate::loudness::{Detail, LoudnessMeter, LoudnessReport};
use decode::AudioDecoder;
use encode::{AudioEncoder, OutputFormat, PendingOutput};
use pipeline::{render_stream, StreamError, StreamPlan, Tail};

/// Margin below the `--true-peak` ceiling that the gain aims for, so rounding to the output's
/// integer format cannot carry a peak over it.
pub const TRUE_PEAK_MARGIN_DB: f64 = 0.01;

/// The tail as asked on the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TailChoice {
    /// Until the tail decays below −90 dBFS.
    Auto,
    /// Exactly this many seconds (0 = cut at the input's length).
    Seconds(f64),
}

/// Everything about a render that is the same for every file.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Parameter values.
    pub settings: EngineSettings,
    /// Engine block size in frames.
    pub block: usize,
    /// What follows the input.
    pub tail: TailChoice,
    /// Output format.
    pub format: OutputFormat,
    /// `--normalize`: integrated loudness target, LUFS.
    pub normalize_lufs: Option<f64>,
    /// `--true-peak`: ceiling for the written file's true peak, dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// `--force`: replace existing outputs.
    pub force: bool,
    /// `--rate`: output sample rate (the input is resampled before the engine); `None` keeps
    /// the input's rate.
    pub rate: Option<u32>,
}

/// How one file ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Written.
    Ok,
    /// Not written, for this reason.
    Failed(String),
    /// Stopped by Ctrl-C (or never started because of it).
    Interrupted,
}

/// The result of one file, as the summary and `--json` show it.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The input.
    pub input: PathBuf,
    /// The output (planned, even when not written).
    pub output: Option<PathBuf>,
    /// How it ended.
    pub status: Status,
    /// Output sample rate in Hz (the input's unless `--rate`; 0 if unread).
    pub sample_rate: u32,
    /// Channels (0 if unread).
    pub channels: usize,
    /// Input length in seconds.
    pub input_duration_s: f64,
    /// Levels of the written output (its duration, LUFS, peaks).
    pub levels: Option<LoudnessReport>,
    /// Gain applied after the engine, dB (normalisation / true-peak ceiling).
    pub gain_db: f64,
    /// Notes for the summary (gain lowered for the true peak, clipped samples, capped tail…).
    pub notes: Vec<String>,
    /// Wall-clock seconds spent on this file.
    pub seconds: f64,
}

impl FileReport {
    /// A report for a file that never started.
    pub fn not_started(input: &Path, output: Option<PathBuf>, status: Status) -> Self {
        Self {
            input: input.to_path_buf(),
            output,
            status,
            sample_rate: 0,
            channels: 0,
            input_duration_s: 0.0,
            levels: None,
            gain_db: 0.0,
            notes: Vec::new(),
            seconds: 0.0,
        }
    }
}

/// Turns a stream error into the file's status.
fn stream_status(error: StreamError) -> Status {
    match error {
        StreamError::Decode(e) => Status::Failed(e.to_string()),
        StreamError::Sink(e) => Status::Failed(format!("cannot write the output: {e}")),
        StreamError::Interrupted => Status::Interrupted,
    }
}

/// Hooks a batch gives each file: progress (input frames done, of a known total) and Ctrl-C.
pub struct FileHooks<'a> {
    /// Called once the input is open: its rate and length in frames (if known).
    pub started: &'a (dyn Fn(u32, Option<u64>) + Sync),
    /// Input frames processed so far.
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Set by Ctrl-C.
    pub cancel: &'a AtomicBool,
}

/// Renders `input` to `dest` with an engine from `make_engine` (Runnel's chain in the product;
/// tests may add a latent stage). Never leaves anything under `dest` unless it succeeded.
pub fn render_file(
    input: &Path,
    dest: &Path,
    options: &RenderOptions,
    make_engine: &(dyn Fn() -> Engine + Sync),
    hooks: &FileHooks,
) -> FileReport {
    let started = Instant::now();
    let mut report = FileReport::not_started(input, Some(dest.to_path_buf()), Status::Ok);
    report.status = match render_into(input, dest, options, make_engine, hooks, &mut report) {
        Ok(()) => Status::Ok,
        Err(status) => status,
    };
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// The body of [`render_file`]; errors are the file's status.
fn render_into(
    input: &Path,
    dest: &Path,
    options: &RenderOptions,
    make_engine: &(dyn Fn() -> Engine + Sync),
    hooks: &FileHooks,
    report: &mut FileReport,
) -> Result<(), Status> {
    if !options.force && dest.exists() {
        return Err(Status::Failed(format!("{} exists; use --force to replace it", dest.display())));
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Status::Failed(format!("cannot create the folder {}: {e}", parent.display())))?;
    }
    let mut decoder = AudioDecoder::open(input).map_err(|e| Status::Failed(e.to_string()))?;
    let rate = options.rate.unwrap_or(decoder.sample_rate);
    let channels = decoder.channels;
    report.sample_rate = rate;
    report.channels = channels;
    let ratio = f64::from(rate) / f64::from(decoder.sample_rate);
    (hooks.started)(rate, decoder.frames.map(|f| (f as f64 * ratio).round() as u64));
    let mut engine = make_engine();
    let tail = match options.tail {
        TailChoice::Auto => Tail::Auto,
        TailChoice::Seconds(s) => Tail::Frames((s * f64::from(rate)).round() as u64),
    };
    let plan = StreamPlan { settings: options.settings, block: options.block, tail, rate };
    let needs_second_pass = options.normalize_lufs.is_some() || options.true_peak_dbtp.is_some();
    let detail = if options.true_peak_dbtp.is_some() { Detail::SummaryWithTruePeak } else { Detail::Summary };
    let new_meter = || LoudnessMeter::new(channels, rate, detail).map_err(Status::Failed);
    let cant_write = |e: String| Status::Failed(format!("cannot write the output: {e}"));

    // Pass 1: the engine's output, straight to the final format, or to a float file to measure.
    let first = PendingOutput::beside(dest, if needs_second_pass { "pass1" } else { "part" });
    let first_format = if needs_second_pass { OutputFormat::Wav32f } else { options.format };
    let mut encoder = AudioEncoder::create(&first.temp, first_format, rate, channels).map_err(cant_write)?;
    let mut meter = new_meter()?;
    let stats = {
        let mut sink = |samples: &[f32]| {
            meter.add(samples);
            encoder.write(samples)
        };
        render_stream(&mut decoder, &mut engine, &plan, &mut sink, hooks.progress, hooks.cancel)
            .map_err(stream_status)?
    };
    report.input_duration_s = stats.input_frames as f64 / f64::from(rate);
    if stats.input_frames == 0 {
        return Err(Status::Failed("no audio samples in the file".into()));
    }
    if stats.tail_capped {
        report.notes.push("the tail did not decay below -90 dBFS and was cut at its cap".into());
    }
    let clipped = encoder.clipped;
    encoder.finish().map_err(cant_write)?;
    let measured = meter.report();
    if !needs_second_pass {
        note_clipping(report, clipped);
        first.commit(options.force).map_err(|e| commit_error(dest, e))?;
        report.levels = Some(measured);
        return Ok(());
    }

    // Pass 2: the gain that lands on the target (and keeps the true peak under its ceiling).
    let gain_db = loudness_gain(&measured, options, &mut report.notes);
    report.gain_db = gain_db;
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    let second = PendingOutput::beside(dest, "part");
    let mut encoder =
        AudioEncoder::create(&second.temp, options.format, rate, channels).map_err(cant_write)?;
    let mut meter = new_meter()?;
    let reader = hound::WavReader::open(&first.temp).map_err(|e| cant_write(e.to_string()))?;
    let mut chunk = Vec::with_capacity(8192 * channels);
    let mut samples = reader.into_samples::<f32>();
    loop {
        if hooks.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Status::Interrupted);
        }
        chunk.clear();
        for sample in samples.by_ref().take(8192 * channels) {
            chunk.push(sample.map_err(|e| cant_write(e.to_string()))? * gain);
        }
        if chunk.is_empty() {
            break;
        }
        meter.add(&chunk);
        encoder.write(&chunk).map_err(cant_write)?;
    }
    note_clipping(report, encoder.clipped);
    encoder.finish().map_err(cant_write)?;
    drop(first);
    second.commit(options.force).map_err(|e| commit_error(dest, e))?;
    report.levels = Some(meter.report());
    Ok(())
}

/// The failure to move a finished temporary into place.
fn commit_error(dest: &Path, e: std::io::Error) -> Status {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        Status::Failed(format!("{} appeared during the render; use --force to replace it", dest.display()))
    } else {
        Status::Failed(format!("cannot move the output into place: {e}"))
    }
}

/// Adds a note when integer output clipped.
fn note_clipping(report: &mut FileReport, clipped: u64) {
    if clipped > 0 {
        report.notes.push(format!(
            "{clipped} samples clipped at full scale (use --format wav32f, --normalize or --true-peak)"
        ));
    }
}

/// The gain (dB) for `--normalize` / `--true-peak` given the first pass's levels; explains
/// itself in `notes` when the true-peak ceiling lowered it or silence left nothing to normalise.
pub fn loudness_gain(measured: &LoudnessReport, options: &RenderOptions, notes: &mut Vec<String>) -> f64 {
    let mut gain = 0.0;
    if let Some(target) = options.normalize_lufs {
        if measured.integrated_lufs.is_finite() {
            gain = target - measured.integrated_lufs;
        } else {
            notes.push("silent output (below the gate): not normalised".into());
        }
    }
    if let Some(ceiling) = options.true_peak_dbtp {
        let peak = measured.true_peak_dbtp;
        if peak.is_finite() && peak + gain > ceiling - TRUE_PEAK_MARGIN_DB {
            let lowered = ceiling - TRUE_PEAK_MARGIN_DB - peak;
            notes.push(format!(
                "gain lowered by {:.2} dB to keep the true peak at or below {ceiling:.1} dBTP \
                 (by gain, not by the limiter: the loudness lands {:.2} LU below the target)",
                gain - lowered,
                gain - lowered
            ));
            gain = lowered;
        }
    }
    gain
}

/// Peak and loudness in a line: "-16.0 LUFS, peak -1.2 dBFS".
pub fn levels_text(levels: &LoudnessReport) -> String {
    let mut text = format!("{:.1} LUFS, peak {:.1} dBFS", levels.integrated_lufs, levels.sample_peak_dbfs);
    if levels.true_peak_dbtp.is_finite() {
        text.push_str(&format!(", true peak {:.1} dBTP", levels.true_peak_dbtp));
    }
    text
}
