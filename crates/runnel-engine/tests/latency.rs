//! Latency through the chain: a latent stage's latency is what the engine reports, an impulse
//! comes out exactly that late, and switching the stage on and off never combs (its dry path is
//! delayed by the same amount, so dry and processed signals are aligned to the sample).
//!
//! The latent stage is `runnel_engine::testing::LatencyStage` (feature `testing`): Runnel's own
//! stages have no latency.

use std::sync::atomic::Ordering;

use runnel_engine::engine::{Engine, EngineSettings};
use runnel_engine::testing::LatencyStage;
use runnel_engine::SWITCH_FADE_MS;

const SAMPLE_RATE: f32 = 48_000.0;

/// Every Runnel stage switched off and both gains at 0 dB: the chain is an exact wire, so
/// whatever the output shows is the latent stage and its switch.
fn neutral() -> EngineSettings {
    EngineSettings { filter_on: false, delay_on: false, reverb_on: false, ..Default::default() }
}

/// Deterministic white noise in ±0.5 (xorshift32).
fn noise(len: usize, mut seed: u32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as f32 / u32::MAX as f32 - 0.5
        })
        .collect()
}

/// `x` delayed by `n` samples (zeros first), same length.
fn delayed(x: &[f32], n: usize) -> Vec<f32> {
    (0..x.len()).map(|i| if i >= n { x[i - n] } else { 0.0 }).collect()
}

#[test]
fn reported_latency_is_the_sum_of_the_stages_latencies() {
    let mut engine = Engine::new();
    engine.prepare(SAMPLE_RATE, 256);
    assert_eq!(engine.latency_samples(), 0, "Runnel's own stages have no latency");

    engine.insert_stage(2, Box::new(LatencyStage::new(37, 1.0)));
    assert_eq!(engine.latency_samples(), 37);
    engine.insert_stage(usize::MAX, Box::new(LatencyStage::new(100, 1.0)));
    engine.insert_stage(0, Box::new(LatencyStage::new(1, 1.0)));
    assert_eq!(engine.latency_samples(), 138);
    let names: Vec<_> = engine.stage_names().collect();
    assert_eq!(
        names,
        [
            "Latency (test)",
            "Input Gain",
            "Filter",
            "Latency (test)",
            "AGC",
            "Compressor",
            "Delay",
            "Reverb",
            "Output Gain",
            "Limiter",
            "Latency (test)"
        ]
    );

    // Inserted before prepare: counted once prepared, and unchanged by a new prepare.
    let mut engine = Engine::new();
    engine.insert_stage(1, Box::new(LatencyStage::new(64, 1.0)));
    engine.prepare(44_100.0, 64);
    assert_eq!(engine.latency_samples(), 64);
    engine.prepare(96_000.0, 1024);
    assert_eq!(engine.latency_samples(), 64);
}

#[test]
fn an_impulse_comes_out_exactly_the_reported_latency_later() {
    for (latencies, settings) in [
        (vec![37u32], neutral()),
        (vec![37, 5, 300], neutral()),
        // Every stage on at its defaults: the dry impulse still leads, exactly that late.
        (vec![37, 5, 300], EngineSettings::default()),
    ] {
        let mut engine = Engine::new();
        for (k, &n) in latencies.iter().enumerate() {
            engine.insert_stage(1 + 2 * k, Box::new(LatencyStage::new(n, 1.0)));
        }
        engine.prepare(SAMPLE_RATE, 128);
        engine.set_settings(&settings);
        let reported = engine.latency_samples() as usize;
        assert_eq!(reported, latencies.iter().sum::<u32>() as usize);

        let at = 1000;
        let mut left = vec![0.0f32; 4000];
        left[at] = 1.0;
        let mut right = left.clone();
        engine.process_stereo(&mut left, &mut right);
        for channel in [&left, &right] {
            let first = channel.iter().position(|v| v.abs() > 1e-6).unwrap();
            assert_eq!(first - at, reported, "measured latency vs reported {latencies:?}");
            if settings == neutral() {
                assert_eq!(channel[first], 1.0);
                assert!(channel.iter().enumerate().all(|(i, &v)| i == first || v == 0.0));
            }
        }
    }
}

/// Runs `input` through a neutral engine holding one `LatencyStage` of `latency` samples and
/// `gain`, in blocks of `block`, flipping the stage's switch at the given block indices.
/// Returns the left output and the switch state set before each block.
fn run_with_toggles(
    input: &[f32],
    latency: u32,
    gain: f32,
    block: usize,
    toggles: &[usize],
) -> (Vec<f32>, Vec<bool>) {
    let stage = LatencyStage::new(latency, gain);
    let switch = stage.switch();
    let mut engine = Engine::new();
    engine.insert_stage(3, Box::new(stage));
    engine.prepare(SAMPLE_RATE, block);
    let settings = neutral();
    let mut output = Vec::with_capacity(input.len());
    let mut states = Vec::new();
    let mut on = true;
    for (index, chunk) in input.chunks(block).enumerate() {
        if toggles.contains(&index) {
            on = !on;
            switch.store(on, Ordering::Relaxed);
        }
        engine.set_settings(&settings);
        assert_eq!(engine.latency_samples(), latency, "latency must not change on a toggle");
        let (mut left, mut right) = (chunk.to_vec(), chunk.to_vec());
        engine.process_stereo(&mut left, &mut right);
        assert_eq!(left, right);
        output.extend_from_slice(&left);
        states.push(on);
    }
    (output, states)
}

#[test]
fn switching_a_latent_stage_on_and_off_never_combs() {
    // A pure delay at unity gain: switched on, off, or anywhere in between, the output must be
    // the input delayed by N. An undelayed dry path would mix x[n] with x[n−N] during each fade
    // (a comb filter) and would jump by N samples when fully off.
    let latency = 64;
    let block = 100;
    let sine: Vec<f32> = (0..48_000)
        .map(|i| 0.8 * (i as f32 * 2.0 * std::f32::consts::PI * 440.0 / SAMPLE_RATE).sin())
        .collect();
    for input in [noise(48_000, 0x5eed), sine] {
        // Off at block 20 (fully off 480 samples later), on at 60, off at 61 (mid-fade), on at
        // 100, off at 300.
        let toggles = [20, 60, 61, 100, 300];
        let (output, _) = run_with_toggles(&input, latency, 1.0, block, &toggles);
        let expected = delayed(&input, latency as usize);
        let worst = output.iter().zip(&expected).map(|(y, x)| (y - x).abs()).fold(0.0f32, f32::max);
        println!("largest deviation from the aligned input: {worst:e}");
        assert!(worst <= 1e-6, "largest deviation from the aligned input: {worst:e}");
    }
}

#[test]
fn a_latent_stage_fades_between_aligned_signals_and_restarts_primed() {
    // Gain 0.5 makes the processed signal differ from the dry one. While fading, the output is
    // ((1 − w) + w·0.5)·x[n−N] with w stepping linearly: the ratio to the aligned input must move
    // monotonically between 1 and 0.5. Right after switching back on, the stage was reset and
    // primed with the last N inputs, so the processed side is 0.5·x[n−N] from the first sample of
    // the fade (a cold stage would give 0 there, and the ratio would dip below 0.5).
    let latency = 64u32;
    let block = 100;
    let fade = (SAMPLE_RATE * SWITCH_FADE_MS / 1000.0).round() as usize;
    let input: Vec<f32> = noise(20_000, 77).iter().map(|v| v.signum() * (0.1 + v.abs())).collect();
    let toggles = [20, 60];
    let (output, states) = run_with_toggles(&input, latency, 0.5, block, &toggles);
    let aligned = delayed(&input, latency as usize);
    let ratio = |n: usize| output[n] / aligned[n];

    let off_start = 20 * block;
    let on_start = 60 * block;
    for n in latency as usize..input.len() {
        let r = ratio(n);
        assert!((0.5 - 1e-6..=1.0 + 1e-6).contains(&r), "sample {n}: ratio {r}");
    }
    // Fully on before the first toggle, fully off after the fade, fully on after the second.
    for n in latency as usize..off_start {
        assert!((ratio(n) - 0.5).abs() < 1e-6, "on, sample {n}: {}", ratio(n));
    }
    for n in off_start + fade..on_start {
        assert_eq!(output[n], aligned[n], "off, sample {n}");
    }
    for n in on_start + fade..input.len() {
        assert!((ratio(n) - 0.5).abs() < 1e-6, "on again, sample {n}: {}", ratio(n));
    }
    // Linear fades, exact to the sample: w = k/fade after k + 1 steps.
    for k in 0..fade {
        let w_out = 1.0 - (k + 1) as f32 / fade as f32;
        let want_out = (1.0 - w_out) + w_out * 0.5;
        assert!((ratio(off_start + k) - want_out).abs() < 1e-4, "fade-out step {k}");
        let w_in = (k + 1) as f32 / fade as f32;
        let want_in = (1.0 - w_in) + w_in * 0.5;
        assert!((ratio(on_start + k) - want_in).abs() < 1e-4, "fade-in step {k}: {}", ratio(on_start + k));
    }
    assert!(!states[59] && states[60], "the toggles landed where the checks expect them");
}
