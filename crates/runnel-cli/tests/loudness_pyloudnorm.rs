//! `runnel analyze` and `runnel render --normalize/--true-peak` against an independent meter:
//! pyloudnorm (BS.1770-4 integrated loudness) and a scipy 4× oversampled peak, run from the
//! test virtualenv (`.venv`, made by scripts/test.sh from tests/requirements-host.txt).
//! Tolerances: analyze within 0.1 LU of pyloudnorm on noise and music-like signals; a
//! normalised render on its target ±0.1 LU by pyloudnorm; a `--true-peak -1` render (through
//! the true-peak limiter) at or below −1 dBTP by both meters.

mod common;

use std::path::PathBuf;

use common::*;
use test_support::rng::Rng;
use test_support::signals;

/// Pink-ish noise (white noise through a leaky integrator and a one-pole high-pass).
fn pinkish(frames: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let (mut lp, mut prev, mut hp) = (0.0f64, 0.0f64, 0.0f64);
    (0..frames)
        .map(|_| {
            lp = 0.98 * lp + 0.02 * rng.gaussian();
            hp = 0.995 * (hp + lp - prev);
            prev = lp;
            (hp * 2.0) as f32
        })
        .collect()
}

/// The signals both meters read: (name, rate, channels × frames).
fn signals_under_test() -> Vec<(&'static str, u32, Vec<Vec<f32>>)> {
    let mut rng = Rng::new(17);
    vec![
        (
            "white-noise",
            48_000,
            vec![
                signals::white_noise(48_000 * 8, 0.3, &mut rng),
                signals::white_noise(48_000 * 8, 0.1, &mut rng),
            ],
        ),
        ("pinkish-44k1", 44_100, vec![pinkish(44_100 * 8, 1), pinkish(44_100 * 8, 2)]),
        ("program", 48_000, signals::program(10.0, 48_000.0, 3)),
        ("program-mono-96k", 96_000, vec![signals::program(6.0, 96_000.0, 4).swap_remove(0)]),
    ]
}

#[test]
fn analyze_agrees_with_pyloudnorm_on_noise_and_music_like_signals() {
    let dir = temp_dir("pyloudnorm-analyze");
    let mut files = Vec::new();
    for (name, rate, signal) in signals_under_test() {
        let path = dir.join(format!("{name}.wav"));
        write_wav_f32(&path, rate, &signal);
        files.push(path);
    }
    let mut args = vec!["analyze".to_string(), "--json".to_string()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let output = runnel().args(&args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let ours = json(&output)["files"].as_array().unwrap().clone();
    for ((file, (lufs, _)), mine) in files.iter().zip(pyloudnorm_reference(&files)).zip(&ours) {
        let mine = mine["integrated_lufs"].as_f64().unwrap();
        eprintln!("{}: runnel {mine:.3} LUFS, pyloudnorm {lufs:.3} LUFS", file.display());
        assert!((mine - lufs).abs() <= 0.1, "{}: runnel {mine}, pyloudnorm {lufs}", file.display());
    }
}

#[test]
fn normalised_renders_land_on_the_target_and_keep_the_true_peak_ceiling() {
    let dir = temp_dir("pyloudnorm-normalize");
    let mut inputs = Vec::new();
    for (name, rate, signal) in signals_under_test() {
        let path = dir.join(format!("{name}.wav"));
        write_wav_f32(&path, rate, &signal);
        inputs.push(path);
    }
    let out = dir.join("out");
    let input_args: Vec<&str> = inputs.iter().map(|p| p.to_str().unwrap()).collect();
    // −16 LUFS with a generous ceiling: the target is reached.
    let mut args = vec![
        "render",
        "--out-dir",
        out.to_str().unwrap(),
        "--normalize",
        "-16",
        "--format",
        "wav24",
        "--json",
        "-q",
    ];
    args.extend(&input_args);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = json(&output);
    let outputs: Vec<PathBuf> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f["output"].as_str().unwrap()))
        .collect();
    for (file, (lufs, _)) in outputs.iter().zip(pyloudnorm_reference(&outputs)) {
        eprintln!("{}: pyloudnorm {lufs:.3} LUFS (target -16)", file.display());
        assert!((lufs + 16.0).abs() <= 0.1, "{}: {lufs} LUFS", file.display());
    }
    // −9 LUFS under a −1 dBTP ceiling: loud enough that the true-peak limiter acts, which the
    // summary says; the true peak stays under the ceiling.
    let capped = dir.join("capped");
    let mut args =
        vec!["render", "--out-dir", capped.to_str().unwrap(), "--normalize", "-9", "--true-peak", "-1"];
    args.extend(["--format", "wav24", "--json", "-q"]);
    args.extend(&input_args);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = json(&output);
    let files = summary["files"].as_array().unwrap();
    let outputs: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(f["output"].as_str().unwrap())).collect();
    let mut limited = 0;
    for ((file, (_, peak)), entry) in outputs.iter().zip(pyloudnorm_reference(&outputs)).zip(files) {
        let ours = entry["true_peak_dbtp"].as_f64().unwrap();
        eprintln!("{}: true peak {ours:.3} dBTP (runnel), {peak:.3} dBTP (scipy 4x)", file.display());
        assert!(ours <= -1.0, "{}: {ours} dBTP by runnel's meter", file.display());
        assert!(peak <= -1.0, "{}: {peak} dBTP by scipy", file.display());
        let lufs = entry["lufs"].as_f64().unwrap();
        if entry["true_peak_control"] == "none" {
            assert!((lufs + 9.0).abs() <= 0.1, "{entry}");
        } else {
            limited += 1;
            assert!(entry["limiter_reduction_db"].as_f64().unwrap() > 0.0, "{entry}");
            assert!(lufs <= -8.9, "{entry}");
        }
    }
    assert!(limited > 0, "no file was loud enough to need the ceiling: {summary}");
}
