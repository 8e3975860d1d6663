//! Exactness when off, reset, ramps that land on the target, and the tail estimate.

use super::*;

#[test]
fn everything_off_is_bit_exact_and_any_block_size_gives_identical_output() {
    let input: Vec<f32> =
        (0..5_000).map(|i| ((i as f32 * 0.37).sin() * 0.8) + ((i * 7919 % 101) as f32 / 500.0)).collect();
    let run = |settings: &FilterSettings, block: usize| {
        let mut filter = Filter::new();
        filter.prepare(48_000.0, block);
        filter.set_settings(settings);
        let (mut l, mut r) = (input.clone(), input.clone());
        for (a, b) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
            filter.process(a, b);
        }
        assert_eq!(l, r);
        l
    };
    assert_eq!(run(&FilterSettings::default(), 256), input);
    let reference = run(&everything_on(), 4096);
    for block in [1, 7, 64, 1000] {
        assert_eq!(run(&everything_on(), block), reference, "block {block}");
    }
    // Zero-length blocks are fine.
    let mut filter = Filter::new();
    filter.prepare(48_000.0, 16);
    filter.process(&mut [], &mut []);
}

#[test]
fn reset_clears_state_and_first_settings_snap() {
    let mut filter = Filter::new();
    filter.prepare(48_000.0, 512);
    filter.set_settings(&everything_on());
    let first = impulse_response(|l, r| filter.process(l, r));
    // Drive it with noise, change settings (ramps), then reset and snap to the same settings.
    let mut noise: Vec<f32> =
        (0..512u64).map(|i| ((i * 1_103_515_245 + 12_345) % 2001) as f32 / 1000.0 - 1.0).collect();
    let mut noise_r = noise.clone();
    let mut other = everything_on();
    other.bell_2.gain_db = -20.0;
    filter.set_settings(&other);
    filter.process(&mut noise, &mut noise_r);
    filter.reset();
    filter.set_settings(&everything_on());
    let second = impulse_response(|l, r| filter.process(l, r));
    assert_eq!(first[..first.len().min(second.len())], second[..first.len().min(second.len())]);
}

#[test]
fn ramps_land_exactly_on_the_target_response() {
    // Jump every band's frequency, gain and Q (ramped over 20 ms), let it settle, and compare the
    // impulse response with a stage that was snapped to the same settings.
    let fs = 48_000.0f64;
    let mut target = everything_on();
    target.high_pass.cutoff_hz = 150.0;
    target.low_pass.cutoff_hz = 5_000.0;
    target.low_pass.resonance_q = 7.0;
    target.bell_1 = BellSettings { enabled: true, freq_hz: 3_000.0, gain_db: 15.0, q: 9.0 };
    target.low_shelf.gain_db = -12.0;
    target.notch.freq_hz = 700.0;
    let mut ramped = Filter::new();
    ramped.prepare(fs as f32, BLOCK);
    ramped.set_settings(&everything_on());
    let mut noise: Vec<f32> = (0..BLOCK as u64).map(|i| ((i * 7_919) % 997) as f32 / 500.0 - 1.0).collect();
    let mut noise_r = noise.clone();
    ramped.process(&mut noise, &mut noise_r);
    ramped.set_settings(&target);
    // 1 s of silence: ramps (20 ms) finish and the state decays.
    for _ in 0..(fs as usize / BLOCK) {
        let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        ramped.process(&mut l, &mut r);
    }
    let freqs: Vec<f64> = (0..=60).map(|i| 20.0 * 1000f64.powf(i as f64 / 60.0)).collect();
    let measured = dft_db(&impulse_response(|l, r| ramped.process(l, r)), fs, &freqs);
    let expected = dft_db(&stage_impulse_response(&target, fs), fs, &freqs);
    for ((f, m), e) in freqs.iter().zip(&measured).zip(&expected) {
        if *e > FLOOR_DB {
            assert!((m - e).abs() < 1e-3, "{f} Hz: {m} vs {e}");
        }
    }
}

#[test]
fn tail_estimate_covers_the_ringing() {
    let mut s = FilterSettings {
        bell_1: BellSettings { enabled: true, freq_hz: 100.0, gain_db: 12.0, q: 8.0 },
        ..Default::default()
    };
    s.high_pass.enabled = true;
    let fs = 48_000.0;
    let mut filter = Filter::new();
    filter.prepare(fs as f32, BLOCK);
    assert_eq!(filter.tail_samples(), Some(0), "all bands off");
    filter.set_settings(&s);
    let tail = filter.tail_samples().unwrap() as usize;
    let ir = impulse_response(|l, r| filter.process(l, r));
    let peak = ir.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let after = ir[tail.min(ir.len())..].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(tail > 4_800 && tail < 10 * 48_000, "tail {tail}");
    assert!(after < peak * 1e-5, "residual after tail {after:e} vs peak {peak:e}");
}
