//! Rendering a batch: every job on a pool of `--jobs` threads, one line per finished or failed
//! file, the summary, and the `--json` document.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;
use runnel_engine::Engine;
use serde_json::{json, Value};

use super::inputs::Job;
use super::progress::Progress;
use super::{levels_text, render_file, FileHooks, FileReport, RenderOptions, Status};

/// Renders `jobs` with `threads` in parallel; returns one report per job, in the jobs' order.
/// Failures are printed as they happen (`runnel: FILE: reason`); finished files too unless
/// `quiet`.
pub fn run(
    jobs: &[Job],
    options: &RenderOptions,
    threads: usize,
    make_engine: &(dyn Fn() -> Engine + Sync),
    progress: &Progress,
    quiet: bool,
    cancel: &AtomicBool,
) -> Vec<FileReport> {
    let done = AtomicUsize::new(0);
    let render_one = |job: &Job| {
        let report = match &job.output {
            _ if cancel.load(Ordering::Relaxed) => {
                FileReport::not_started(&job.input, job.output.as_ref().ok().cloned(), Status::Interrupted)
            }
            Err(why) => FileReport::not_started(&job.input, None, Status::Failed(why.clone())),
            Ok(dest) => render_with_bar(job, dest, options, make_engine, progress, cancel),
        };
        match &report.status {
            Status::Failed(why) => progress.line(&format!("runnel: {}: {why}", job.input.display())),
            Status::Ok if !quiet => progress.line(&finished_line(&report)),
            _ => {}
        }
        progress.files_done(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
        report
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build() {
        Ok(pool) => pool.install(|| jobs.par_iter().map(render_one).collect()),
        // No threads to be had: render one after the other.
        Err(_) => jobs.iter().map(render_one).collect(),
    }
}

/// Renders one job with its own progress bar feeding the total.
fn render_with_bar(
    job: &Job,
    dest: &std::path::Path,
    options: &RenderOptions,
    make_engine: &(dyn Fn() -> Engine + Sync),
    progress: &Progress,
    cancel: &AtomicBool,
) -> FileReport {
    let bar = progress.file(&job.input);
    let rate = AtomicU64::new(0);
    let shown_ms = AtomicU64::new(0);
    let started = |sample_rate: u32, frames: Option<u64>| {
        rate.store(u64::from(sample_rate), Ordering::Relaxed);
        let ms = frames.map_or(0, |f| f * 1000 / u64::from(sample_rate.max(1)));
        bar.set_length(ms);
        progress.add_to_total(ms);
    };
    let advance = |frames: u64| {
        let ms = frames * 1000 / rate.load(Ordering::Relaxed).max(1);
        let before = shown_ms.swap(ms, Ordering::Relaxed);
        if ms > before {
            bar.set_position(ms);
            progress.total().inc(ms - before);
        }
    };
    let hooks = FileHooks { started: &started, progress: &advance, cancel };
    let report = render_file(&job.input, dest, options, make_engine, &hooks);
    bar.finish_and_clear();
    report
}

/// "a.wav → out/a.wav: 300.0 s, -16.0 LUFS, peak -1.2 dBFS, 41.3× realtime" plus notes.
fn finished_line(report: &FileReport) -> String {
    let output = report.output.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let mut line = format!("{} → {output}", report.input.display());
    if let Some(levels) = &report.levels {
        line.push_str(&format!(": {:.1} s, {}", levels.duration_s, levels_text(levels)));
    }
    if report.gain_db != 0.0 {
        line.push_str(&format!(", gain {:+.2} dB", report.gain_db));
    }
    if report.seconds > 0.0 {
        line.push_str(&format!(", {:.1}× realtime", report.input_duration_s / report.seconds));
    }
    for note in &report.notes {
        line.push_str(&format!("\n    note: {note}"));
    }
    line
}

/// A finite number as JSON, anything else (−∞ LUFS of silence, unmeasured) as null.
fn number(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

/// The `--json` document: one object per file and the totals.
pub fn json_summary(reports: &[FileReport], interrupted: bool) -> Value {
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            let (status, error) = match &r.status {
                Status::Ok => ("ok", Value::Null),
                Status::Failed(why) => ("failed", json!(why)),
                Status::Interrupted => ("interrupted", Value::Null),
            };
            let levels = r.levels.as_ref();
            json!({
                "input": r.input.display().to_string(),
                "output": r.output.as_ref().map(|p| p.display().to_string()),
                "status": status,
                "error": error,
                "sample_rate": r.sample_rate,
                "channels": r.channels,
                "input_duration_s": number(r.input_duration_s),
                "duration_s": levels.map_or(Value::Null, |l| number(l.duration_s)),
                "peak_dbfs": levels.map_or(Value::Null, |l| number(l.sample_peak_dbfs)),
                "true_peak_dbtp": levels.map_or(Value::Null, |l| number(l.true_peak_dbtp)),
                "lufs": levels.map_or(Value::Null, |l| number(l.integrated_lufs)),
                "gain_db": number(r.gain_db),
                "true_peak_control": r.peak_control.map(|c| c.name()),
                "limiter_reduction_db": r.limiter_reduction_db.map_or(Value::Null, number),
                "time_s": number(r.seconds),
                "realtime": if r.seconds > 0.0 { number(r.input_duration_s / r.seconds) } else { Value::Null },
                "notes": r.notes,
            })
        })
        .collect();
    let count = |s: &str| files.iter().filter(|f| f["status"] == s).count();
    json!({
        "files": files,
        "ok": count("ok"),
        "failed": count("failed"),
        "interrupted": interrupted,
    })
}
