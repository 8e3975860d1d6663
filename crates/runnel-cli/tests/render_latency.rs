//! Latency compensation: with a latent stage in the chain (the engine's `LatencyStage`, 777
//! frames), the render pipeline drops the engine's first `latency_samples()` output frames and
//! renders as many extra at the end, so an impulse comes out at the index it went in and the
//! output has the input's length (plus the asked tail). Driven through the library's
//! `render_file`, since the product's chain has no latent stage to switch on.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use common::*;
use runnel_cli::render::encode::OutputFormat;
use runnel_cli::render::{render_file, FileHooks, RenderOptions, Status, TailChoice};
use runnel_engine::testing::LatencyStage;
use runnel_engine::Engine;

const RATE: u32 = 48_000;
const LATENCY: u32 = 777;

/// The product's chain with a 777-frame latency stage first.
fn latent_engine() -> Engine {
    let mut engine = Engine::new();
    engine.insert_stage(0, Box::new(LatencyStage::new(LATENCY, 1.0)));
    engine
}

fn render(input: &Path, output: &Path, tail: TailChoice, settings: runnel_engine::EngineSettings) -> Status {
    let options = RenderOptions {
        settings,
        block: 256,
        tail,
        format: OutputFormat::Wav32f,
        dither: runnel_cli::render::dither::DitherChoice::Tpdf,
        normalize_lufs: None,
        true_peak_dbtp: None,
        limiter_margin_db: runnel_cli::render::peak_limit::LIMITER_MARGIN_DB,
        force: false,
        rate: None,
    };
    let cancel = AtomicBool::new(false);
    let hooks = FileHooks { started: &|_, _| {}, progress: &|_| {}, cancel: &cancel };
    render_file(input, output, &options, &latent_engine, &hooks).status
}

#[test]
fn an_impulse_comes_out_at_the_index_it_went_in() {
    assert_eq!(latent_engine().latency_samples(), 0, "unprepared");
    let dir = temp_dir("latency");
    let (frames, at) = (10_000, 4_321);
    let impulse = test_support::signals::impulse(frames, at);
    write_wav_f32(&dir.join("impulse.wav"), RATE, &[impulse.clone(), impulse]);
    // Every stage off: the chain is the latency stage's pure delay, compensated.
    let dry = settings(None, &["filter_on=off", "delay_on=off", "reverb_on=off"]);
    let out = dir.join("aligned.wav");
    assert_eq!(render(&dir.join("impulse.wav"), &out, TailChoice::Seconds(0.0), dry), Status::Ok);
    let (_, rendered) = read_wav(&out);
    for channel in &rendered {
        assert_eq!(channel.len(), frames, "output length = input length with --tail 0");
        let peak_at =
            channel
                .iter()
                .enumerate()
                .fold(0, |best, (i, x)| if x.abs() > channel[best].abs() { i } else { best });
        assert_eq!(peak_at, at);
        assert_eq!(channel[at], 1.0);
        assert_eq!(channel.iter().filter(|x| **x != 0.0).count(), 1, "nothing but the impulse");
    }
}

#[test]
fn a_latent_chain_renders_like_the_engine_with_its_latency_dropped() {
    let dir = temp_dir("latency-wet");
    let input = test_support::signals::program(0.8, RATE as f64, 9);
    write_wav_f32(&dir.join("in.wav"), RATE, &input);
    let wet = settings(None, &["dly_time=120ms", "rv_decay=0.5", "rv_mod_depth=0", "dly_mod_depth=0"]);
    let out = dir.join("wet.wav");
    assert_eq!(render(&dir.join("in.wav"), &out, TailChoice::Seconds(0.3), wet), Status::Ok);
    let (_, rendered) = read_wav(&out);
    let frames = input[0].len() + (0.3 * RATE as f64) as usize;
    let expected = reference_render(latent_engine(), &wet, &input, RATE, 256, frames);
    for c in 0..2 {
        assert_eq!(rendered[c].len(), frames);
        assert_eq!(first_difference(&rendered[c], &expected[c]), None, "channel {c}");
    }
    // The same render without the latent stage: the latency stage is a pure delay, so once it is
    // compensated the outputs agree (modulation is off above: an LFO that runs from the first
    // sample would meet the delayed signal at another phase).
    let plain = reference_render(Engine::new(), &wet, &input, RATE, 256, frames);
    let max_error = (0..2)
        .flat_map(|c| rendered[c].iter().zip(&plain[c]).map(|(a, b)| (a - b).abs()))
        .fold(0.0f32, f32::max);
    assert!(max_error < 1e-4, "aligned with the chain without latency: max error {max_error}");
}
