//! Whole-chain cost: ns per stereo frame with every stage on at default settings, at the block
//! sizes hosts commonly use. Run with `cargo bench --bench chain`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runnel_engine::engine::{Engine, EngineSettings};

fn whole_chain(c: &mut Criterion) {
    let sample_rate = 48_000.0;
    let mut group = c.benchmark_group("chain");
    for block in [64usize, 256, 1024] {
        let mut engine = Engine::new();
        engine.prepare(sample_rate, block);
        engine.set_settings(&EngineSettings::default());
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
