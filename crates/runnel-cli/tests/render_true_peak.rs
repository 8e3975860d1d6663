//! `--true-peak` through the engine's true-peak limiter on the second pass.
//! - Loud renders (`--normalize -6 --true-peak -1`, 16-bit) of Gaussian white noise, an fs/4
//!   sine sampled 45° off its peaks and hard-clipped drums: the written file's true peak ≤
//!   −1.0 dBTP by Runnel's meter (ebur128) and by scipy's 4× polyphase resampler
//!   (tests/pyloudnorm_meter.py); where the limiter has nothing or little to do (the sine, the
//!   noise, a quieter programme) the loudness lands on the target ±0.1 LU by pyloudnorm; where
//!   it works hard (the drums) the summary names the limiter, its reduction, the make-up gain
//!   and any loudness still short.
//! - Alignment with the limiter active: an impulse over the ceiling comes out at the index it
//!   went in (also behind a 777-frame latent stage), and a render the limiter leaves alone is
//!   bit-identical to the render without `--true-peak`.

mod common;

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use common::*;
use runnel_cli::loudness::{Detail, LoudnessMeter};
use runnel_cli::render::encode::OutputFormat;
use runnel_cli::render::peak_limit::LIMITER_MARGIN_DB;
use runnel_cli::render::{render_file, FileHooks, PeakControl, RenderOptions, Status, TailChoice};
use runnel_engine::testing::LatencyStage;
use runnel_engine::Engine;
use test_support::rng::Rng;

const RATE: u32 = 48_000;

/// Stages with tails or colour off: the chain passes the signal unchanged, so what the limiter
/// meets is the input.
const NEUTRAL: [&str; 6] = ["--set", "filter_on=off", "--set", "delay_on=off", "--set", "reverb_on=off"];

/// A 10 ms linear fade in and out (EBU's taper for its true-peak signals).
fn taper(x: &mut [f32]) {
    let n = (0.01 * RATE as f64) as usize;
    let len = x.len();
    for i in 0..n {
        let g = i as f32 / n as f32;
        x[i] *= g;
        x[len - 1 - i] *= g;
    }
}

/// A stereo sine at fs/4, amplitude 0.5, 45° off the sample grid (every sample 3 dB under
/// the waveform's peak: EBU Tech 3341 case 16).
fn quarter_rate_sine(seconds: f64) -> Vec<Vec<f32>> {
    let mut x: Vec<f32> = (0..(seconds * RATE as f64) as usize)
        .map(|n| (0.5 * (TAU * n as f64 / 4.0 + TAU / 8.0).sin()) as f32)
        .collect();
    taper(&mut x);
    vec![x.clone(), x]
}

/// Drums (a pitch-falling kick on the beats, a noise snare on the off-beats, hi-hats on the
/// eighths) driven 12 dB into a hard clip at ±1: square edges full of inter-sample overs.
fn clipped_drums(seconds: f64, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    let frames = (seconds * RATE as f64) as usize;
    let beat = RATE as usize / 2;
    let mut left = vec![0.0f64; frames];
    let mut right = vec![0.0f64; frames];
    for start in (0..frames).step_by(beat / 2) {
        let eighth = start / (beat / 2);
        let mut phase = 0.0f64;
        for i in 0..(beat / 2).min(frames - start) {
            let t = i as f64 / RATE as f64;
            let mut l = 0.0;
            let mut r = 0.0;
            if eighth.is_multiple_of(2) {
                // Kick: 150 Hz falling to 50 Hz.
                phase += TAU * (50.0 + 100.0 * (-t / 0.03).exp()) / RATE as f64;
                let kick = phase.sin() * (-t / 0.15).exp();
                l += kick;
                r += kick;
            }
            if eighth % 4 == 2 {
                let snare = 0.6 * rng.gaussian() * (-t / 0.08).exp()
                    + 0.3 * (TAU * 200.0 * t).sin() * (-t / 0.05).exp();
                l += snare;
                r += snare;
            }
            let hat = 0.25 * rng.gaussian() * (-t / 0.02).exp();
            l += hat * 0.8;
            r += hat;
            left[start + i] += l;
            right[start + i] += r;
        }
    }
    [left, right].iter().map(|c| c.iter().map(|x| (4.0 * x).clamp(-1.0, 1.0) as f32).collect()).collect()
}

#[test]
fn loud_renders_stay_under_the_ceiling_by_two_independent_meters() {
    let dir = temp_dir("true-peak-limiter");
    let mut rng = Rng::new(23);
    let inputs: Vec<(&str, Vec<Vec<f32>>)> = vec![
        // Gaussian white noise: peaks ~13 dB over its RMS, content up to Nyquist.
        (
            "white-noise",
            (0..2)
                .map(|_| (0..RATE as usize * 8).map(|_| (0.25 * rng.gaussian()) as f32).collect())
                .collect(),
        ),
        ("sine-fs4-45deg", quarter_rate_sine(8.0)),
        ("clipped-drums", clipped_drums(8.0, 5)),
    ];
    let mut paths = Vec::new();
    for (name, signal) in &inputs {
        let path = dir.join(format!("{name}.wav"));
        write_wav_f32(&path, RATE, signal);
        paths.push(path);
    }
    let out = dir.join("out");
    let mut args =
        vec!["render", "--out-dir", out.to_str().unwrap(), "--normalize", "-6", "--true-peak", "-1"];
    args.extend(["--format", "wav16", "--tail", "0", "--json", "-q"]);
    args.extend(NEUTRAL);
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = json(&output);
    let files = summary["files"].as_array().unwrap();
    let outputs: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(f["output"].as_str().unwrap())).collect();
    for ((entry, (lufs, scipy_peak)), (name, _)) in
        files.iter().zip(pyloudnorm_reference(&outputs)).zip(&inputs)
    {
        let ours = entry["true_peak_dbtp"].as_f64().unwrap();
        let control = entry["true_peak_control"].as_str().unwrap();
        let reduction = entry["limiter_reduction_db"].as_f64().unwrap();
        eprintln!(
            "{name}: true peak {ours:.3} dBTP (ebur128), {scipy_peak:.3} dBTP (scipy 4x); \
             {lufs:.3} LUFS (pyloudnorm), control {control}, limiter reduction {reduction:.2} dB, notes {}",
            entry["notes"]
        );
    }
    for (((entry, (lufs, scipy_peak)), file), (name, signal)) in
        files.iter().zip(pyloudnorm_reference(&outputs)).zip(&outputs).zip(&inputs)
    {
        let ours = entry["true_peak_dbtp"].as_f64().unwrap();
        let control = entry["true_peak_control"].as_str().unwrap();
        let reduction = entry["limiter_reduction_db"].as_f64().unwrap();
        assert!(ours <= -1.0, "{name}: {ours} dBTP by ebur128");
        assert!(scipy_peak <= -1.0, "{name}: {scipy_peak} dBTP by scipy");
        assert_eq!(read_wav(file).1[0].len(), signal[0].len(), "{name}: length kept with --tail 0");
        match *name {
            // About −9.4 dBTP at −6 LUFS: nothing to limit, the loudness is the target's.
            "sine-fs4-45deg" => {
                assert_eq!(control, "none", "{name}");
                assert_eq!(reduction, 0.0, "{name}");
                assert_eq!(entry["notes"], serde_json::json!([]), "{name}");
                assert!((lufs + 6.0).abs() <= 0.1, "{name}: {lufs} LUFS");
            }
            // Gaussian noise's peaks sit ~14 dB over its RMS: the limiter takes ~1 dB off them,
            // and the gain into it makes up the loudness.
            "white-noise" => {
                assert!(control.starts_with("limiter"), "{name}: {control}");
                assert!(reduction > 0.5, "{name}: {reduction} dB");
                assert!((lufs + 6.0).abs() <= 0.1, "{name}: {lufs} LUFS");
            }
            // The drums' clipped edges need several dB: the summary names the limiter, its
            // reduction, the make-up gain and the loudness it still lands short, if any.
            _ => {
                assert!(control.starts_with("limiter"), "{name}: {control}");
                assert!(reduction > 3.0, "{name}: {reduction} dB");
                let notes = entry["notes"].to_string();
                assert!(notes.contains("true-peak limiter: up to"), "{name}: {notes}");
                assert!(notes.contains("gain raised by"), "{name}: {notes}");
                if notes.contains("LU below the target") {
                    assert!(lufs < -6.0, "{name}: {lufs} LUFS");
                } else {
                    assert!((lufs + 6.0).abs() <= 0.1, "{name}: {lufs} LUFS");
                }
            }
        }
    }
}

#[test]
fn a_gently_limited_programme_lands_on_its_loudness_target() {
    let dir = temp_dir("true-peak-gentle");
    let input = dir.join("program.wav");
    write_wav_f32(&input, RATE, &test_support::signals::program(12.0, RATE as f64, 31));
    let out = dir.join("gentle.wav");
    let mut args = vec!["render", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend([
        "--normalize",
        "-14",
        "--true-peak",
        "-1",
        "--format",
        "wav24",
        "--tail",
        "0",
        "--json",
        "-q",
    ]);
    args.extend(NEUTRAL);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let entry = json(&output)["files"][0].clone();
    let (lufs, scipy_peak) = pyloudnorm_reference(std::slice::from_ref(&out))[0];
    eprintln!("programme: {lufs:.3} LUFS (pyloudnorm), {scipy_peak:.3} dBTP (scipy 4x), {entry}");
    assert!(scipy_peak <= -1.0 && entry["true_peak_dbtp"].as_f64().unwrap() <= -1.0, "{entry}");
    assert!((lufs + 14.0).abs() <= 0.1, "{lufs} LUFS");
}

/// Renders through the library with `--true-peak ceiling` and the given engine.
fn render_with(
    input: &Path,
    output: &Path,
    true_peak: Option<f64>,
    make_engine: &(dyn Fn() -> Engine + Sync),
) -> runnel_cli::render::FileReport {
    render_options(input, output, true_peak, LIMITER_MARGIN_DB, None, make_engine)
}

/// [`render_with`] with the limiter's margin under the ceiling and `--normalize` given.
fn render_options(
    input: &Path,
    output: &Path,
    true_peak: Option<f64>,
    limiter_margin_db: f64,
    normalize_lufs: Option<f64>,
    make_engine: &(dyn Fn() -> Engine + Sync),
) -> runnel_cli::render::FileReport {
    let options = RenderOptions {
        settings: settings(None, &["filter_on=off", "delay_on=off", "reverb_on=off"]),
        block: 512,
        tail: TailChoice::Seconds(0.0),
        format: OutputFormat::Wav32f,
        dither: runnel_cli::render::dither::DitherChoice::Tpdf,
        normalize_lufs,
        true_peak_dbtp: true_peak,
        limiter_margin_db,
        force: true,
        rate: None,
    };
    let cancel = AtomicBool::new(false);
    let hooks = FileHooks { started: &|_, _| {}, progress: &|_| {}, cancel: &cancel };
    render_file(input, output, &options, make_engine, &hooks)
}

#[test]
fn the_limited_output_stays_aligned_with_the_input() {
    let dir = temp_dir("true-peak-aligned");
    let (frames, at) = (20_000, 6_789);
    let impulse = test_support::signals::impulse(frames, at);
    let input = dir.join("impulse.wav");
    write_wav_f32(&input, RATE, &[impulse.clone(), impulse]);
    let latent = || {
        let mut engine = Engine::new();
        engine.insert_stage(0, Box::new(LatencyStage::new(777, 1.0)));
        engine
    };
    for (name, make_engine) in [("plain", &Engine::new as &(dyn Fn() -> Engine + Sync)), ("latent", &latent)]
    {
        let out = dir.join(format!("{name}.wav"));
        let report = render_with(&input, &out, Some(-6.0), make_engine);
        assert_eq!(report.status, Status::Ok, "{name}");
        assert_eq!(report.peak_control, Some(PeakControl::Limiter), "{name}: {:?}", report.notes);
        for channel in read_wav(&out).1 {
            assert_eq!(channel.len(), frames, "{name}");
            let peak_at = channel.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap();
            assert_eq!(peak_at.0, at, "{name}: the impulse moved");
            assert!(*peak_at.1 <= 10f32.powf(-6.0 / 20.0) && *peak_at.1 > 0.3, "{name}: {}", peak_at.1);
        }
    }
    // A signal the limiter leaves alone comes out bit for bit as without --true-peak.
    let quiet = dir.join("quiet.wav");
    let program: Vec<Vec<f32>> = test_support::signals::program(2.0, RATE as f64, 4)
        .into_iter()
        .map(|c| c.into_iter().map(|x| x * 0.1).collect())
        .collect();
    write_wav_f32(&quiet, RATE, &program);
    let (plain, limited) = (dir.join("quiet-plain.wav"), dir.join("quiet-limited.wav"));
    assert_eq!(render_with(&quiet, &plain, None, &Engine::new).status, Status::Ok);
    let report = render_with(&quiet, &limited, Some(-1.0), &Engine::new);
    assert_eq!(report.peak_control, Some(PeakControl::None), "{:?}", report.notes);
    assert_eq!(read_wav(&plain).1, read_wav(&limited).1);
}

#[test]
fn when_the_limited_file_still_measures_over_the_ceiling_the_gain_after_it_is_lowered() {
    // The limiter's ceiling set 0.5 dB *above* the target (a stand-in for an interpolator that
    // reads a file's peaks low): the written file would exceed the target, so the fallback
    // lowers the output after the limiter and says so.
    let dir = temp_dir("true-peak-fallback");
    let input = dir.join("noise.wav");
    let mut rng = Rng::new(3);
    let noise: Vec<Vec<f32>> =
        (0..2).map(|_| (0..RATE as usize * 4).map(|_| (0.25 * rng.gaussian()) as f32).collect()).collect();
    write_wav_f32(&input, RATE, &noise);
    let out = dir.join("fallback.wav");
    let report = render_options(&input, &out, Some(-3.0), -0.5, Some(-8.0), &Engine::new);
    assert_eq!(report.status, Status::Ok);
    assert_eq!(report.peak_control, Some(PeakControl::LimiterAndGain), "{:?}", report.notes);
    assert!(report.notes.iter().any(|n| n.starts_with("gain lowered by")), "{:?}", report.notes);
    // Measured again from the file: at or under the target, and within 0.15 dB of it (the
    // fallback lowers to 0.1 dB under the target, not more).
    let (_, written) = read_wav(&out);
    let mut meter = LoudnessMeter::new(2, RATE, Detail::SummaryWithTruePeak).unwrap();
    let interleaved: Vec<f32> = (0..written[0].len()).flat_map(|n| [written[0][n], written[1][n]]).collect();
    meter.add(&interleaved);
    let peak = meter.report().true_peak_dbtp;
    eprintln!("fallback: true peak {peak:.3} dBTP, notes {:?}", report.notes);
    assert!(peak <= -3.0 && peak > -3.15, "{peak} dBTP");
    let (_, scipy_peak) = pyloudnorm_reference(std::slice::from_ref(&out))[0];
    assert!(scipy_peak <= -3.0, "{scipy_peak} dBTP by scipy");
}
