//! Whole-chain cost: ns per stereo frame at the block sizes hosts commonly use, with every
//! stage at its default settings (`chain`) and with every stage switched off (`chain_off`: the
//! engine's own overhead: input sanitizing, silence detection, stage switches, gains at 0 dB).
//! Run with `cargo bench --bench chain`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runnel_engine::engine::{Engine, EngineSettings};

#[path = "../examples/shared/r1.rs"]
#[allow(dead_code)] // Only the all-off settings are used here.
mod r1;

fn whole_chain(c: &mut Criterion) {
    bench_settings(c, "chain", &EngineSettings::default());
    bench_settings(c, "chain_off", &r1::all_stages_off());
}

fn bench_settings(c: &mut Criterion, name: &str, settings: &EngineSettings) {
    let sample_rate = 48_000.0;
    let mut group = c.benchmark_group(name);
    for block in [64usize, 256, 1024, 8192] {
        let mut engine = Engine::new();
        engine.prepare(sample_rate, block);
        engine.set_settings(settings);
        // A noise burst keeps every stage busy (no silent fast paths).
        let mut seed = 1u32;
        let mut noise = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let input_l: Vec<f32> = (0..block).map(|_| noise() * 0.2).collect();
        let input_r: Vec<f32> = (0..block).map(|_| noise() * 0.2).collect();
        let mut left = input_l.clone();
        let mut right = input_r.clone();
        group.throughput(Throughput::Elements(block as u64));
        group.bench_with_input(BenchmarkId::new("stereo_block", block), &block, |b, _| {
            b.iter(|| {
                left.copy_from_slice(&input_l);
                right.copy_from_slice(&input_r);
                engine.process_stereo(&mut left, &mut right);
                criterion::black_box(left[0]);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, whole_chain);
criterion_main!(benches);
