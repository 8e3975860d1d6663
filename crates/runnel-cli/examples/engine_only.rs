//! The engine's own processing time on a file, without decoding, encoding or queues: the
//! baseline `scripts/bench-peers.sh` compares `runnel render`'s file-to-file time with.
//!
//! `cargo run --release -p runnel-cli --example engine_only -- FILE.wav BLOCK [ID=VALUE]...`
//! loads the WAV into memory (untimed), runs it through `Engine` in blocks of BLOCK frames with
//! the settings given (as `runnel render --set` takes them), and prints the seconds spent.

use std::time::Instant;

use runnel_engine::params::{parse_assignment, ParamValues};
use runnel_engine::Engine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, block) = match args.as_slice() {
        [path, block, ..] => (path, block.parse::<usize>()?),
        _ => return Err("usage: engine_only FILE.wav BLOCK [ID=VALUE]...".into()),
    };
    let mut values = ParamValues::defaults();
    for text in &args[2..] {
        let (spec, value) = parse_assignment(text)?;
        values.set(spec.id, value)?;
    }
    let settings = values.to_settings();
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 / scale)).collect::<Result<_, _>>()?
        }
    };
    let channels = spec.channels as usize;
    let mut left: Vec<f32> = samples.iter().step_by(channels).copied().collect();
    let mut right: Vec<f32> = samples.iter().skip(channels - 1).step_by(channels).copied().collect();
    drop(samples);
    let mut engine = Engine::new();
    engine.prepare(spec.sample_rate as f32, block);
    engine.set_settings(&settings);
    let started = Instant::now();
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.set_settings(&settings);
        engine.process_stereo(l, r);
    }
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box((&left, &right));
    println!("{seconds:.3}");
    Ok(())
}
