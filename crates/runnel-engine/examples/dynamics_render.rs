//! Runs one dynamics stage of the engine over a raw signal, for side-by-side comparisons
//! (scripts/compare-dynamics.py): reads interleaved stereo `f32` little-endian frames from
//! `<input>`, writes the output the same way to `<output>` and prints the reported latency.
//!
//! ```text
//! cargo run --release -p runnel-engine --example dynamics_render -- \
//!     <limiter|compressor> <sample_rate> <input.f32> <output.f32> [id=value ...]
//! ```
//! The `id=value` assignments are parameter-table assignments (`lim_ceiling=-1`,
//! `comp_ratio=4`, …), parsed like `runnel --set`.

use std::process::ExitCode;

use runnel_engine::params::{parse_assignment, ParamValues};
use runnel_engine::Engine;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: dynamics_render <limiter|compressor> <rate> <in.f32> <out.f32> [id=value ...]");
        return ExitCode::from(2);
    }
    let rate: f32 = match args[1].parse() {
        Ok(rate) => rate,
        Err(e) => {
            eprintln!("bad sample rate {}: {e}", args[1]);
            return ExitCode::from(2);
        }
    };
    let mut values = ParamValues::default();
    // Only the chosen stage is heard.
    let mut assignments = vec!["filter_on=off", "delay_on=off", "reverb_on=off"];
    assignments.push(match args[0].as_str() {
        "limiter" => "limiter_on=on",
        "compressor" => "compressor_on=on",
        other => {
            eprintln!("unknown stage {other}");
            return ExitCode::from(2);
        }
    });
    assignments.extend(args[4..].iter().map(String::as_str));
    for text in assignments {
        match parse_assignment(text) {
            Ok((spec, value)) => {
                if let Err(e) = values.set(spec.id, value) {
                    eprintln!("{text}: {e}");
                    return ExitCode::from(2);
                }
            }
            Err(e) => {
                eprintln!("{text}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let bytes = match std::fs::read(&args[2]) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("{}: {e}", args[2]);
            return ExitCode::FAILURE;
        }
    };
    let samples: Vec<f32> =
        bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let mut left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let mut right: Vec<f32> = samples.iter().skip(1).step_by(2).copied().collect();
    let settings = values.to_settings();
    let mut engine = Engine::new();
    engine.prepare(rate, 512);
    engine.set_settings(&settings);
    println!("latency {}", engine.latency_samples());
    for (l, r) in left.chunks_mut(512).zip(right.chunks_mut(512)) {
        engine.set_settings(&settings);
        engine.process_stereo(l, r);
    }
    let out: Vec<u8> =
        left.iter().zip(&right).flat_map(|(l, r)| [l.to_le_bytes(), r.to_le_bytes()]).flatten().collect();
    if let Err(e) = std::fs::write(&args[3], out) {
        eprintln!("{}: {e}", args[3]);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
