//! Shared by the `runnel` binary's suites: temporary folders, WAV files in and out, running the
//! binary, and the engine driven directly (the reference a render must equal).
#![allow(dead_code)] // each suite uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use runnel_engine::params::{parse_assignment, ParamValues};
use runnel_engine::presets::factory;
use runnel_engine::{Engine, EngineSettings};

/// −90 dBFS as an amplitude.
pub const MINUS_90_DBFS: f32 = 3.162_277_7e-5;

/// A fresh, empty folder for one test under cargo's temporary target folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runnel-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test folder");
    dir
}

/// The built `runnel` binary.
pub fn runnel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_runnel"))
}

/// Runs `runnel` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    runnel().args(args).output().expect("run runnel")
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes channels × frames as a 32-bit float WAV.
pub fn write_wav_f32(path: &Path, sample_rate: u32, signal: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: signal.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    for n in 0..signal[0].len() {
        for channel in signal {
            writer.write_sample(channel[n]).expect("write sample");
        }
    }
    writer.finalize().expect("finalize wav");
}

/// Reads a WAV (any sample format) as channels × frames of `f32` (integers scaled by 2^(bits−1)),
/// with its sample rate.
pub fn read_wav(path: &Path) -> (u32, Vec<Vec<f32>>) {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.unwrap() as f32 / scale).collect()
        }
    };
    let channels = spec.channels as usize;
    let planar = (0..channels).map(|c| samples.iter().skip(c).step_by(channels).copied().collect()).collect();
    (spec.sample_rate, planar)
}

/// The settings `--preset preset --set sets…` give, built the way a user of the engine crate
/// would (factory preset, then `parse_assignment`).
pub fn settings(preset: Option<&str>, sets: &[&str]) -> EngineSettings {
    let mut values = match preset {
        Some(name) => factory::find(name).expect("factory preset").values,
        None => ParamValues::defaults(),
    };
    for text in sets {
        let (spec, value) = parse_assignment(text).expect("valid assignment");
        values.set(spec.id, value).expect("in range");
    }
    values.to_settings()
}

/// The engine driven directly: `input` (1 or 2 channels) followed by silence, in blocks of
/// exactly `block` frames with `set_settings` before each, the first `latency_samples()` output
/// frames dropped, `frames` output frames returned.
pub fn reference_render(
    mut engine: Engine,
    settings: &EngineSettings,
    input: &[Vec<f32>],
    sample_rate: u32,
    block: usize,
    frames: usize,
) -> Vec<Vec<f32>> {
    engine.prepare(sample_rate as f32, block);
    engine.set_settings(settings);
    let latency = engine.latency_samples() as usize;
    let channels = input.len();
    let mut out = vec![Vec::with_capacity(frames + block); channels];
    let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
    let mut position = 0;
    let mut produced = 0;
    while produced < frames + latency {
        for i in 0..block {
            let n = position + i;
            left[i] = input[0].get(n).copied().unwrap_or(0.0);
            right[i] = input[channels - 1].get(n).copied().unwrap_or(0.0);
        }
        engine.set_settings(settings);
        if channels == 2 {
            engine.process_stereo(&mut left, &mut right);
        } else {
            engine.process_mono(&mut left);
        }
        out[0].extend_from_slice(&left);
        if channels == 2 {
            out[1].extend_from_slice(&right);
        }
        position += block;
        produced += block;
    }
    out.into_iter().map(|c| c[latency..latency + frames].to_vec()).collect()
}

/// The first index where `a` and `b` differ in bits (or in length), if any.
pub fn first_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// Every file under `dir` (recursively), sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Parses the `--json` summary on standard output.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// pyloudnorm's integrated loudness (LUFS) and scipy's 4× oversampled true peak (dBTP) of each
/// file, from `tests/pyloudnorm_meter.py` in the project's venv (made by scripts/test.sh): the
/// independent meter the loudness and true-peak suites compare with.
pub fn pyloudnorm_reference(files: &[PathBuf]) -> Vec<(f64, f64)> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test.sh (it makes the venv with pyloudnorm)",
        python.display()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyloudnorm_meter.py");
    let output = Command::new(python).arg(script).args(files).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (v["integrated_lufs"].as_f64().unwrap(), v["true_peak_dbtp"].as_f64().unwrap())
        })
        .collect()
}
