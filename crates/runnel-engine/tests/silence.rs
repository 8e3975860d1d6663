//! Silence costs nothing: once the input has been silent for longer than the chain's tail and
//! the output has decayed below `SLEEP_FLOOR`, the engine stops running its stages and outputs
//! exact zeros; the first non-silent sample wakes it, and the onset comes out on the same
//! sample, with the same values, as from an engine that never slept.

use runnel_engine::engine::{Engine, EngineSettings, SLEEP_FLOOR};
use runnel_engine::testing::LatencyStage;

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCK: usize = 256;
/// A latent stage in the chain, so "sample-exact" is checked against a non-zero latency.
const LATENCY: u32 = 37;

/// Runnel's chain at its defaults (every stage on) plus the latent test stage.
fn engine(sleep: bool) -> Engine {
    let mut engine = Engine::new();
    engine.insert_stage(2, Box::new(LatencyStage::new(LATENCY, 1.0)));
    engine.prepare(SAMPLE_RATE, BLOCK);
    engine.set_settings(&EngineSettings::default());
    engine.set_sleep_enabled(sleep);
    engine
}

/// `len` frames of white noise at ±0.3 peak, repeatable per seed (the test suites' one generator).
fn noise(len: usize, seed: u64) -> Vec<f32> {
    test_support::signals::white_noise(len, 0.3, &mut test_support::Rng::new(seed))
}

/// Output of `engine` for a stereo input, block by block, and whether it was asleep after
/// each block.
fn render(engine: &mut Engine, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<bool>) {
    let (mut out_l, mut out_r) = (left.to_vec(), right.to_vec());
    let mut asleep = Vec::new();
    for (l, r) in out_l.chunks_mut(BLOCK).zip(out_r.chunks_mut(BLOCK)) {
        engine.process_stereo(l, r);
        asleep.push(engine.is_asleep());
    }
    (out_l, out_r, asleep)
}

#[test]
fn sleeps_after_the_tail_with_exact_zeros_and_wakes_on_the_same_sample() {
    let burst = SAMPLE_RATE as usize;
    let silence = 14 * SAMPLE_RATE as usize;
    // The onset falls inside a block, not on a block boundary.
    let onset = burst + silence + 101;
    let total = onset + SAMPLE_RATE as usize / 2;
    let mut left = vec![0.0f32; total];
    let mut right = vec![0.0f32; total];
    left[..burst].copy_from_slice(&noise(burst, 1));
    right[..burst].copy_from_slice(&noise(burst, 2));
    left[onset..].copy_from_slice(&noise(total - onset, 3));
    right[onset..].copy_from_slice(&noise(total - onset, 4));

    let mut sleeper = engine(true);
    let mut reference = engine(false);
    let tail = sleeper.tail_samples().expect("a bounded tail at the defaults") as usize;
    let (sl, sr, asleep) = render(&mut sleeper, &left, &right);
    let (rl, rr, never) = render(&mut reference, &left, &right);
    assert!(never.iter().all(|&a| !a), "the reference never sleeps");

    // It falls asleep after the tail, and not later than 3 s after it (by then the default
    // reverb is far below the floor).
    let first_asleep = asleep.iter().position(|&a| a).expect("the engine fell asleep") * BLOCK;
    assert!(
        first_asleep >= burst + tail,
        "asleep at {first_asleep} before the tail ended ({})",
        burst + tail
    );
    assert!(first_asleep <= burst + tail + 3 * SAMPLE_RATE as usize, "asleep only at {first_asleep}");
    // It sleeps until the block holding the onset.
    let onset_block = onset / BLOCK;
    assert!(asleep[first_asleep / BLOCK..onset_block].iter().all(|&a| a));
    assert!(!asleep[onset_block]);

    // Until it sleeps, the output is the reference's, bit for bit; the last awake block is
    // below the floor (the step to zeros is at most that).
    assert_eq!(&sl[..first_asleep], &rl[..first_asleep]);
    assert_eq!(&sr[..first_asleep], &rr[..first_asleep]);
    let last = first_asleep - BLOCK..first_asleep;
    assert!(sl[last.clone()].iter().chain(&sr[last]).all(|x| x.abs() <= SLEEP_FLOOR));
    // Asleep: exact zeros.
    let sleeping = first_asleep + BLOCK..onset_block * BLOCK;
    assert!(sl[sleeping.clone()].iter().chain(&sr[sleeping]).all(|&x| x == 0.0));

    // The onset is heard on the same sample as from the engine that never slept (the input's
    // first sample, delayed by the latency); before it, only what the sleeper stopped holding
    // (below the floor) comes out.
    let heard = |out: &[f32]| onset + out[onset..].iter().position(|x| x.abs() > 1e-3).unwrap();
    assert_eq!(heard(&sl), onset + LATENCY as usize);
    assert_eq!(heard(&sl), heard(&rl));
    assert_eq!(heard(&sr), heard(&rr));
    assert!(sl[onset_block * BLOCK..onset + LATENCY as usize].iter().all(|x| x.abs() <= SLEEP_FLOOR));
    // No click and nothing lost: until the reverb's first reflections (its 10 ms pre-delay)
    // the two agree within the floor's order (what the reference still held, and what the
    // sleeper stopped holding, is below −120 dBFS).
    let window = onset..onset + LATENCY as usize + (0.009 * SAMPLE_RATE) as usize;
    for (a, b) in
        sl[window.clone()].iter().zip(&rl[window.clone()]).chain(sr[window.clone()].iter().zip(&rr[window]))
    {
        assert!((a - b).abs() <= 4.0 * SLEEP_FLOOR, "{a} vs {b}");
    }
    // Afterwards the level is the reference's (modulation phases may differ: the reverb's
    // random wander paused while asleep), within 0.5 dB over the following 0.4 s.
    let rms = |x: &[f32]| (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    let after = onset + 4800..total;
    let ratio_db = 20.0 * (rms(&sl[after.clone()]) / rms(&rl[after])).log10();
    assert!(ratio_db.abs() < 0.5, "{ratio_db} dB");
}

#[test]
fn never_sleeps_while_the_tail_is_unbounded() {
    let mut engine = engine(true);
    let mut settings = EngineSettings::default();
    settings.reverb.freeze = true;
    engine.set_settings(&settings);
    assert_eq!(engine.tail_samples(), None);
    let mut left = noise(BLOCK * 40, 5);
    let mut right = noise(BLOCK * 40, 6);
    engine.process_stereo(&mut left, &mut right);
    let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut held = 0.0f32;
    for _ in 0..(20 * SAMPLE_RATE as usize / BLOCK) {
        l.fill(0.0);
        r.fill(0.0);
        engine.process_stereo(&mut l, &mut r);
        assert!(!engine.is_asleep());
        held = l.iter().fold(0.0, |m, x| m.max(x.abs()));
    }
    assert!(held > 1e-3, "the frozen tail still sounds after 20 s: peak {held}");
}

#[test]
fn silent_input_with_nan_sleeps_and_mono_wakes_too() {
    // NaN is sanitized to silence before the check, so a broken upstream cannot keep the chain
    // awake; and the mono path sleeps and wakes the same way.
    let mut engine = engine(true);
    let mut block = vec![f32::NAN; BLOCK];
    for _ in 0..(12 * SAMPLE_RATE as usize / BLOCK) {
        block.fill(f32::NAN);
        engine.process_mono(&mut block);
    }
    assert!(engine.is_asleep());
    assert!(block.iter().all(|&x| x == 0.0));
    let mut impulse = vec![0.0f32; BLOCK];
    impulse[10] = 0.5;
    engine.process_mono(&mut impulse);
    assert!(!engine.is_asleep());
    let first = impulse.iter().position(|x| x.abs() > 1e-3).expect("the impulse is heard");
    assert_eq!(first, 10 + LATENCY as usize);
}
