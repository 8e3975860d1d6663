//! Reverb cost per stereo frame at default settings, 256-frame blocks, 48 kHz.
//!
//! Two inputs: noise (a signal) and silence after a tail has died (to show that a decayed tail
//! costs no more than signal: the state is flushed to zero, never subnormal).
//! Run: `cargo bench --bench reverb`; ns per frame = reported time / 256.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use runnel_engine::reverb::{Reverb, ReverbSettings};

const BLOCK: usize = 256;

fn bench_reverb(c: &mut Criterion) {
    let mut group = c.benchmark_group("reverb");
    group.throughput(Throughput::Elements(BLOCK as u64));

    let mut reverb = Reverb::new();
    reverb.prepare(48_000.0, BLOCK);
    reverb.set_settings(&ReverbSettings::default());
    let mut seed = 1u32;
    let noise: Vec<f32> = (0..BLOCK)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as f32 / u32::MAX as f32 - 0.5
        })
        .collect();
    let (mut l, mut r) = (noise.clone(), noise.clone());
    group.bench_function("default_256_frames_noise", |b| {
        b.iter(|| {
            l.copy_from_slice(&noise);
            r.copy_from_slice(&noise);
            reverb.process(black_box(&mut l), black_box(&mut r));
        })
    });

    // A tail decayed into silence: an impulse, then 40 s of zeros at the default 2 s decay.
    reverb.reset();
    reverb.set_settings(&ReverbSettings::default());
    let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    l[0] = 1.0;
    r[0] = 1.0;
    for _ in 0..(40 * 48_000 / BLOCK) {
        reverb.process(&mut l, &mut r);
        l.fill(0.0);
        r.fill(0.0);
    }
    group.bench_function("default_256_frames_decayed_tail", |b| {
        b.iter(|| {
            l.fill(0.0);
            r.fill(0.0);
            reverb.process(black_box(&mut l), black_box(&mut r));
        })
    });
    group.finish();
}

criterion_group!(benches, bench_reverb);
criterion_main!(benches);
