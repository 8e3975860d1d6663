//! `runnel render` equals the engine driven directly, bit for bit: for `--jobs 1` and several
//! jobs, for several `--block` sizes, stereo and mono; fixed tails have exactly the asked
//! length and automatic tails end once the output has decayed below −90 dBFS.

mod common;

use common::*;
use runnel_engine::Engine;
use test_support::signals;

const RATE: u32 = 48_000;
const SETS: [&str; 5] = ["hp_on=on", "hp_freq=120", "dly_feedback=40%", "dly_time=180ms", "rv_decay=0.8"];

/// Three different stereo inputs, rendered together with `--jobs jobs --block block`, each
/// compared with the engine run directly with the same settings and blocks.
fn renders_equal_the_engine(jobs: &str, block: usize, tail_s: f64) {
    let dir = temp_dir(&format!("exact-j{jobs}-b{block}-t{tail_s}"));
    let inputs: Vec<_> =
        (0..3).map(|i| signals::program(1.0 + 0.37 * i as f64, RATE as f64, 11 + i)).collect();
    let mut args: Vec<String> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let path = dir.join(format!("in{i}.wav"));
        write_wav_f32(&path, RATE, input);
        args.push(path.display().to_string());
    }
    let out = dir.join("out");
    let block_text = block.to_string();
    let tail_text = tail_s.to_string();
    let mut cli = vec!["render", "--out-dir", out.to_str().unwrap(), "--preset", "Slapback"];
    cli.extend(["--jobs", jobs, "--block", &block_text, "--tail", &tail_text, "--quiet"]);
    for set in SETS {
        cli.extend(["--set", set]);
    }
    cli.extend(args.iter().map(String::as_str));
    let output = run(&cli);
    assert!(output.status.success(), "{}", stderr(&output));
    let settings = settings(Some("Slapback"), &SETS);
    for (i, input) in inputs.iter().enumerate() {
        let (rate, rendered) = read_wav(&out.join(format!("in{i}.wav")));
        assert_eq!(rate, RATE);
        let frames = input[0].len() + (tail_s * RATE as f64).round() as usize;
        assert_eq!(rendered[0].len(), frames, "file {i}: input + tail");
        let expected = reference_render(Engine::new(), &settings, input, RATE, block, frames);
        for c in 0..2 {
            assert_eq!(
                first_difference(&rendered[c], &expected[c]),
                None,
                "file {i} channel {c}, --jobs {jobs} --block {block}"
            );
        }
    }
}

#[test]
fn one_job_equals_the_engine_for_every_block_size() {
    for block in [1, 64, 1024, 4096] {
        renders_equal_the_engine("1", block, 0.5);
    }
}

#[test]
fn parallel_jobs_equal_the_engine() {
    renders_equal_the_engine("3", 512, 0.25);
    renders_equal_the_engine("2", 1024, 0.0);
}

#[test]
fn a_mono_file_renders_mono_like_the_engine_s_mono_path() {
    let dir = temp_dir("mono");
    let input = vec![signals::program(1.5, RATE as f64, 5).swap_remove(0)];
    write_wav_f32(&dir.join("mono.wav"), RATE, &input);
    let out = dir.join("mono-out.wav");
    let output = run(&[
        "render",
        dir.join("mono.wav").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--tail",
        "1",
        "-q",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, rendered) = read_wav(&out);
    assert_eq!(rendered.len(), 1, "mono in, mono out");
    let frames = input[0].len() + RATE as usize;
    let expected = reference_render(Engine::new(), &settings(None, &[]), &input, RATE, 1024, frames);
    assert_eq!(first_difference(&rendered[0], &expected[0]), None);
}

#[test]
fn an_automatic_tail_ends_once_the_output_stays_below_minus_90_dbfs() {
    let dir = temp_dir("auto-tail");
    // A short burst into delay + reverb: the tail is far longer than the input.
    let mut input = signals::program(0.5, RATE as f64, 3);
    for c in &mut input {
        c.extend(std::iter::repeat_n(0.0, RATE as usize / 10));
    }
    write_wav_f32(&dir.join("burst.wav"), RATE, &input);
    let out = dir.join("burst-out.wav");
    let sets = ["dly_feedback=50%", "dly_time=300ms", "rv_decay=1.5"];
    let burst = dir.join("burst.wav");
    let mut cli = vec!["render", burst.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"];
    for set in sets {
        cli.extend(["--set", set]);
    }
    let output = run(&cli);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, rendered) = read_wav(&out);
    let len = rendered[0].len();
    let tail = len - input[0].len();
    assert!(tail > RATE as usize, "a 1.5 s reverb with echoes leaves more than 1 s of tail, got {tail}");
    // The last 100 ms are below −90 dBFS …
    let quiet = RATE as usize / 10;
    let peak = |from: usize, to: usize, ch: &[Vec<f32>]| {
        ch.iter().flat_map(|c| c[from..to].iter()).fold(0.0f32, |m, x| m.max(x.abs()))
    };
    assert!(
        peak(len - quiet, len, &rendered) < MINUS_90_DBFS,
        "last 100 ms: {}",
        peak(len - quiet, len, &rendered)
    );
    // … the frame before them is not (the tail is no longer than needed) …
    assert!(peak(len - quiet - 1, len - quiet, &rendered) >= MINUS_90_DBFS);
    // … and it is the engine's output, which stays below −90 dBFS for 2 s after the cut.
    let settings = settings(None, &sets);
    let expected = reference_render(Engine::new(), &settings, &input, RATE, 1024, len + 2 * RATE as usize);
    for c in 0..2 {
        assert_eq!(first_difference(&rendered[c], &expected[c][..len]), None, "channel {c}");
    }
    let after = peak(len, len + 2 * RATE as usize, &expected);
    assert!(after < MINUS_90_DBFS, "the engine's output after the cut: {after}");
}
