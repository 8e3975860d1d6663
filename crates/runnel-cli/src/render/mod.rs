//! `runnel render`: files through the engine, streamed in constant memory, in parallel, with
//! optional loudness normalisation, written atomically.
//!
//! - [`inputs`]: arguments → jobs (files, directories, globs; output paths and their checks);
//! - [`decode`] / [`encode`]: symphonia in, hound/flacenc out, temporary files beside the
//!   destination; [`dither`]: TPDF dither for integer formats;
//! - [`pipeline`]: decode → engine → encode threads joined by bounded lock-free queues;
//! - [`peak_limit`]: `--true-peak` through the engine's limiter, latency-compensated;
//! - [`batch`]: jobs in parallel, per-file results, the summary;
//! - [`progress`]: the progress display.

pub mod batch;
pub mod decode;
pub mod dither;
pub mod encode;
pub mod inputs;
pub mod peak_limit;
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

/// The fallback after the limiter acts when the written file's true peak (ebur128's 4×
/// interpolator) is within this many dB of the `--true-peak` target: on densely limited noise
/// ebur128 reads up to 0.06 dB under a long polyphase interpolator (scipy's `resample_poly`,
/// measured in tests/render_true_peak.rs), so "at the target by ebur128" is not yet under it.
pub const FALLBACK_GUARD_DB: f64 = 0.08;

/// Where the fallback gain puts the written file's true peak (by ebur128) under the target:
/// past the guard, with room for integer rounding.
pub const TRUE_PEAK_MARGIN_DB: f64 = 0.1;

/// Second passes that may lower the output after the limiter (the fallback).
const MAX_TRIM_PASSES: u32 = 2;

/// Second passes that may raise the gain into the limiter to make up the loudness it took.
const MAX_LOUDNESS_PASSES: u32 = 3;

/// A loudness this far under the `--normalize` target (LU) is made up (and reported when it
/// cannot be): well inside the ±0.1 LU the target promises, leaving room for the meters'
/// differences (the histogram's ±0.04 LU).
const LOUDNESS_SHORTFALL_LU: f64 = 0.03;

/// How `--true-peak` kept the written file under its ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeakControl {
    /// The peaks were under the ceiling already: the limiter never acted.
    None,
    /// The true-peak limiter reduced the peaks.
    Limiter,
    /// The limiter, and a gain after it because the written file still measured above the
    /// ceiling.
    LimiterAndGain,
}

impl PeakControl {
    /// The name `--json` prints.
    pub fn name(self) -> &'static str {
        match self {
            PeakControl::None => "none",
            PeakControl::Limiter => "limiter",
            PeakControl::LimiterAndGain => "limiter+gain",
        }
    }
}

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
    /// `--dither`: TPDF dither before rounding to an integer format, or none.
    pub dither: dither::DitherChoice,
    /// `--normalize`: integrated loudness target, LUFS.
    pub normalize_lufs: Option<f64>,
    /// `--true-peak`: ceiling for the written file's true peak, dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// How far under `true_peak_dbtp` the limiter's ceiling sits, dB:
    /// [`peak_limit::LIMITER_MARGIN_DB`] in the product; tests move it to exercise the fallback.
    pub limiter_margin_db: f64,
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
    /// Gain applied after the engine, dB (normalisation, and a fallback trim after the limiter).
    pub gain_db: f64,
    /// `--true-peak`: how the ceiling was kept.
    pub peak_control: Option<PeakControl>,
    /// `--true-peak`: the limiter's largest gain reduction, dB.
    pub limiter_reduction_db: Option<f64>,
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
            peak_control: None,
            limiter_reduction_db: None,
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
    let new_meter = || LoudnessMeter::new(channels, rate, Detail::Summary).map_err(Status::Failed);
    let cant_write = |e: String| Status::Failed(format!("cannot write the output: {e}"));

    // Pass 1: the engine's output, straight to the final format, or to a float file to measure.
    let first = PendingOutput::beside(dest, if needs_second_pass { "pass1" } else { "part" });
    let first_format = if needs_second_pass { OutputFormat::Wav32f } else { options.format };
    let mut encoder = AudioEncoder::create(&first.temp, first_format, rate, channels, options.dither)
        .map_err(cant_write)?;
    let mut meter = new_meter()?;
    let stats = {
        let mut sink = |samples: &[f32]| {
            meter.add(encoder.write(samples)?);
            Ok(())
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

    // Pass 2: the gain that lands on the target, then (with --true-peak) the engine's
    // true-peak limiter, measured as written. Repeated (each time from the float first pass)
    // with more gain into the limiter while the limiting leaves the loudness short of the
    // target, and with a gain after the limiter if the written file still exceeds the ceiling.
    let normalize_db = normalize_gain(&measured, options, &mut report.notes);
    let mut gain_db = normalize_db;
    let mut trim_db = 0.0;
    let (mut trims, mut pushes) = (0, 0);
    let second = loop {
        let pass = SecondPass { source: &first.temp, dest, options, rate, channels, gain_db, trim_db };
        let written = pass.run(hooks.cancel)?;
        let (Some(ceiling), lufs) = (options.true_peak_dbtp, written.levels.integrated_lufs) else {
            break written;
        };
        let shortfall = options.normalize_lufs.map_or(0.0, |target| target - lufs);
        if written.levels.true_peak_dbtp > ceiling - FALLBACK_GUARD_DB && trims < MAX_TRIM_PASSES {
            // The limiter's interpolator read this file's peaks a little low: lower the whole
            // output to the margin (a gain after the limiter scales its output exactly, so one
            // more pass lands it; another only guards against integer rounding).
            trims += 1;
            trim_db += ceiling - TRUE_PEAK_MARGIN_DB - written.levels.true_peak_dbtp;
        } else if written.limiter_reduction_db > 0.0
            && lufs.is_finite()
            && shortfall > LOUDNESS_SHORTFALL_LU
            && pushes < MAX_LOUDNESS_PASSES
            && trims < MAX_TRIM_PASSES
        {
            // The limiting cost loudness: drive the limiter harder by the shortfall (only while
            // a trim is left, so a pass that overshoots the ceiling can still be brought back).
            pushes += 1;
            gain_db += shortfall;
        } else {
            break written;
        }
    };
    report.gain_db = gain_db + trim_db;
    note_clipping(report, second.clipped);
    if let Some(target) = options.true_peak_dbtp {
        let reduction = second.limiter_reduction_db;
        report.limiter_reduction_db = Some(reduction);
        report.peak_control = Some(if trim_db < 0.0 {
            PeakControl::LimiterAndGain
        } else if reduction > 0.0 {
            PeakControl::Limiter
        } else {
            PeakControl::None
        });
        if reduction > 0.0 {
            report.notes.push(format!(
                "true-peak limiter: up to {reduction:.2} dB of gain reduction (ceiling {:.2} dBTP)",
                target - options.limiter_margin_db
            ));
        }
        if gain_db > normalize_db {
            report.notes.push(format!(
                "gain raised by {:.2} dB into the limiter to make up the loudness it took",
                gain_db - normalize_db
            ));
        }
        if trim_db < 0.0 {
            report.notes.push(format!(
                "gain lowered by {:.2} dB after the limiter to keep the true peak at or below {target:.1} dBTP",
                -trim_db
            ));
        }
        if let Some(lufs) = options.normalize_lufs {
            let short = lufs - second.levels.integrated_lufs;
            if reduction > 0.0 && short > LOUDNESS_SHORTFALL_LU && second.levels.integrated_lufs.is_finite() {
                report.notes.push(format!(
                    "loudness lands {short:.2} LU below the target under the true-peak ceiling"
                ));
            }
        }
    }
    drop(first);
    second.output.commit(options.force).map_err(|e| commit_error(dest, e))?;
    report.levels = Some(second.levels);
    Ok(())
}

/// One run of the second pass: the float first pass → gain → limiter (with `--true-peak`) →
/// trim → the final format, measured as written.
struct SecondPass<'a> {
    /// The first pass's float file.
    source: &'a Path,
    /// The destination (the temporary goes beside it).
    dest: &'a Path,
    /// The render's options (format, ceiling).
    options: &'a RenderOptions,
    /// Sample rate.
    rate: u32,
    /// Channels.
    channels: usize,
    /// Normalisation gain before the limiter, dB.
    gain_db: f64,
    /// Gain after the limiter, dB (0, or negative when a run before exceeded the ceiling).
    trim_db: f64,
}

/// What a [`SecondPass`] wrote.
struct Written {
    /// The temporary file, complete.
    output: PendingOutput,
    /// Levels of the samples as written (after integer rounding).
    levels: LoudnessReport,
    /// Samples clipped by the integer format.
    clipped: u64,
    /// The limiter's largest gain reduction, dB (0 without `--true-peak`).
    limiter_reduction_db: f64,
}

impl SecondPass<'_> {
    fn run(&self, cancel: &AtomicBool) -> Result<Written, Status> {
        let cant_write = |e: String| Status::Failed(format!("cannot write the output: {e}"));
        let format = self.options.format;
        let output = PendingOutput::beside(self.dest, "part");
        let mut encoder =
            AudioEncoder::create(&output.temp, format, self.rate, self.channels, self.options.dither)
                .map_err(cant_write)?;
        let mut meter = LoudnessMeter::new(self.channels, self.rate, Detail::SummaryWithTruePeak)
            .map_err(Status::Failed)?;
        let mut limiter = self.options.true_peak_dbtp.map(|target| {
            peak_limit::AlignedLimiter::new(self.rate, self.channels, target - self.options.limiter_margin_db)
        });
        let gain = 10f64.powf(self.gain_db / 20.0) as f32;
        let trim = 10f64.powf(self.trim_db / 20.0) as f32;
        let reader = hound::WavReader::open(self.source).map_err(|e| cant_write(e.to_string()))?;
        let mut samples = reader.into_samples::<f32>();
        let mut chunk = Vec::with_capacity(8192 * self.channels);
        let mut limited = Vec::with_capacity(8192 * self.channels);
        let mut input_done = false;
        while !input_done {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(Status::Interrupted);
            }
            chunk.clear();
            for sample in samples.by_ref().take(8192 * self.channels) {
                chunk.push(sample.map_err(|e| cant_write(e.to_string()))? * gain);
            }
            input_done = chunk.is_empty();
            let out = match &mut limiter {
                Some(limiter) => {
                    limited.clear();
                    if input_done {
                        limiter.finish(&mut limited);
                    } else {
                        limiter.process(&chunk, &mut limited);
                    }
                    &mut limited
                }
                None => &mut chunk,
            };
            if trim != 1.0 {
                out.iter_mut().for_each(|x| *x *= trim);
            }
            meter.add(encoder.write(out).map_err(cant_write)?);
        }
        let clipped = encoder.clipped;
        encoder.finish().map_err(cant_write)?;
        Ok(Written {
            output,
            levels: meter.report(),
            clipped,
            limiter_reduction_db: limiter.map_or(0.0, |l| l.max_reduction_db()),
        })
    }
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

/// The `--normalize` gain (dB) given the first pass's levels (0 without it); says so in
/// `notes` when silence left nothing to normalise.
pub fn normalize_gain(measured: &LoudnessReport, options: &RenderOptions, notes: &mut Vec<String>) -> f64 {
    match options.normalize_lufs {
        Some(target) if measured.integrated_lufs.is_finite() => target - measured.integrated_lufs,
        Some(_) => {
            notes.push("silent output (below the gate): not normalised".into());
            0.0
        }
        None => 0.0,
    }
}

/// Peak and loudness in a line: "-16.0 LUFS, peak -1.2 dBFS".
pub fn levels_text(levels: &LoudnessReport) -> String {
    let mut text = format!("{:.1} LUFS, peak {:.1} dBFS", levels.integrated_lufs, levels.sample_peak_dbfs);
    if levels.true_peak_dbtp.is_finite() {
        text.push_str(&format!(", true peak {:.1} dBTP", levels.true_peak_dbtp));
    }
    text
}
