//! Cost of the filter stage per stereo frame, per band/section type, at 48 kHz in 256-frame
//! blocks: settled ("steady") and while a frequency ramps every block ("modulating": the target
//! alternates between two values each block, so coefficients are re-derived every
//! `CONTROL_INTERVAL` (16) frames all the time).
//!
//! `cargo bench --bench filter` ; criterion prints time per 256-frame block; divide by 256 for
//! ns per stereo frame (the throughput line shows frames/s).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runnel_engine::filter::*;
use std::time::Duration;

const BLOCK: usize = 256;
const SAMPLE_RATE: f32 = 48_000.0;

/// A named setting, parameterised by a frequency so it can be modulated.
type Case = (&'static str, fn(f32) -> FilterSettings);

fn pass(cutoff_hz: f32, slope: FilterSlope) -> PassSettings {
    PassSettings { enabled: true, cutoff_hz, slope, resonance_q: 4.0 }
}

fn cases() -> Vec<Case> {
    vec![
        ("all off", |_| FilterSettings::default()),
        ("hp 6", |f| FilterSettings { high_pass: pass(f, FilterSlope::Db6), ..Default::default() }),
        ("hp 12", |f| FilterSettings { high_pass: pass(f, FilterSlope::Db12), ..Default::default() }),
        ("hp 24", |f| FilterSettings { high_pass: pass(f, FilterSlope::Db24), ..Default::default() }),
        ("hp 48", |f| FilterSettings { high_pass: pass(f, FilterSlope::Db48), ..Default::default() }),
        ("lp resonant", |f| FilterSettings {
            low_pass: pass(f, FilterSlope::Resonant12),
            ..Default::default()
        }),
        ("bell", |f| FilterSettings {
            bell_1: BellSettings { enabled: true, freq_hz: f, gain_db: 6.0, q: 2.0 },
            ..Default::default()
        }),
        ("low shelf", |f| FilterSettings {
            low_shelf: ShelfSettings { enabled: true, freq_hz: f, gain_db: -6.0, q: 0.7 },
            ..Default::default()
        }),
        ("notch", |f| FilterSettings {
            notch: NotchSettings { enabled: true, mode: NotchMode::Notch, freq_hz: f, q: 4.0 },
            ..Default::default()
        }),
        ("all on (hp48 lp48)", |f| FilterSettings {
            high_pass: pass(f / 10.0, FilterSlope::Db48),
            low_pass: pass(f * 10.0, FilterSlope::Db48),
            low_shelf: ShelfSettings { enabled: true, freq_hz: f / 4.0, gain_db: 3.0, q: 0.7 },
            high_shelf: ShelfSettings { enabled: true, freq_hz: f * 4.0, gain_db: -3.0, q: 0.7 },
            bell_1: BellSettings { enabled: true, freq_hz: f / 2.0, gain_db: 6.0, q: 2.0 },
            bell_2: BellSettings { enabled: true, freq_hz: f * 2.0, gain_db: -6.0, q: 2.0 },
            notch: NotchSettings { enabled: true, mode: NotchMode::Notch, freq_hz: f, q: 4.0 },
        }),
    ]
}

fn bench_filter(c: &mut Criterion) {
    let mut group = c.benchmark_group("filter_256");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(30);
    for (name, settings_at) in cases() {
        for modulating in [false, true] {
            let mut filter = Filter::new();
            filter.prepare(SAMPLE_RATE, BLOCK);
            filter.set_settings(&settings_at(1_000.0));
            let mut left: Vec<f32> = (0..BLOCK).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
            let mut right = left.clone();
            let mut block = 0u64;
            let label = if modulating { "modulating" } else { "steady" };
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| {
                    if modulating {
                        block += 1;
                        let f = if block.is_multiple_of(2) { 700.0 } else { 1_400.0 };
                        filter.set_settings(&settings_at(f));
                    }
                    filter.process(black_box(&mut left), black_box(&mut right));
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_filter);
criterion_main!(benches);
