//! Shared helpers of the dynamics suites (each includes it with `#[path]`).

#![allow(dead_code)]

use runnel_engine::{Engine, EngineSettings};

/// Settings with every other stage off: only the dynamics stage under test is heard.
pub fn only_dynamics() -> EngineSettings {
    EngineSettings { filter_on: false, delay_on: false, reverb_on: false, ..EngineSettings::default() }
}

/// Renders a stereo signal through an engine at `rate` with `settings`, in 256-frame blocks.
pub fn render(rate: f32, settings: &EngineSettings, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new();
    engine.prepare(rate, 256);
    engine.set_settings(settings);
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    for (lc, rc) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
        engine.set_settings(settings);
        engine.process_stereo(lc, rc);
    }
    (l, r)
}

/// Decibels of an amplitude ratio.
pub fn db(x: f64) -> f64 {
    20.0 * x.abs().max(1e-12).log10()
}
