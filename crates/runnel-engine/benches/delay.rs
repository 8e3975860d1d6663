//! Cost of the delay stage per stereo frame, in 256-frame blocks at 48 kHz.
//!
//! Criterion reports the time per block; with `Throughput::Elements(256)` it also reports
//! frames per second, and time / 256 is the figure quoted as "ns per stereo frame".
//!
//! - `steady`: integer time (375 ms), feedback 50 %, loop filters and saturation on, ducking on;
//!   the reads take the bit-exact integer path.
//! - `modulated`: the same with wow/flutter, so every read is a 2 × 32-tap sinc interpolation.
//! - `crossfading`: modulated, Crossfade mode with the time changing every block, so two heads
//!   per channel are read (the worst case).
//! - `tape_gliding`: modulated, Tape mode with the time changing every block.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runnel_engine::delay::{Delay, DelaySettings, TimeChangeMode};

const BLOCK: usize = 256;
const SAMPLE_RATE: f32 = 48_000.0;

fn steady_settings() -> DelaySettings {
    DelaySettings {
        time_ms: 375.0,
        feedback: 0.5,
        low_cut_hz: 120.0,
        high_cut_hz: 6000.0,
        saturation: 0.5,
        duck_amount_db: 6.0,
        mix: 0.4,
        ..DelaySettings::default()
    }
}

fn bench_delay(c: &mut Criterion) {
    let mut group = c.benchmark_group("delay");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let modulated = DelaySettings { mod_depth_ms: 2.0, mod_rate_hz: 0.8, ..steady_settings() };
    let cases: [(&str, DelaySettings, Option<TimeChangeMode>); 4] = [
        ("steady", steady_settings(), None),
        ("modulated", modulated, None),
        ("crossfading", modulated, Some(TimeChangeMode::Crossfade)),
        ("tape_gliding", modulated, Some(TimeChangeMode::Tape)),
    ];
    for (name, settings, moving) in cases {
        let mut delay = Delay::new();
        delay.prepare(SAMPLE_RATE, BLOCK);
        delay.set_settings(&settings);
        // Pseudo-random input so nothing is trivially zero.
        let mut seed = 0x1234_5678u32;
        let mut noise = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed as f32 / u32::MAX as f32) * 0.5 - 0.25
        };
        let input_l: Vec<f32> = (0..BLOCK).map(|_| noise()).collect();
        let input_r: Vec<f32> = (0..BLOCK).map(|_| noise()).collect();
        let (mut l, mut r) = (input_l.clone(), input_r.clone());
        let mut block_index = 0u32;
        group.bench_with_input(BenchmarkId::new("256-frame block", name), &name, |b, _| {
            b.iter(|| {
                if let Some(mode) = moving {
                    // A new time every block: each block starts a fade or steers the glide.
                    block_index = block_index.wrapping_add(1);
                    let time_ms = 300.0 + (block_index % 64) as f32;
                    delay.set_settings(&DelaySettings { time_ms, time_change: mode, ..settings });
                }
                l.copy_from_slice(&input_l);
                r.copy_from_slice(&input_r);
                delay.process(black_box(&mut l), black_box(&mut r));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_delay);
criterion_main!(benches);
