//! Drives the plugin's real `process()` in-process with nice-plug's allocation checker armed:
//! every parameter changing, every stage toggling, many block sizes and sample rates.

mod common;

use common::{Rng, TestHost, ALLOCATE_IN_PROCESS_ENV};
use nice_plug::prelude::*;

const SAMPLE_RATES: [f32; 4] = [44_100.0, 48_000.0, 96_000.0, 192_000.0];

/// A −20 dBFS two-tone test signal with some noise, so every stage has something to chew on.
fn test_signal(frames: usize, sample_rate: f32, rng: &mut Rng) -> (Vec<f32>, Vec<f32>) {
    let mut left = Vec::with_capacity(frames);
    let mut right = Vec::with_capacity(frames);
    for n in 0..frames {
        let t = n as f32 / sample_rate;
        let tone = (2.0 * std::f32::consts::PI * 220.0 * t).sin() * 0.05
            + (2.0 * std::f32::consts::PI * 3100.0 * t).sin() * 0.03;
        left.push(tone + ((rng.unit() as f32) - 0.5) * 0.02);
        right.push(tone * 0.8 + ((rng.unit() as f32) - 0.5) * 0.02);
    }
    (left, right)
}

/// Randomizes every parameter (on/off switches included) through its normalized value.
fn randomize_all(host: &mut TestHost, rng: &mut Rng) {
    for id in host.param_ids.clone() {
        let v = rng.unit() as f32;
        host.set_normalized(&id, v);
    }
}

fn assert_sane(block: &[f32], what: &str) {
    for (i, &x) in block.iter().enumerate() {
        assert!(x.is_finite(), "{what}: non-finite output {x} at {i}");
        assert!(x.abs() < 1e5, "{what}: runaway output {x} at {i}");
    }
}

/// Runs `seconds` of signal through a host at `block_sizes` (cycled), randomizing every
/// parameter every `change_every` blocks.
fn fuzz_run(sample_rate: f32, max_block: usize, block_sizes: &[usize], seconds: f32, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut host = TestHost::new(sample_rate, max_block);
    let frames = (seconds * sample_rate) as usize;
    let (mut left, mut right) = test_signal(frames, sample_rate, &mut rng);
    let mut start = 0;
    let mut block_index = 0;
    while start < frames {
        let size = match block_sizes[block_index % block_sizes.len()] {
            0 => rng.int(1, max_block),
            n => n,
        };
        let end = (start + size).min(frames);
        if block_index % 3 == 0 || size >= 1024 {
            randomize_all(&mut host, &mut rng);
        }
        let status = host.process_block(&mut [&mut left[start..end], &mut right[start..end]]);
        assert!(!matches!(status, ProcessStatus::Error(_)), "process error {status:?}");
        assert_sane(&left[start..end], "left");
        assert_sane(&right[start..end], "right");
        start = end;
        block_index += 1;
    }
}

#[test]
fn every_parameter_changing_at_every_block_size_and_rate() {
    for (i, &sr) in SAMPLE_RATES.iter().enumerate() {
        // Block size 1: every parameter changing every 3 samples.
        fuzz_run(sr, 1, &[1], 0.05, 11 + i as u64);
        fuzz_run(sr, 64, &[64], 0.4, 23 + i as u64);
        fuzz_run(sr, 4096, &[4096], 1.0, 37 + i as u64);
        // Random sizes up to the maximum, as hosts with variable buffers do.
        fuzz_run(sr, 4096, &[0], 1.0, 41 + i as u64);
    }
}

/// The dynamics stages (off by default) on, with every one of their parameters changing, a
/// lookahead among them, under the allocation checker: a latency change never allocates either.
#[test]
fn dynamics_stages_on_and_changing_stay_allocation_free_and_sane() {
    const DYNAMICS: [&str; 5] = ["agc_", "comp_", "compressor_on", "lim_", "limiter_on"];
    for (i, &sr) in SAMPLE_RATES.iter().enumerate() {
        let mut rng = Rng::new(71 + i as u64);
        let mut host = TestHost::new(sr, 512);
        let frames = (0.5 * sr) as usize;
        let (mut left, mut right) = test_signal(frames, sr, &mut rng);
        // Driven hard so every stage works: the compressor and limiter reduce, the AGC rides.
        left.iter_mut().chain(right.iter_mut()).for_each(|x| *x *= 8.0);
        for (start, end) in (0..frames).step_by(512).map(|s| (s, (s + 512).min(frames))) {
            for id in host.param_ids.clone() {
                if DYNAMICS.iter().any(|prefix| id.starts_with(prefix)) {
                    let on = id.ends_with("_on");
                    host.set_normalized(&id, if on { 1.0 } else { rng.unit() as f32 });
                }
            }
            let status = host.process_block(&mut [&mut left[start..end], &mut right[start..end]]);
            assert!(!matches!(status, ProcessStatus::Error(_)), "process error {status:?}");
            assert_sane(&left[start..end], "left");
            assert_sane(&right[start..end], "right");
        }
    }
}

#[test]
fn mono_layout_processes_and_stays_sane() {
    let mut rng = Rng::new(5);
    let mut host = TestHost::with_layout(48_000.0, 512, 1);
    assert_eq!(host.channels, 1);
    let (mut mono, _) = test_signal(48_000, 48_000.0, &mut rng);
    for chunk in mono.chunks_mut(512) {
        randomize_all(&mut host, &mut rng);
        host.process_block(&mut [chunk]);
        assert_sane(chunk, "mono");
    }
}

#[test]
fn with_every_stage_off_audio_passes_bit_exactly() {
    let mut host = TestHost::new(48_000.0, 256);
    for id in ["filter_on", "delay_on", "reverb_on"] {
        host.set_plain(id, 0.0);
    }
    let mut rng = Rng::new(3);
    let (left_in, right_in) = test_signal(10_000, 48_000.0, &mut rng);
    let (mut left, mut right) = (left_in.clone(), right_in.clone());
    host.process_stereo(&mut left, &mut right, 256);
    assert_eq!(left, left_in);
    assert_eq!(right, right_in);
}

/// NaN and ±Inf are replaced by silence at the engine's input: the plugin fed a poisoned block
/// must produce exactly what it produces for a silent block, i.e. it recovers immediately.
#[test]
fn nan_and_inf_input_is_treated_as_silence() {
    for poison in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut rng = Rng::new(9);
        let (signal_l, signal_r) = test_signal(48_000, 48_000.0, &mut rng);
        let mut outputs = Vec::new();
        for poisoned in [true, false] {
            let mut host = TestHost::new(48_000.0, 512);
            // Defaults have delay and reverb on: their state must not be poisoned.
            let (mut l, mut r) = (signal_l.clone(), signal_r.clone());
            for i in 12_000..12_512 {
                let bad = i % 3 == 0;
                l[i] = if poisoned && bad {
                    poison
                } else if bad {
                    0.0
                } else {
                    l[i]
                };
                r[i] = if poisoned { poison } else { 0.0 };
            }
            host.process_stereo(&mut l, &mut r, 512);
            assert_sane(&l, "left after poison");
            assert_sane(&r, "right after poison");
            outputs.push((l, r));
        }
        assert_eq!(outputs[0].0[12_512..], outputs[1].0[12_512..], "{poison} left");
        assert_eq!(outputs[0].1[12_512..], outputs[1].1[12_512..], "{poison} right");
        // And the output after the poisoned block is not silence: the chain still works.
        let energy: f32 = outputs[0].0[13_000..14_000].iter().map(|x| x * x).sum();
        assert!(energy > 1e-3, "no output after recovery");
    }
}

/// After the input stops, the plugin reports a tail, then lets the host sleep once the tail it
/// announced has passed, and the output really is silent by then.
#[test]
fn tail_is_reported_then_released() {
    let sr = 48_000.0;
    let mut host = TestHost::new(sr, 1024);
    let mut rng = Rng::new(4);
    let (mut l, mut r) = test_signal(24_000, sr, &mut rng);
    let status = host.process_stereo(&mut l, &mut r, 1024);
    let ProcessStatus::Tail(tail) = status else { panic!("expected a tail, got {status:?}") };
    assert!(tail > 0);
    let mut silent_blocks = 0usize;
    loop {
        let mut l = vec![0.0f32; 1024];
        let mut r = vec![0.0f32; 1024];
        let status = host.process_block(&mut [&mut l, &mut r]);
        silent_blocks += 1;
        match status {
            ProcessStatus::Tail(_) => assert!(silent_blocks * 1024 <= tail as usize + 1024),
            ProcessStatus::Normal => {
                let peak = l.iter().chain(&r).fold(0.0f32, |m, x| m.max(x.abs()));
                assert!(peak < 1e-4, "released while still audible: {peak}");
                break;
            }
            other => panic!("unexpected status {other:?}"),
        }
    }
}

/// The test-only allocation in `TestProcessContext::transport()` is reached from inside the
/// plugin's `process()`; run in a child process, the checker must abort it.
#[test]
#[ignore = "run only as a child of allocation_inside_process_aborts"]
fn allocation_probe_child() {
    let mut host = TestHost::new(48_000.0, 64);
    let mut l = vec![0.1f32; 64];
    let mut r = vec![0.1f32; 64];
    host.process_block(&mut [&mut l, &mut r]);
}

#[test]
fn allocation_inside_process_aborts() {
    let exe = std::env::current_exe().unwrap();
    let run = |allocate: bool| {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["--exact", "allocation_probe_child", "--ignored", "--nocapture", "--test-threads=1"]);
        if allocate {
            cmd.env(ALLOCATE_IN_PROCESS_ENV, "1");
        } else {
            cmd.env_remove(ALLOCATE_IN_PROCESS_ENV);
        }
        cmd.output().unwrap()
    };
    let clean = run(false);
    assert!(clean.status.success(), "the probe fails even without allocating: {clean:?}");
    let dirty = run(true);
    let stderr = String::from_utf8_lossy(&dirty.stderr);
    assert!(!dirty.status.success(), "allocation inside process() went unnoticed");
    assert!(stderr.contains("memory allocation of"), "unexpected failure: {stderr}");
}

/// The editor's data path active (as while the editor is open): every block's input and output
/// are copied into the feed's rings and timed, still without an allocation in `process()`; the
/// copies arrive intact and in order.
#[test]
fn editor_data_path_active_allocates_nothing_and_delivers_every_block() {
    let mut rng = Rng::new(13);
    let mut host = TestHost::new(48_000.0, 512);
    let feed = host.plugin.editor_feed();
    let mut reader = feed.attach().expect("no editor holds the feed");
    let frames = 48_000;
    let (mut left, mut right) = test_signal(frames, 48_000.0, &mut rng);
    let (input_left, input_right) = (left.clone(), right.clone());
    let mut copied_input = Vec::new();
    let mut copied_output = Vec::new();
    let mut start = 0;
    for block in [512, 1, 64, 333, 512].iter().cycle() {
        if start >= frames {
            break;
        }
        let end = (start + block).min(frames);
        if start % 7 == 0 {
            randomize_all(&mut host, &mut rng);
        }
        host.process_block(&mut [&mut left[start..end], &mut right[start..end]]);
        // The GUI side reads between blocks, as the editor does every frame.
        runnel_plugin::editor_feed::drain_into(&mut reader.input, &mut copied_input);
        runnel_plugin::editor_feed::drain_into(&mut reader.output, &mut copied_output);
        start = end;
    }
    assert_eq!(feed.dropped_blocks(), 0);
    let deinterleave =
        |v: &[f32], lane: usize| -> Vec<f32> { v.iter().skip(lane).step_by(2).copied().collect() };
    assert_eq!(deinterleave(&copied_input, 0), input_left);
    assert_eq!(deinterleave(&copied_input, 1), input_right);
    assert_eq!(deinterleave(&copied_output, 0), left);
    assert_eq!(deinterleave(&copied_output, 1), right);
    let stream = feed.stream();
    assert_eq!(stream.sample_rate, 48_000.0);
    assert_eq!(stream.max_block, 512);
    let load = feed.take_load();
    assert_eq!(load.frames, frames as u64);
    assert!(load.average > 0.0 && load.peak >= load.average, "{load:?}");
    feed.detach(reader);
}
