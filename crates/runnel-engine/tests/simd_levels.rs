//! The reverb's per-sample loop runs compiled for the best instruction set the CPU has
//! (`SimdLevel`: baseline SSE2/NEON, AVX2+FMA, AVX-512). Every level must produce the same
//! output bit for bit (no reassociation, no implicit FMA), so the choice of level can never
//! change the sound. This renders a demanding signal path (modulation, a Size change that
//! crossfades the line lengths, decay and cut automation, freeze in and out) at every level the
//! machine has, so the baseline fallback is exercised wherever the tests run.

use runnel_engine::reverb::{Reverb, ReverbSettings};
use runnel_engine::SimdLevel;

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCK: usize = 128;

/// Two seconds of the reverb at `level` on noise bursts, with settings moving between blocks:
/// at 48 kHz the network's run-wise reads (deskewed windows), crossfades and freeze; at 8 kHz
/// in the smallest room with fast, deep modulation, the gathered fallback reads as well (lines
/// shorter than a run, positions moving more than a sample per run). From block 700 on the
/// decay moves every block (the absorption's round-robin redesign).
fn render(level: SimdLevel, sample_rate: f32, start: ReverbSettings) -> Vec<f32> {
    let mut reverb = Reverb::new();
    reverb.prepare(sample_rate, BLOCK);
    reverb.set_simd_level(level);
    let mut settings = start;
    reverb.set_settings(&settings);
    let mut seed = 0x1234_5678u32;
    let mut out = Vec::new();
    let blocks = 2 * SAMPLE_RATE as usize / BLOCK;
    for block in 0..blocks {
        match block {
            100 => settings.size_m = (start.size_m * 0.3).max(2.0),
            200 => settings.decay_s = 6.0,
            300 => settings.high_cut_hz = 3_000.0,
            400 => settings.freeze = true,
            500 => settings.freeze = false,
            600 => settings.pre_delay_ms = 80.0,
            700.. => settings.decay_s = 2.0 + (block as f32 * 0.05).sin(),
            _ => {}
        }
        reverb.set_settings(&settings);
        let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        if block % 50 < 10 {
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *a = seed as f32 / u32::MAX as f32 - 0.5;
                *b = 0.3 * *a + 0.1;
            }
        }
        reverb.process(&mut l, &mut r);
        out.extend_from_slice(&l);
        out.extend_from_slice(&r);
    }
    out
}

#[test]
fn every_instruction_set_renders_the_same_bits() {
    let levels: Vec<_> = SimdLevel::available().collect();
    assert_eq!(levels[0], SimdLevel::Baseline, "the portable fallback is always tested");
    let cases = [
        (48_000.0, ReverbSettings { mod_depth_ms: 1.5, mod_rate_hz: 2.0, ..ReverbSettings::default() }),
        (
            8_000.0,
            ReverbSettings { size_m: 2.0, mod_depth_ms: 5.0, mod_rate_hz: 5.0, ..ReverbSettings::default() },
        ),
    ];
    for (sample_rate, start) in cases {
        let reference = render(SimdLevel::Baseline, sample_rate, start);
        assert!(reference.iter().all(|x| x.is_finite()));
        assert!(reference.iter().any(|x| x.abs() > 1e-2), "the render has signal");
        for &level in &levels[1..] {
            let out = render(level, sample_rate, start);
            // Tolerance: none. Every level runs the same operations in the same order.
            let differing = reference.iter().zip(&out).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
            assert_eq!(
                differing, 0,
                "{level:?} at {sample_rate} Hz differs from the baseline in {differing} samples"
            );
        }
    }
    println!("levels compared: {levels:?}");
}
