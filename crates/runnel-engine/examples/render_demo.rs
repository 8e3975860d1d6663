//! Renders a short demo through the Runnel engine: a plucked phrase, dry and processed, as WAV.
//! `cargo run --release --example render_demo -- <output dir>` (the main job runs this).

use std::path::PathBuf;

use runnel_engine::engine::{Engine, EngineSettings};

const SAMPLE_RATE: u32 = 48_000;
const BLOCK: usize = 512;

/// A Karplus–Strong-like plucked phrase: decaying harmonic notes with a noisy attack, then four
/// seconds of silence so the echoes and the reverb tail are heard.
fn plucked_phrase() -> Vec<f32> {
    let notes_hz = [196.0f32, 246.9, 293.7, 392.0, 293.7, 246.9];
    let note_len = (0.35 * SAMPLE_RATE as f32) as usize;
    let mut out = vec![0.0f32; note_len * notes_hz.len() + 4 * SAMPLE_RATE as usize];
    let mut seed = 7u32;
    for (i, &hz) in notes_hz.iter().enumerate() {
        let start = i * note_len;
        for n in 0..note_len {
            let t = n as f32 / SAMPLE_RATE as f32;
            let envelope = (-t * 9.0).exp();
            let tone: f32 =
                (1..6).map(|h| (2.0 * std::f32::consts::PI * hz * h as f32 * t).sin() / (h * h) as f32).sum();
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * (-t * 200.0).exp();
            out[start + n] = 0.3 * envelope * tone + 0.2 * noise;
        }
    }
    out
}

fn write_wav(path: &PathBuf, left: &[f32], right: &[f32]) -> Result<(), hound::Error> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec)?;
    for (l, r) in left.iter().zip(right) {
        writer.write_sample(*l)?;
        writer.write_sample(*r)?;
    }
    writer.finalize()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/demo".into()));
    std::fs::create_dir_all(&out_dir)?;
    let dry = plucked_phrase();

    let mut settings = EngineSettings::default();
    settings.filter.high_pass.enabled = true;
    settings.filter.high_pass.cutoff_hz = 120.0;
    settings.delay.sync = true;
    settings.delay.feedback = 0.45;
    settings.delay.ping_pong = true;
    settings.delay.high_cut_hz = 5_000.0;
    settings.reverb.decay_s = 3.0;
    settings.reverb.mix = 0.35;

    let mut engine = Engine::new();
    engine.prepare(SAMPLE_RATE as f32, BLOCK);
    engine.set_settings(&settings);
    let (mut left, mut right) = (dry.clone(), dry.clone());
    for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
        engine.set_settings(&settings);
        engine.process_stereo(l, r);
    }
    let peak = left.iter().chain(&right).fold(0.0f32, |m, x| m.max(x.abs()));

    write_wav(&out_dir.join("dry.wav"), &dry, &dry)?;
    write_wav(&out_dir.join("runnel.wav"), &left, &right)?;
    println!(
        "rendered {:.1} s at {} Hz: {} (peak {:.1} dBFS)",
        dry.len() as f32 / SAMPLE_RATE as f32,
        SAMPLE_RATE,
        out_dir.join("runnel.wav").display(),
        20.0 * peak.max(1e-9).log10()
    );
    Ok(())
}
