//! Fixed work for instruction-count profiling (valgrind --tool=callgrind): R1's settings, one
//! stage (or the whole engine) over 2 s of noise in 256-frame blocks.
//! `cargo run --release --example stage_cost -- reverb|delay|filter|r1|off|idle` (`off`: the
//! whole engine with every stage switched off, i.e. the chain's own overhead; `idle`: no
//! processing, the setup cost to subtract).
use runnel_engine::delay::Delay;
use runnel_engine::engine::Engine;
use runnel_engine::filter::Filter;
use runnel_engine::reverb::Reverb;

#[path = "shared/r1.rs"]
mod r1;
use r1::{all_stages_off, r1_settings};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "reverb".into());
    let settings = r1_settings();
    let mut reverb = Reverb::new();
    reverb.prepare(48_000.0, 256);
    reverb.set_settings(&settings.reverb);
    let mut delay = Delay::new();
    delay.prepare(48_000.0, 256);
    delay.set_settings(&settings.delay);
    let mut filter = Filter::new();
    filter.prepare(48_000.0, 256);
    filter.set_settings(&settings.filter);
    let mut engine = Engine::new();
    engine.prepare(48_000.0, 256);
    engine.set_settings(&settings);
    let mut engine_off = Engine::new();
    engine_off.prepare(48_000.0, 256);
    engine_off.set_settings(&all_stages_off());
    // With a file name as second argument, the output is written there (f32 LE, L then R per
    // block) to compare two builds bit for bit.
    let mut dump = std::env::args().nth(2).map(|path| std::fs::File::create(path).expect("dump file"));
    let mut seed = 1u32;
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..375 {
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            *a = seed as f32 / u32::MAX as f32 - 0.5;
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
