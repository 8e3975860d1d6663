//! The whole-engine bypass (a host's bypass switch): a click-free crossfade to the input delayed
//! by the engine's latency, so the output stays aligned with what the host compensates for, and
//! a chain that starts fresh (reset, then primed with the input it missed) when it fades back.

use runnel_engine::engine::{Engine, EngineSettings};
use runnel_engine::testing::LatencyStage;
use runnel_engine::SWITCH_FADE_MS;

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCK: usize = 256;
/// Latency of the test stage in the chain, so "aligned" means something.
const LATENCY: u32 = 32;

/// A 220 Hz sine with some deterministic noise on it, `len` samples.
fn signal(len: usize) -> Vec<f32> {
    let mut seed = 0x2545_f491u32;
    (0..len)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = seed as f32 / u32::MAX as f32 - 0.5;
            0.5 * (i as f32 * std::f32::consts::TAU * 220.0 / SAMPLE_RATE).sin() + 0.1 * noise
        })
        .collect()
}

/// Runnel's chain at its defaults (every stage on, so the processed signal differs from the
/// dry one) with the latent test stage after the filter.
fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.insert_stage(2, Box::new(LatencyStage::new(LATENCY, 1.0)));
    engine.prepare(SAMPLE_RATE, BLOCK);
    engine.set_settings(&EngineSettings::default());
    engine
}

/// Runs `input` through `engine` block by block; `before_block(engine, index)` runs first.
fn render(engine: &mut Engine, input: &[f32], mut before_block: impl FnMut(&mut Engine, usize)) -> Vec<f32> {
    let mut out = Vec::with_capacity(input.len());
    for (index, chunk) in input.chunks(BLOCK).enumerate() {
        before_block(engine, index);
        engine.set_settings(&EngineSettings::default());
        let (mut left, mut right) = (chunk.to_vec(), chunk.to_vec());
        engine.process_stereo(&mut left, &mut right);
        out.extend_from_slice(&left);
    }
    out
}

/// The largest sample-to-sample step of `x[range]`.
fn largest_step(x: &[f32], range: std::ops::Range<usize>) -> f32 {
    x[range].windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max)
}

#[test]
fn bypass_crossfades_to_the_input_delayed_by_the_latency() {
    let input = signal(48_000);
    let n = LATENCY as usize;
    let fade = (SAMPLE_RATE * SWITCH_FADE_MS / 1000.0).round() as usize;
    let bypass_block = 40;
    let start = bypass_block * BLOCK;

    let processed = render(&mut engine(), &input, |_, _| {});
    let mut bypassed_engine = engine();
    // Like a plugin, the host's bypass value is passed on every block.
    let output =
        render(&mut bypassed_engine, &input, |engine, index| engine.set_bypassed(index >= bypass_block));
    assert!(bypassed_engine.is_bypassed());
    assert_eq!(bypassed_engine.latency_samples(), LATENCY, "bypass keeps the latency");
    assert_eq!(bypassed_engine.tail_samples(), Some(LATENCY), "bypassed: only the dry delay");

    let dry = |i: usize| if i >= n { input[i - n] } else { 0.0 };
    // Untouched before; exactly the aligned input after the fade.
    assert_eq!(output[..start], processed[..start]);
    for (i, &y) in output.iter().enumerate().skip(start + fade) {
        assert_eq!(y, dry(i), "sample {i}");
    }
    // A linear crossfade between the processed and the aligned dry signal, to the sample.
    let mut worst = 0.0f32;
    for k in 0..fade {
        let i = start + k;
        let wet = 1.0 - (k + 1) as f32 / fade as f32;
        let want = wet * processed[i] + (1.0 - wet) * dry(i);
        worst = worst.max((output[i] - want).abs());
    }
    println!("largest deviation from the aligned crossfade: {worst:e}");
    assert!(worst < 1e-5, "{worst}");
    // Click-free: no step larger than the signals' own steps plus the fade's slope over the
    // largest difference between them.
    let region = start - 1..start + fade + 1;
    let dry_signal: Vec<f32> = (0..input.len()).map(dry).collect();
    let difference = region.clone().map(|i| (processed[i] - dry_signal[i]).abs()).fold(0.0, f32::max);
    let allowed = largest_step(&processed, region.clone()).max(largest_step(&dry_signal, region.clone()))
        + difference / fade as f32
        + 1e-5;
    let step = largest_step(&output, region);
    println!("largest step through the fade {step:.4} (allowed {allowed:.4})");
    assert!(step <= allowed, "step {step} > {allowed}");
}

#[test]
fn leaving_bypass_fades_in_a_fresh_chain_primed_with_the_input_it_missed() {
    let input = signal(48_000);
    let n = LATENCY as usize;
    let fade = (SAMPLE_RATE * SWITCH_FADE_MS / 1000.0).round() as usize;
    let resume_block = 30;
    let start = resume_block * BLOCK;

    let mut engine_under_test = engine();
    // Bypassed from the first block (right after prepare: no fade), back on at `resume_block`.
    let output =
        render(&mut engine_under_test, &input, |engine, index| engine.set_bypassed(index < resume_block));
    assert!(!engine_under_test.is_bypassed());
    let dry = |i: usize| if i >= n { input[i - n] } else { 0.0 };
    for (i, &y) in output.iter().enumerate().take(start) {
        assert_eq!(y, dry(i), "bypassed, sample {i}");
    }

    // The chain was reset and fed the last `LATENCY` inputs before it faded in: it must sound
    // like a fresh engine started `LATENCY` samples before the switch (no stale state, no
    // missing look-ahead).
    let fresh_start = start - n;
    let fresh = render(&mut engine(), &input[fresh_start..], |_, _| {});
    let mut worst_fade = 0.0f32;
    for k in 0..fade {
        let i = start + k;
        let wet = (k + 1) as f32 / fade as f32;
        let want = wet * fresh[i - fresh_start] + (1.0 - wet) * dry(i);
        worst_fade = worst_fade.max((output[i] - want).abs());
    }
    let worst_after = (start + fade..input.len())
        .map(|i| (output[i] - fresh[i - fresh_start]).abs())
        .fold(0.0f32, f32::max);
    println!("deviation from a fresh primed chain: fade {worst_fade:e}, after {worst_after:e}");
    assert!(worst_fade < 1e-5 && worst_after < 1e-5, "{worst_fade} {worst_after}");
}

#[test]
fn first_bypass_after_prepare_takes_effect_at_once() {
    // A plugin activated while bypassed must not fade in from the processed signal.
    let input = signal(4 * BLOCK);
    let mut e = engine();
    e.set_bypassed(true);
    assert!(e.is_bypassed());
    let out = render(&mut e, &input, |_, _| {});
    let n = LATENCY as usize;
    assert!(out[..n].iter().all(|&v| v == 0.0));
    assert_eq!(out[n..], input[..input.len() - n]);
}
