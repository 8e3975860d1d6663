//! The reference chain R1 of issue 11 and its stages, in ns per stereo frame at the block sizes
//! hosts use (64, 256, 1024, 8192 frames, 48 kHz), on pseudo-random noise so no silent fast
//! path is taken:
//!
//! R1 = high-pass 80 Hz 12 dB/oct → low-pass 8 kHz 12 dB/oct → +3.5 dB → delay 350 ms,
//! feedback 35 %, mix 25 % → reverb decay 1 s, mix 25 %.
//!
//! Groups: `filter` (HP + LP), `delay`, `reverb` (each stage alone, R1 settings), `r1` (the
//! whole engine), and `r1_silent` (the whole engine long after its input went silent: the cost
//! of silence). Criterion reports time per block and, through `Throughput::Elements`, frames
//! per second; ns per stereo frame = time / block.
//!
//! `cargo bench -p runnel-engine --bench r1` (or a copy of the built binary with `--bench`, so
//! that two builds can be run alternately in one session).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runnel_engine::delay::Delay;
use runnel_engine::engine::Engine;
use runnel_engine::filter::Filter;
use runnel_engine::reverb::Reverb;
use std::time::Duration;

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCKS: [usize; 4] = [64, 256, 1024, 8192];

#[path = "../examples/shared/r1.rs"]
mod r1;
use r1::r1_settings;

/// `n` frames of white noise at ±0.35 peak, repeatable per seed (the test suites' one generator).
fn noise(n: usize, seed: u64) -> Vec<f32> {
    test_support::signals::white_noise(n, 0.35, &mut test_support::Rng::new(seed))
}

/// A stereo in-place processor under test.
type Processor = Box<dyn FnMut(&mut [f32], &mut [f32])>;

/// Benchmarks `process` (any stereo in-place processor) on a noise block of every size.
fn bench_blocks(c: &mut Criterion, group_name: &str, mut make: impl FnMut(usize) -> Processor) {
    let mut group = c.benchmark_group(group_name);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_millis(1500));
    group.sample_size(20);
    for block in BLOCKS {
        let mut process = make(block);
        let (input_l, input_r) = (noise(block, 1), noise(block, 2));
        let (mut left, mut right) = (input_l.clone(), input_r.clone());
        group.throughput(Throughput::Elements(block as u64));
        group.bench_function(BenchmarkId::from_parameter(block), |b| {
            b.iter(|| {
                left.copy_from_slice(&input_l);
                right.copy_from_slice(&input_r);
                process(black_box(&mut left), black_box(&mut right));
            })
        });
    }
    group.finish();
}

fn bench_r1(c: &mut Criterion) {
    let settings = r1_settings();
    bench_blocks(c, "filter", |block| {
        let mut filter = Filter::new();
        filter.prepare(SAMPLE_RATE, block);
        filter.set_settings(&settings.filter);
        Box::new(move |l, r| filter.process(l, r))
    });
    bench_blocks(c, "delay", |block| {
        let mut delay = Delay::new();
        delay.prepare(SAMPLE_RATE, block);
        delay.set_settings(&settings.delay);
        Box::new(move |l, r| delay.process(l, r))
    });
    bench_blocks(c, "reverb", |block| {
        let mut reverb = Reverb::new();
        reverb.prepare(SAMPLE_RATE, block);
        reverb.set_settings(&settings.reverb);
        Box::new(move |l, r| reverb.process(l, r))
    });
    bench_blocks(c, "r1", |block| {
        let mut engine = Engine::new();
        engine.prepare(SAMPLE_RATE, block);
        engine.set_settings(&settings);
        Box::new(move |l, r| engine.process_stereo(l, r))
    });
    // Silence: a noise burst, then 30 s of zeros (far past R1's tail), then the measured blocks
    // of zeros.
    let mut group = c.benchmark_group("r1_silent");
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_millis(1500));
    group.sample_size(20);
    for block in BLOCKS {
        let mut engine = Engine::new();
        engine.prepare(SAMPLE_RATE, block);
        engine.set_settings(&settings);
        let (mut left, mut right) = (noise(block, 3), noise(block, 4));
        engine.process_stereo(&mut left, &mut right);
        let mut zeros_l = vec![0.0f32; 30 * 48_000];
        let mut zeros_r = zeros_l.clone();
        engine.process_stereo(&mut zeros_l, &mut zeros_r);
        let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
        group.throughput(Throughput::Elements(block as u64));
        group.bench_function(BenchmarkId::from_parameter(block), |b| {
            b.iter(|| {
                left.fill(0.0);
                right.fill(0.0);
                engine.process_stereo(black_box(&mut left), black_box(&mut right));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_r1);
criterion_main!(benches);
