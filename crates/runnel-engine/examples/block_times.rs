//! Block-time distribution of the reference chain R1 (issue 11) at 64-frame blocks, 48 kHz,
//! with every continuous parameter automated: each one sweeps its whole range (in its own
//! normalized mapping) at its own slow rate, changing every block, as host automation does.
//! Switches and choices stay at R1's values (toggling them would measure crossfades, not
//! steady automation). Noise input, so no silent path is taken.
//!
//! Prints p50/p99/p99.9/max of the time one callback takes (`set_settings` + `process_stereo`),
//! and the median against the block's real-time deadline, twice: in wall-clock time, and in the
//! CPU time this thread ran (Linux: `CLOCK_THREAD_CPUTIME_ID`), which leaves out the time the
//! kernel gave the CPU to other processes. On a shared or virtual machine the wall-clock tail is
//! mostly preemption; the CPU-time tail is what the code itself costs in its worst blocks
//! (periodic recomputation would show there), so the "worst case near the mean" goal is judged
//! on it.
//!
//! `cargo run -p runnel-engine --release --example block_times [-- blocks [only] [static]]`
//! (default 200 000 blocks). With `only` = `filter`, `delay` or `off`, every stage but that one
//! (or every stage, for `off`) is switched off, so the figures are that stage's plus the
//! engine's own overhead, under the same automation. With `static`, nothing is automated: R1's
//! settings are set once and every block is processed with them unchanged, the real-time budget
//! case of issue 11 (median block time against 0.5 % of the deadline), with the same noise
//! input and clocks. `BLOCK_TIMES_DUMP=file` writes the output (f32 LE, L then R per block)
//! there, to compare two builds bit for bit under automation. `BLOCK_TIMES_PARAMS=part`
//! automates only the parameters whose ID contains `part` (which one makes the slow blocks?);
//! `BLOCK_TIMES_SERIES=file` writes every block's thread-CPU time there, in block order.

use runnel_engine::engine::Engine;
use runnel_engine::params::values::ParamValues;
use std::time::Instant;

/// Nanoseconds of CPU time this thread has used (0 where the platform has no such clock).
fn thread_cpu_ns() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: a valid clock id and a valid out-pointer.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } == 0 {
            return now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64;
        }
    }
    0
}

/// p50, p99, p99.9 and max of `times` (sorted in place).
fn percentiles(times: &mut [u64]) -> [u64; 4] {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.99), at(0.999), *times.last().unwrap()]
}

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCK: usize = 64;

#[path = "shared/r1.rs"]
mod r1;
use r1::r1_settings;

fn main() {
    let blocks: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    // `static` may follow the block count or the stage name.
    let is_static = std::env::args().skip(2).any(|a| a == "static");
    let only = std::env::args().nth(2).filter(|a| a != "static");
    let keep_only = |settings: &mut runnel_engine::engine::EngineSettings| {
        if let Some(stage) = only.as_deref() {
            settings.filter_on = stage == "filter";
            settings.delay_on = stage == "delay";
            settings.reverb_on = false;
        }
    };
    let base = ParamValues::from_settings(&r1_settings());
    let mut engine = Engine::new();
    engine.prepare(SAMPLE_RATE, BLOCK);
    let mut first = base.to_settings();
    keep_only(&mut first);
    engine.set_settings(&first);

    let mut seed = 0x2545_f491u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed as f32 / u32::MAX as f32 - 0.5) * 0.5
    };
    let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut values = base.clone();
    // `BLOCK_TIMES_PARAMS=part`: only the parameters whose ID contains `part` are automated
    // (each at the rate it has in the full run), to find which one a slow block comes from.
    let only_params = std::env::var("BLOCK_TIMES_PARAMS").ok();
    let automated: Vec<_> = base
        .iter()
        .filter(|(spec, _)| spec.is_continuous() && !is_static)
        .enumerate()
        .filter(|(_, (spec, _))| only_params.as_deref().is_none_or(|part| spec.id.contains(part)))
        .map(|(i, (spec, _))| (i, spec))
        .collect();
    let mut dump = std::env::var("BLOCK_TIMES_DUMP")
        .ok()
        .map(|path| std::io::BufWriter::new(std::fs::File::create(path).expect("dump file")));
    let mut times_ns = Vec::with_capacity(blocks);
    let mut cpu_times_ns = Vec::with_capacity(blocks);
    for block in 0..blocks {
        let seconds = (block * BLOCK) as f32 / SAMPLE_RATE;
        for &(i, spec) in &automated {
            // Every row its own rate (0.05 … 0.4 Hz), the whole range end to end.
            let rate = 0.05 + 0.35 * (i as f32 * 0.618_034).fract();
            let normalized = 0.5 + 0.5 * (std::f32::consts::TAU * rate * seconds + i as f32).sin();
            let value = spec.unnormalize(normalized.clamp(0.0, 1.0));
            values.set(spec.id, value).expect("in range");
        }
        // (Static: the same settings every block, which each stage recognises as unchanged.)
        let mut settings = values.to_settings();
        keep_only(&mut settings);
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            *l = noise();
            *r = noise();
        }
        let start = Instant::now();
        let cpu_start = thread_cpu_ns();
        engine.set_settings(&settings);
        engine.process_stereo(&mut left, &mut right);
        cpu_times_ns.push(thread_cpu_ns() - cpu_start);
        times_ns.push(start.elapsed().as_nanos() as u64);
        std::hint::black_box(left[0]);
        if let Some(file) = dump.as_mut() {
            use std::io::Write;
            for x in left.iter().chain(&right) {
                file.write_all(&x.to_le_bytes()).expect("dump");
            }
        }
    }
    if let Ok(path) = std::env::var("BLOCK_TIMES_SERIES") {
        // One line per block: its thread-CPU nanoseconds, in block order (before sorting).
        let lines: String = cpu_times_ns.iter().map(|t| format!("{t}\n")).collect();
        std::fs::write(path, lines).expect("series file");
    }
    // What the two clock reads around a block cost by themselves (a system call each on some
    // machines): included in every figure above, printed so it can be told apart.
    let mut floor_ns: Vec<u64> = (0..10_000)
        .map(|_| {
            let start = thread_cpu_ns();
            thread_cpu_ns() - start
        })
        .collect();
    let [floor_p50, ..] = percentiles(&mut floor_ns);
    let deadline_ns = BLOCK as f64 / SAMPLE_RATE as f64 * 1e9;
    let chain = only.as_deref().map_or("R1".to_string(), |stage| format!("R1 with only {stage}"));
    println!("{chain}, {BLOCK}-frame blocks, {blocks} blocks, {} automated parameters", automated.len());
    println!("timer floor (two thread-CPU clock reads, no work): p50 {floor_p50} ns");
    for (clock, times) in [("wall-clock", &mut times_ns), ("thread CPU", &mut cpu_times_ns)] {
        let [p50, p99, p999, max] = percentiles(times);
        println!(
            "{clock:10}: p50 {p50} ns  p99 {p99} ns  p99.9 {p999} ns  max {max} ns; p99.9 / p50 = {:.2}; \
             p50 = {:.1} ns/frame = {:.3} % of the {:.0} µs deadline",
            p999 as f64 / p50.max(1) as f64,
            p50 as f64 / BLOCK as f64,
            100.0 * p50 as f64 / deadline_ns,
            deadline_ns / 1e3
        );
    }
}
