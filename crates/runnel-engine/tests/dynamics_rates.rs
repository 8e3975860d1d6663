//! The dynamics stages at every sample rate, with every knob at either end of its range: the
//! output is finite, the limiter's ceiling holds and the reported latency is the measured one.

#[path = "dynamics_support/mod.rs"]
mod common;

use runnel_engine::dynamics::{agc, compressor, limiter};
use runnel_engine::{AgcSettings, CompressorSettings, Detector, Engine, LimiterSettings};
use test_support::signals::white_noise;
use test_support::Rng;

const RATES: [f32; 7] = [1000.0, 1234.5678, 12345.678, 22050.0, 48_000.0, 768_000.0, 1_536_000.0];

fn extreme(high: bool) -> runnel_engine::EngineSettings {
    let pick = |range: (f32, f32)| if high { range.1 } else { range.0 };
    runnel_engine::EngineSettings {
        agc_on: true,
        agc: AgcSettings {
            target_lufs: pick(agc::TARGET_LUFS_RANGE),
            max_gain_db: pick(agc::MAX_GAIN_DB_RANGE),
            speed_s: pick(agc::SPEED_S_RANGE),
            gate_lufs: pick(agc::GATE_LUFS_RANGE),
        },
        compressor_on: true,
        compressor: CompressorSettings {
            threshold_db: pick(compressor::THRESHOLD_DB_RANGE),
            ratio: if high { f32::INFINITY } else { 1.0 },
            infinite_ratio: high,
            knee_db: pick(compressor::KNEE_DB_RANGE),
            attack_ms: pick(compressor::ATTACK_MS_RANGE),
            release_ms: pick(compressor::RELEASE_MS_RANGE),
            auto_release: high,
            detector: if high { Detector::Rms } else { Detector::Peak },
            link: pick(compressor::LINK_RANGE),
            sidechain_hpf_hz: pick(compressor::SIDECHAIN_HPF_HZ_RANGE),
            lookahead_ms: pick(compressor::LOOKAHEAD_MS_RANGE),
            makeup_db: pick(compressor::MAKEUP_DB_RANGE),
            auto_makeup: high,
            mix: pick(compressor::MIX_RANGE),
        },
        limiter_on: true,
        limiter: LimiterSettings {
            ceiling_db: pick(limiter::CEILING_DB_RANGE),
            lookahead_ms: pick(limiter::LOOKAHEAD_MS_RANGE),
            release_ms: pick(limiter::RELEASE_MS_RANGE),
            auto_release: high,
        },
        ..common::only_dynamics()
    }
}

#[test]
fn every_rate_and_range_end_is_finite_under_the_ceiling_with_the_measured_latency() {
    for rate in RATES {
        for high in [false, true] {
            let settings = extreme(high);
            let mut engine = Engine::new();
            engine.prepare(rate, 512);
            engine.set_settings(&settings);
            let frames = ((0.25 * rate) as usize).max(2000);
            let mut rng = Rng::new(rate as u64);
            let mut l = white_noise(frames, 4.0, &mut rng);
            l[10] = f32::NAN;
            l[20] = f32::INFINITY;
            let mut r = l.clone();
            engine.process_stereo(&mut l, &mut r);
            let ceiling = 10f32.powf(settings.limiter.ceiling_db / 20.0);
            assert!(l.iter().chain(&r).all(|v| v.is_finite() && v.abs() <= ceiling), "{rate} Hz high={high}");
            // Latency: an impulse below every threshold comes out where reported.
            let quiet = EngineSettings2::quiet(settings);
            let mut engine = Engine::new();
            engine.prepare(rate, 512);
            engine.set_settings(&quiet);
            let latency = engine.latency_samples() as usize;
            let mut l = vec![0.0f32; latency + 200];
            l[50] = 1e-4;
            let mut r = l.clone();
            engine.process_stereo(&mut l, &mut r);
            let at = l.iter().position(|v| v.abs() > 1e-9).unwrap();
            assert_eq!(at - 50, latency, "{rate} Hz high={high}");
        }
    }
}

/// Variants of the extreme settings.
struct EngineSettings2;

impl EngineSettings2 {
    /// The settings with the AGC off (it would ride an impulse) and the compressor at 1:1.
    fn quiet(mut s: runnel_engine::EngineSettings) -> runnel_engine::EngineSettings {
        s.agc_on = false;
        s.compressor.ratio = 1.0;
        s.compressor.makeup_db = 0.0;
        s.compressor.auto_makeup = false;
        s
    }
}
