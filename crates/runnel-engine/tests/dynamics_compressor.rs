//! The compressor and the AGC: static curve against the analytic one, time constants, stereo
//! link, side-chain high-pass, parallel mix, clicks, loudness steps and the gate.

#[path = "dynamics_support/mod.rs"]
mod common;

use common::{db, only_dynamics, render};
use ebur128::{EbuR128, Mode};
use runnel_engine::{CompressorSettings, Detector, Engine, EngineSettings};
use test_support::signals::sine;
use test_support::{max_step, Rng};

const RATE: f32 = 48_000.0;

fn compressor(settings: CompressorSettings) -> EngineSettings {
    EngineSettings { compressor_on: true, compressor: settings, ..only_dynamics() }
}

/// Analytic static curve (GMR 2012 eq. 4): output level for input level `x` (dB).
fn analytic(x: f64, threshold: f64, ratio: f64, knee: f64) -> f64 {
    let over = x - threshold;
    if 2.0 * over < -knee {
        x
    } else if 2.0 * over.abs() <= knee && knee > 0.0 {
        x + (1.0 / ratio - 1.0) * (over + knee / 2.0).powi(2) / (2.0 * knee)
    } else {
        threshold + over / ratio
    }
}

#[test]
fn static_curve_is_within_0_1_db_of_the_analytic_curve() {
    for (ratio, knee) in
        [(2.0f32, 0.0f32), (4.0, 0.0), (10.0, 0.0), (4.0, 12.0), (20.0, 24.0), (f32::INFINITY, 6.0)]
    {
        let threshold = -24.0;
        let settings = compressor(CompressorSettings {
            threshold_db: threshold,
            ratio,
            knee_db: knee,
            attack_ms: 1.0,
            release_ms: 5.0,
            ..CompressorSettings::default()
        });
        let mut worst = 0.0f64;
        for step in 0..=24 {
            let level_db = -48.0 + 2.0 * step as f64;
            // A constant (DC) level: the peak detector reads it exactly.
            let x = vec![10f64.powf(level_db / 20.0) as f32; 24_000];
            let (l, _) = render(RATE, &settings, &x, &x);
            let out_db = db(l[l.len() - 1] as f64);
            let want = analytic(level_db, threshold as f64, ratio as f64, knee as f64);
            worst = worst.max((out_db - want).abs());
            assert!(
                (out_db - want).abs() < 0.1,
                "ratio {ratio} knee {knee} at {level_db} dB: {out_db} vs {want}"
            );
        }
        println!("ratio {ratio}, knee {knee} dB: worst deviation {worst:.4} dB");
    }
}

/// ∞:1 chosen the way users choose it: the "Compressor Infinite Ratio" switch, through the
/// parameter values → settings → engine path, with the ratio knob left at a finite ratio. The
/// static curve is the analytic ∞:1 curve (and with the switch off, the knob's ratio again).
#[test]
fn infinite_ratio_switch_gives_the_analytic_infinite_curve() {
    use runnel_engine::params::ParamValues;
    let (threshold, knee, knob_ratio) = (-24.0f32, 6.0f32, 4.0f32);
    for (switch, ratio) in [(1.0, f64::INFINITY), (0.0, knob_ratio as f64)] {
        let mut values = ParamValues::defaults();
        for (id, value) in [
            ("filter_on", 0.0),
            ("delay_on", 0.0),
            ("reverb_on", 0.0),
            ("compressor_on", 1.0),
            ("comp_threshold", threshold),
            ("comp_ratio", knob_ratio),
            ("comp_ratio_inf", switch),
            ("comp_knee", knee),
            ("comp_attack", 1.0),
            ("comp_release", 5.0),
        ] {
            values.set(id, value).unwrap();
        }
        let settings = values.to_settings();
        assert_eq!(settings.compressor.infinite_ratio, switch == 1.0);
        let mut worst = 0.0f64;
        for step in 0..=24 {
            let level_db = -48.0 + 2.0 * step as f64;
            let x = vec![10f64.powf(level_db / 20.0) as f32; 24_000];
            let (l, _) = render(RATE, &settings, &x, &x);
            let out_db = db(l[l.len() - 1] as f64);
            let want = analytic(level_db, threshold as f64, ratio, knee as f64);
            worst = worst.max((out_db - want).abs());
            assert!((out_db - want).abs() < 0.1, "switch {switch} at {level_db} dB: {out_db} vs {want}");
        }
        println!("comp_ratio_inf = {switch} (knob at {knob_ratio}:1): worst deviation {worst:.4} dB from {ratio}:1");
    }
}

/// Turning the infinite-ratio switch on and off while a sine plays far over the threshold does
/// not click, from the ratio that differs most from ∞ (1:1, where the switch alone goes from no
/// reduction to 34 dB) and from 4:1 and 20:1. The attack is the shortest there is, so it is the
/// slope's own glide, not the ballistics, that keeps the change smooth.
#[test]
fn switching_to_an_infinite_ratio_does_not_click() {
    let spec = runnel_engine::params::find("comp_ratio_inf").unwrap();
    let hz = 997.0;
    let omega = std::f64::consts::TAU * hz / RATE as f64;
    let x = sine(24_000, hz, 0.5, RATE as f64);
    for ratio in [1.0f32, 4.0, 20.0] {
        for (from, to) in [(0.0, 1.0), (1.0, 0.0)] {
            let mut settings = compressor(CompressorSettings {
                threshold_db: -40.0,
                ratio,
                knee_db: 0.0,
                attack_ms: 0.05,
                release_ms: 50.0,
                ..CompressorSettings::default()
            });
            set(spec, &mut settings, from);
            let mut engine = Engine::new();
            engine.prepare(RATE, 256);
            let (mut l, mut r) = (x.clone(), x.clone());
            for (k, (lc, rc)) in l.chunks_mut(256).zip(r.chunks_mut(256)).enumerate() {
                if k == 40 {
                    set(spec, &mut settings, to);
                }
                engine.set_settings(&settings);
                engine.process_stereo(lc, rc);
            }
            let around = &l[40 * 256 - 2000..40 * 256 + 4000];
            let peak = around.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
            let step = max_step(around);
            let allowed = 1.3 * omega * peak + 1e-4;
            println!("ratio {ratio}, comp_ratio_inf {from}→{to}: step {step:.5}, allowed {allowed:.5}");
            assert!(step <= allowed, "ratio {ratio}, {from}→{to}: step {step}, peak {peak}");
            // And the switch did change the gain: 1:1 → ∞ is 34 dB more reduction at the end.
            let tail = &l[l.len() - 4800..];
            let tail_peak = tail.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
            let want_db = if to == 1.0 { -40.0 } else { -40.0 + 34.0 / ratio as f64 };
            assert!(
                (db(tail_peak) - want_db).abs() < 0.5,
                "ratio {ratio} → {to}: {} dB, want {want_db}",
                db(tail_peak)
            );
        }
    }
}

/// The gain reduction in dB at each sample of a DC step from −40 to −10 dB (threshold −30, ∞:1,
/// hard knee), then back.
fn reduction_trace(attack_ms: f32, release_ms: f32) -> (Vec<f64>, usize) {
    let settings = compressor(CompressorSettings {
        threshold_db: -30.0,
        ratio: f32::INFINITY,
        knee_db: 0.0,
        attack_ms,
        release_ms,
        ..CompressorSettings::default()
    });
    let quiet = 10f32.powf(-40.0 / 20.0);
    let loud = 10f32.powf(-10.0 / 20.0);
    let step = 48_000;
    let mut x = vec![quiet; 3 * step];
    x[step..2 * step].fill(loud);
    let (l, _) = render(RATE, &settings, &x, &x);
    (l.iter().zip(&x).map(|(y, x)| -db(*y as f64 / *x as f64)).collect(), step)
}

#[test]
fn attack_and_release_time_constants_are_within_5_percent() {
    for (attack_ms, release_ms) in [(1.0f32, 50.0f32), (10.0, 200.0), (50.0, 1000.0)] {
        let (reduction, step) = reduction_trace(attack_ms, release_ms);
        // 20 dB of reduction: 63.2 % of it after one attack time constant...
        let reached = reduction[step..].iter().position(|&r| r >= 20.0 * (1.0 - (-1.0f64).exp())).unwrap();
        let attack = reached as f64 / RATE as f64 * 1000.0;
        // ...and 36.8 % left after one release time constant.
        let released = reduction[2 * step..].iter().position(|&r| r <= 20.0 * (-1.0f64).exp()).unwrap();
        let release = released as f64 / RATE as f64 * 1000.0;
        println!("set {attack_ms}/{release_ms} ms, measured {attack:.3}/{release:.2} ms");
        assert!((attack / attack_ms as f64 - 1.0).abs() < 0.05, "attack {attack} vs {attack_ms}");
        assert!((release / release_ms as f64 - 1.0).abs() < 0.05, "release {release} vs {release_ms}");
    }
}

#[test]
fn stereo_link_gives_both_channels_the_louder_ones_gain_and_none_at_zero() {
    let loud = sine(48_000, 1000.0, 0.5, RATE as f64);
    let quiet = sine(48_000, 1000.0, 0.01, RATE as f64);
    let gain_db = |link: f32| {
        let s = compressor(CompressorSettings {
            threshold_db: -30.0,
            ratio: 4.0,
            link,
            ..CompressorSettings::default()
        });
        let (l, r) = render(RATE, &s, &loud, &quiet);
        let tail = 24_000..48_000;
        let gl = db(test_support::rms(&l[tail.clone()]) / test_support::rms(&loud[tail.clone()]));
        let gr = db(test_support::rms(&r[tail.clone()]) / test_support::rms(&quiet[tail]));
        (gl, gr)
    };
    let (linked_l, linked_r) = gain_db(1.0);
    assert!(linked_l < -10.0, "the loud side is compressed: {linked_l}");
    assert!((linked_l - linked_r).abs() < 0.05, "linked: {linked_l} vs {linked_r}");
    let (free_l, free_r) = gain_db(0.0);
    assert!((free_l - linked_l).abs() < 0.05);
    assert!(free_r.abs() < 0.05, "unlinked, the quiet side is left alone: {free_r}");
    let (_, half_r) = gain_db(0.5);
    assert!(half_r < free_r - 3.0 && half_r > linked_r + 3.0, "half link lies between: {half_r}");
}

#[test]
fn sidechain_high_pass_keeps_bass_from_driving_the_compressor() {
    let n = 48_000;
    let bass = sine(n, 50.0, 0.5, RATE as f64);
    let mid = sine(n, 2000.0, 0.05, RATE as f64);
    let x: Vec<f32> = bass.iter().zip(&mid).map(|(a, b)| a + b).collect();
    let reduction = |hpf: f32| {
        let s = compressor(CompressorSettings {
            threshold_db: -20.0,
            ratio: 8.0,
            sidechain_hpf_hz: hpf,
            ..CompressorSettings::default()
        });
        let (l, _) = render(RATE, &s, &x, &x);
        -db(test_support::rms(&l[24_000..]) / test_support::rms(&x[24_000..]))
    };
    let (off, on) = (reduction(20.0), reduction(400.0));
    println!("reduction without side-chain HPF {off:.2} dB, with 400 Hz {on:.2} dB");
    assert!(off > 8.0, "the bass drives the compressor: {off}");
    assert!(on < 0.5, "with the high-pass, only the quiet mids are seen: {on}");
}

#[test]
fn parallel_mix_is_the_exact_blend_of_compressed_and_aligned_dry() {
    let mut rng = Rng::new(3);
    let x: Vec<f32> = test_support::signals::white_noise(48_000, 0.8, &mut rng);
    let base = CompressorSettings {
        threshold_db: -30.0,
        ratio: 6.0,
        lookahead_ms: 2.0,
        ..CompressorSettings::default()
    };
    let (wet, _) = render(RATE, &compressor(base), &x, &x);
    let lookahead = (0.002 * RATE) as usize;
    for mix in [0.0f32, 0.3, 0.75] {
        let (y, _) = render(RATE, &compressor(CompressorSettings { mix, ..base }), &x, &x);
        for n in 0..x.len() {
            let dry = if n >= lookahead { x[n - lookahead] } else { 0.0 };
            let want = mix * wet[n] + (1.0 - mix) * dry;
            assert!((y[n] - want).abs() < 1e-5, "mix {mix} at {n}: {} vs {want}", y[n]);
        }
    }
}

#[test]
fn lookahead_is_reported_and_measured() {
    let s = compressor(CompressorSettings {
        lookahead_ms: 5.0,
        threshold_db: 0.0,
        ..CompressorSettings::default()
    });
    let mut engine = Engine::new();
    engine.prepare(RATE, 256);
    engine.set_settings(&s);
    assert_eq!(engine.latency_samples(), 240);
    let mut l = test_support::signals::impulse(1000, 100);
    l[100] = 0.5;
    let mut r = l.clone();
    engine.process_stereo(&mut l, &mut r);
    assert_eq!(l.iter().position(|v| v.abs() > 1e-6).unwrap(), 100 + 240);
    engine.set_settings(&only_dynamics());
    let mut silence = vec![0.0f32; 2048];
    let mut silence_r = silence.clone();
    engine.process_stereo(&mut silence, &mut silence_r);
    assert_eq!(engine.latency_samples(), 0, "an off compressor adds no latency once faded out");
}

/// Every continuous compressor/AGC/limiter parameter jumped end to end while a sine plays: the
/// output's largest sample step stays within the slope of a sine of the output's own peak.
#[test]
fn parameter_jumps_do_not_click() {
    use runnel_engine::params::{Kind, PARAMS};
    let hz = 997.0;
    let omega = std::f64::consts::TAU * hz / RATE as f64;
    let n = 24_000;
    let x = sine(n, hz, 0.5, RATE as f64);
    for spec in PARAMS.iter().filter(|p| ["AGC", "Compressor", "Limiter"].contains(&p.group)) {
        let Kind::Float { range, .. } = spec.kind else { continue };
        if spec.id.ends_with("lookahead") {
            continue; // a latency change: the host restarts the plugin (see the limiter suite)
        }
        for (from, to) in [(range.0, range.1), (range.1, range.0)] {
            let mut settings = only_dynamics();
            settings.agc_on = true;
            settings.compressor_on = true;
            settings.limiter_on = true;
            set(spec, &mut settings, from);
            let mut engine = Engine::new();
            engine.prepare(RATE, 256);
            let (mut l, mut r) = (x.clone(), x.clone());
            for (k, (lc, rc)) in l.chunks_mut(256).zip(r.chunks_mut(256)).enumerate() {
                if k == 40 {
                    set(spec, &mut settings, to);
                }
                engine.set_settings(&settings);
                engine.process_stereo(lc, rc);
            }
            let around = &l[40 * 256 - 2000..40 * 256 + 4000];
            let peak = around.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
            let step = max_step(around);
            assert!(step <= 1.3 * omega * peak + 1e-4, "{} {from}→{to}: step {step}, peak {peak}", spec.id);
        }
    }
}

/// Writes `value` into the row's setting.
fn set(spec: &runnel_engine::params::ParamSpec, settings: &mut EngineSettings, value: f32) {
    if let runnel_engine::params::Target::Settings { write, .. } = spec.target {
        write(settings, value);
    }
}

/// Momentary loudness of `x` (stereo, both channels `x`) over the 400 ms ending at `end`.
fn momentary(x: &[f32], end: usize) -> f64 {
    let mut meter = EbuR128::new(2, RATE as u32, Mode::M).unwrap();
    let start = end - (0.4 * RATE) as usize;
    meter.add_frames_planar_f32(&[&x[start..end], &x[start..end]]).unwrap();
    meter.loudness_momentary().unwrap()
}

#[test]
fn agc_settles_level_steps_of_20_db_to_the_target_within_its_speed() {
    let mut rng = Rng::new(5);
    let segment = (12.0 * RATE) as usize;
    let levels = [0.05f64, 0.5, 0.05];
    let mut x = Vec::new();
    for level in levels {
        x.extend(test_support::signals::white_noise(segment, level, &mut rng));
    }
    for speed in [2.0f32, 8.0] {
        let target = -20.0;
        let mut s = only_dynamics();
        s.agc_on = true;
        s.agc = runnel_engine::AgcSettings {
            target_lufs: target,
            max_gain_db: 30.0,
            speed_s: speed,
            gate_lufs: -50.0,
        };
        let (y, _) = render(RATE, &s, &x, &x);
        for k in 1..levels.len() {
            // From `speed` after the step to the end of the segment, every momentary reading
            // (a 400 ms window ending there) is within ±1 LU of the target.
            let from = k * segment + (speed * RATE) as usize;
            let mut worst = 0.0f64;
            for end in (from..(k + 1) * segment).step_by(4800) {
                worst = worst.max((momentary(&y, end) - target as f64).abs());
            }
            println!("speed {speed} s, step {k}: worst {worst:.2} LU after {speed} s");
            assert!(worst < 1.0, "speed {speed}: step {k} off by {worst} LU");
        }
    }
}

#[test]
fn agc_gate_holds_the_gain_during_silence() {
    let mut rng = Rng::new(6);
    let talk = test_support::signals::white_noise((10.0 * RATE) as usize, 0.05, &mut rng);
    let hiss = test_support::signals::white_noise((6.0 * RATE) as usize, 0.0003, &mut rng);
    let x: Vec<f32> = talk.iter().chain(&hiss).copied().collect();
    let mut s = only_dynamics();
    s.agc_on = true;
    s.agc =
        runnel_engine::AgcSettings { target_lufs: -20.0, max_gain_db: 30.0, speed_s: 2.0, gate_lufs: -45.0 };
    let mut engine = Engine::new();
    engine.prepare(RATE, 256);
    engine.set_settings(&s);
    let (mut l, mut r) = (x[..talk.len()].to_vec(), x[..talk.len()].to_vec());
    engine.process_stereo(&mut l, &mut r);
    let held = -engine.gain_reduction_db("AGC").unwrap();
    let (mut l, mut r) = (hiss.clone(), hiss.clone());
    engine.process_stereo(&mut l, &mut r);
    let after = -engine.gain_reduction_db("AGC").unwrap();
    println!("gain after talk {held:.2} dB, after 6 s of hiss {after:.2} dB");
    assert!(held > 1.0, "the AGC boosted the quiet talk: {held}");
    assert!((after - held).abs() < 0.5, "the gain held through the hiss: {held} → {after}");
}

#[test]
fn agc_into_the_limiter_never_exceeds_the_ceiling() {
    let mut rng = Rng::new(7);
    let quiet = test_support::signals::white_noise((4.0 * RATE) as usize, 0.02, &mut rng);
    let loud = test_support::signals::white_noise((4.0 * RATE) as usize, 0.9, &mut rng);
    let x: Vec<f32> = quiet.iter().chain(&loud).copied().collect();
    let mut s = only_dynamics();
    s.agc_on = true;
    s.agc.max_gain_db = 30.0;
    s.agc.target_lufs = -6.0;
    s.limiter_on = true;
    s.limiter.ceiling_db = -1.0;
    let (y, _) = render(RATE, &s, &x, &x);
    let ceiling = 10f32.powf(-1.0 / 20.0);
    let peak = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak <= ceiling, "{peak} over {ceiling}");
}

#[test]
fn detector_modes_and_non_finite_input_stay_finite() {
    let mut x = sine(9600, 440.0, 0.9, RATE as f64);
    x[100] = f32::NAN;
    x[200] = f32::INFINITY;
    x[300] = f32::NEG_INFINITY;
    for detector in Detector::ALL {
        let mut s = compressor(CompressorSettings {
            detector,
            sidechain_hpf_hz: 100.0,
            ..CompressorSettings::default()
        });
        s.agc_on = true;
        s.limiter_on = true;
        let (l, r) = render(RATE, &s, &x, &x);
        assert!(l.iter().chain(&r).all(|v| v.is_finite()), "{detector:?}");
    }
}
