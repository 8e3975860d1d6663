//! Fixed work for instruction-count profiling (valgrind --tool=callgrind): R1's settings, one
//! stage (or the whole engine) over 2 s of noise in 256-frame blocks.
//! `cargo run --release --example stage_cost -- reverb|delay|filter|r1|off|idle` (`off`: the
//! whole engine with every stage switched off, i.e. the chain's own overhead; `idle`: no
//! processing, the setup cost to subtract).
//!
//! It also prints the CPU time the processing took per stereo frame, read from the kernel's
//! per-thread run time (`/proc/thread-self/schedstat`, Linux): unlike wall-clock time it does
//! not count the time other processes held the CPU, so two builds can be compared on a busy
//! machine (the `idle` figure, the input copy alone, is the floor to subtract).
//! `STAGE_COST_REPEAT=n` runs the 2 s n times (for a stable CPU-time figure),
//! `STAGE_COST_BLOCK=frames` sets the block size (default 256), `STAGE_COST_SIMD=baseline|avx2|avx512`
//! the reverb's instruction set (default: its own choice) for the `reverb` stage alone.
use runnel_engine::delay::Delay;
use runnel_engine::engine::Engine;
use runnel_engine::filter::Filter;
use runnel_engine::reverb::Reverb;

#[path = "shared/r1.rs"]
mod r1;
use r1::{all_stages_off, r1_settings};

/// A positive integer from the environment variable `name`, or `default`.
fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

/// Nanoseconds this thread has run on a CPU (0 where the kernel does not say).
fn cpu_time_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "reverb".into());
    let repeat = env_count("STAGE_COST_REPEAT", 1);
    let block = env_count("STAGE_COST_BLOCK", 256);
    let settings = r1_settings();
    let mut reverb = Reverb::new();
    reverb.prepare(48_000.0, block);
    reverb.set_settings(&settings.reverb);
    match std::env::var("STAGE_COST_SIMD").as_deref() {
        Ok("baseline") => reverb.set_simd_level(runnel_engine::SimdLevel::Baseline),
        Ok("avx2") => reverb.set_simd_level(runnel_engine::SimdLevel::Avx2),
        Ok("avx512") => reverb.set_simd_level(runnel_engine::SimdLevel::Avx512),
        _ => {}
    }
    let mut delay = Delay::new();
    delay.prepare(48_000.0, block);
    delay.set_settings(&settings.delay);
    let mut filter = Filter::new();
    filter.prepare(48_000.0, block);
    filter.set_settings(&settings.filter);
    let mut engine = Engine::new();
    engine.prepare(48_000.0, block);
    engine.set_settings(&settings);
    let mut engine_off = Engine::new();
    engine_off.prepare(48_000.0, block);
    engine_off.set_settings(&all_stages_off());
    // With a file name as second argument, the output is written there (f32 LE, L then R per
    // block) to compare two builds bit for bit.
    let mut dump = std::env::args().nth(2).map(|path| std::fs::File::create(path).expect("dump file"));
    // The 2 s of noise, generated before timing starts.
    let mut seed = 1u32;
    let blocks = 96_000 / block;
    let noise: Vec<f32> = (0..blocks * block)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as f32 / u32::MAX as f32 - 0.5
        })
        .collect();
    let (mut l, mut r) = (vec![0.0f32; block], vec![0.0f32; block]);
    let start_ns = cpu_time_ns();
    for _ in 0..repeat {
        for input in noise.chunks_exact(block) {
            l.copy_from_slice(input);
            for (b, a) in r.iter_mut().zip(input) {
                *b = -*a;
            }
            match which.as_str() {
                "reverb" => reverb.process(&mut l, &mut r),
                "delay" => delay.process(&mut l, &mut r),
                "filter" => filter.process(&mut l, &mut r),
                "idle" => {}
                "off" => engine_off.process_stereo(&mut l, &mut r),
                _ => engine.process_stereo(&mut l, &mut r),
            }
            std::hint::black_box(&l);
            if let Some(file) = dump.as_mut() {
                use std::io::Write;
                for x in l.iter().chain(&r) {
                    file.write_all(&x.to_le_bytes()).expect("dump");
                }
            }
        }
    }
    let processing_ns = cpu_time_ns() - start_ns;
    let frames = (blocks * repeat * block) as f64;
    eprintln!("{which}: {:.2} ns CPU per stereo frame ({block}-frame blocks)", processing_ns as f64 / frames);
}
