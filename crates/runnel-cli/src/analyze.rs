//! `runnel analyze`: loudness and levels of audio files — integrated loudness, loudness range,
//! maximum momentary and short-term loudness, sample and true peak, RMS, DC offset, duration,
//! rate, channels. Each file is streamed through the meter (constant memory); files are
//! measured in parallel.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::loudness::{Detail, LoudnessMeter, LoudnessReport};
use crate::render::decode::{AudioDecoder, MAX_ANALYZE_CHANNELS};
use crate::render::inputs::expand;

/// One file's measurements, or why it could not be measured.
pub struct Analysis {
    /// The file.
    pub path: PathBuf,
    /// Sample rate and channels, with the levels; or the error.
    pub result: Result<(u32, usize, LoudnessReport), String>,
}

/// Measures one file.
pub fn analyze_file(path: &Path) -> Result<(u32, usize, LoudnessReport), String> {
    let mut decoder =
        AudioDecoder::open_with_channels(path, MAX_ANALYZE_CHANNELS).map_err(|e| e.to_string())?;
    let mut meter = LoudnessMeter::new(decoder.channels, decoder.sample_rate, Detail::Full)?;
    while let Some(chunk) = decoder.next_chunk().map_err(|e| e.to_string())? {
        meter.add(chunk);
    }
    let report = meter.report();
    if report.frames == 0 {
        return Err("no audio samples in the file".into());
    }
    Ok((decoder.sample_rate, decoder.channels, report))
}

/// Measures every file the arguments name (files, directories, globs), in parallel, in order.
pub fn analyze(args: &[PathBuf]) -> Vec<Analysis> {
    expand(args)
        .into_par_iter()
        .map(|found| match found {
            Ok(found) => Analysis { result: analyze_file(&found.path), path: found.path },
            Err((path, why)) => Analysis { path, result: Err(why) },
        })
        .collect()
}

/// A number with one decimal, or "-inf" for silence.
fn fixed(x: f64, unit: &str) -> String {
    if x.is_finite() {
        format!("{x:.1} {unit}")
    } else {
        format!("-inf {unit}")
    }
}

/// The text report of one measured file.
pub fn text(path: &Path, rate: u32, channels: usize, r: &LoudnessReport) -> String {
    format!(
        "{}\n  duration            {:.3} s ({} frames), {rate} Hz, {channels} channel{}\n  \
         integrated loudness {}\n  loudness range      {}\n  max momentary       {}\n  \
         max short-term      {}\n  sample peak         {}\n  true peak           {}\n  \
         RMS                 {}\n  DC offset           {:.6} ({})\n",
        path.display(),
        r.duration_s,
        r.frames,
        if channels == 1 { "" } else { "s" },
        fixed(r.integrated_lufs, "LUFS"),
        if r.range_lu.is_finite() { format!("{:.1} LU", r.range_lu) } else { "-".into() },
        fixed(r.max_momentary_lufs, "LUFS"),
        fixed(r.max_short_term_lufs, "LUFS"),
        fixed(r.sample_peak_dbfs, "dBFS"),
        fixed(r.true_peak_dbtp, "dBTP"),
        fixed(r.rms_dbfs, "dBFS"),
        r.dc_offset,
        fixed(crate::loudness::to_db(r.dc_offset.abs()), "dBFS"),
    )
}

/// A finite number as JSON (rounded to 1e-4), anything else as null.
fn number(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 10_000.0).round() / 10_000.0)
    } else {
        Value::Null
    }
}

/// The `--json` document.
pub fn json(analyses: &[Analysis]) -> Value {
    let files: Vec<Value> = analyses
        .iter()
        .map(|a| match &a.result {
            Ok((rate, channels, r)) => json!({
                "file": a.path.display().to_string(),
                "status": "ok",
                "sample_rate": rate,
                "channels": channels,
                "duration_s": r.duration_s,
                "frames": r.frames,
                "integrated_lufs": number(r.integrated_lufs),
                "loudness_range_lu": number(r.range_lu),
                "max_momentary_lufs": number(r.max_momentary_lufs),
                "max_short_term_lufs": number(r.max_short_term_lufs),
                "sample_peak_dbfs": number(r.sample_peak_dbfs),
                "true_peak_dbtp": number(r.true_peak_dbtp),
                "rms_dbfs": number(r.rms_dbfs),
                "dc_offset": r.dc_offset,
            }),
            Err(why) => json!({"file": a.path.display().to_string(), "status": "failed", "error": why}),
        })
        .collect();
    json!({ "files": files })
}
