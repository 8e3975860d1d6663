//! Cost of the dynamics stages per stereo frame, in 256-frame blocks at 48 kHz.
//!
//! Criterion reports the time per block; with `Throughput::Elements(256)` it also reports
//! frames per second, and time / 256 is the figure quoted as "ns per stereo frame".
//!
//! - `compressor_peak`: peak detector, soft knee, 4:1, compressing noise by several dB.
//! - `compressor_rms_hpf_lookahead`: RMS detector, side-chain high-pass, 5 ms lookahead, auto
//!   release and auto makeup, 50 % mix (every option's cost at once).
//! - `agc`: K-weighted momentary loudness and the gain glide.
//! - `limiter`: 4 × 32-tap true-peak detection per channel, 1.5 ms lookahead, limiting noise
//!   by several dB with auto release.
//! - `whole_chain_with_dynamics`: the default chain (filter, delay, reverb on) plus all three.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runnel_engine::{
    Agc, AgcSettings, Compressor, CompressorSettings, Detector, EngineSettings, LimiterSettings, Stage,
};

const BLOCK: usize = 256;
const SAMPLE_RATE: f32 = 48_000.0;

fn bench_dynamics(c: &mut Criterion) {
    let mut group = c.benchmark_group("dynamics");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let peak = CompressorSettings { threshold_db: -30.0, ratio: 4.0, ..CompressorSettings::default() };
    let everything = CompressorSettings {
        detector: Detector::Rms,
        sidechain_hpf_hz: 120.0,
        lookahead_ms: 5.0,
        auto_release: true,
        auto_makeup: true,
        mix: 0.5,
        ..peak
    };
    let cases: [(&str, Box<dyn Stage>, EngineSettings); 4] = [
        (
            "compressor_peak",
            Box::new(Compressor::new()),
            EngineSettings { compressor_on: true, compressor: peak, ..EngineSettings::default() },
        ),
        (
            "compressor_rms_hpf_lookahead",
            Box::new(Compressor::new()),
            EngineSettings { compressor_on: true, compressor: everything, ..EngineSettings::default() },
        ),
        (
            "agc",
            Box::new(Agc::new()),
            EngineSettings { agc_on: true, agc: AgcSettings::default(), ..EngineSettings::default() },
        ),
        (
            "limiter",
            Box::new(runnel_engine::Limiter::new()),
            EngineSettings {
                limiter_on: true,
                limiter: LimiterSettings { ceiling_db: -12.0, ..LimiterSettings::default() },
                ..EngineSettings::default()
            },
        ),
    ];
    for (name, mut stage, settings) in cases {
        stage.prepare(SAMPLE_RATE, BLOCK);
        stage.apply(&settings);
        // Pseudo-random input so nothing is trivially zero.
        let mut seed = 0x1234_5678u32;
        let mut noise = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed as f32 / u32::MAX as f32) - 0.5
        };
        let input_l: Vec<f32> = (0..BLOCK).map(|_| noise()).collect();
        let input_r: Vec<f32> = (0..BLOCK).map(|_| noise()).collect();
        let (mut l, mut r) = (input_l.clone(), input_r.clone());
        group.bench_with_input(BenchmarkId::new("256-frame block", name), &name, |b, _| {
            b.iter(|| {
                l.copy_from_slice(&input_l);
                r.copy_from_slice(&input_r);
                stage.process(black_box(&mut l), black_box(&mut r));
            })
        });
    }
    // The whole chain at its defaults with the three dynamics stages on as well.
    let mut engine = runnel_engine::Engine::new();
    engine.prepare(SAMPLE_RATE, BLOCK);
    engine.set_settings(&EngineSettings {
        agc_on: true,
        compressor_on: true,
        limiter_on: true,
        ..EngineSettings::default()
    });
    let input: Vec<f32> = (0..BLOCK).map(|n| 0.3 * (n as f32 * 0.37).sin()).collect();
    let (mut l, mut r) = (input.clone(), input.clone());
    group.bench_with_input(BenchmarkId::new("256-frame block", "whole_chain_with_dynamics"), &0, |b, _| {
        b.iter(|| {
            l.copy_from_slice(&input);
            r.copy_from_slice(&input);
            engine.process_stereo(black_box(&mut l), black_box(&mut r));
        })
    });
    group.finish();
}

criterion_group!(benches, bench_dynamics);
criterion_main!(benches);
