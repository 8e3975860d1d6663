//! The true-peak limiter's promise, measured by an independent meter (the `ebur128` crate's
//! true-peak mode: 4× below 96 kHz, 2× at 96 kHz), its latency, its alignment when switched,
//! and its distortion.

#[path = "dynamics_support/mod.rs"]
mod common;

use common::{db, only_dynamics, render};
use ebur128::{EbuR128, Mode};
use runnel_engine::{Engine, EngineSettings, LimiterSettings};
use test_support::signals::sine;
use test_support::Rng;

const RATES: [f32; 3] = [44_100.0, 48_000.0, 96_000.0];

fn limiter(ceiling_db: f32) -> EngineSettings {
    EngineSettings {
        limiter_on: true,
        limiter: LimiterSettings { ceiling_db, ..LimiterSettings::default() },
        ..only_dynamics()
    }
}

/// The independent meter's true peak (dBTP) of a stereo signal.
fn true_peak_db(rate: f32, left: &[f32], right: &[f32]) -> f64 {
    let mut meter = EbuR128::new(2, rate as u32, Mode::TRUE_PEAK).unwrap();
    meter.add_frames_planar_f32(&[left, right]).unwrap();
    db(meter.true_peak(0).unwrap().max(meter.true_peak(1).unwrap()))
}

/// The signals the promise lists, at `rate`, 2 s each.
fn signals(rate: f32) -> Vec<(&'static str, Vec<f32>)> {
    let n = (2.0 * rate) as usize;
    let mut rng = Rng::new(rate as u64);
    // fs/4 at 0 dBFS, sampled 45° off its zero crossings: samples ±0.707, true peak +3 dB over.
    let quarter: Vec<f32> = (0..n)
        .map(|k| (std::f64::consts::FRAC_PI_2 * k as f64 + std::f64::consts::FRAC_PI_4).sin() as f32)
        .collect();
    let square: Vec<f32> =
        (0..n).map(|k| if (k as f32 * 997.0 / rate).fract() < 0.5 { 1.0 } else { -1.0 }).collect();
    // Drums: decaying noise bursts with a low thump, driven +12 dB and hard clipped at 0 dBFS.
    let beat = (0.25 * rate) as usize;
    let drums: Vec<f32> = (0..n)
        .map(|k| {
            let t = (k % beat) as f64 / rate as f64;
            let hit = (-t * 30.0).exp() * (2.0 * rng.unit() - 1.0)
                + (-t * 12.0).exp() * (std::f64::consts::TAU * 60.0 * t).sin();
            (4.0 * hit).clamp(-1.0, 1.0) as f32
        })
        .collect();
    let noise = test_support::signals::white_noise(n, 10.0, &mut rng); // +20 dB over full scale
    let mut impulses = vec![0.0f32; n];
    for (i, k) in (0..n).step_by((0.1 * rate) as usize).enumerate() {
        impulses[k] = if i % 2 == 0 { 1.0 } else { -4.0 };
    }
    vec![
        ("fs/4 sine at 45°", quarter),
        ("997 Hz square", square),
        ("clipped drums", drums),
        ("white noise +20 dB", noise),
        ("impulses", impulses),
    ]
}

#[test]
fn no_sample_above_the_ceiling_and_true_peak_at_most_0_1_db_over() {
    for rate in RATES {
        for ceiling_db in [-1.0f32, 0.0, -6.0] {
            for (name, x) in signals(rate) {
                let (l, r) = render(rate, &limiter(ceiling_db), &x, &x);
                let ceiling = 10f32.powf(ceiling_db / 20.0);
                let sample_peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(sample_peak <= ceiling, "{rate} Hz {name}: sample {sample_peak} over {ceiling}");
                let tp = true_peak_db(rate, &l, &r);
                println!(
                    "{rate} Hz, ceiling {ceiling_db} dB, {name}: true peak {tp:+.3} dBTP ({:+.3} dB)",
                    tp - ceiling_db as f64
                );
                assert!(tp <= ceiling_db as f64 + 0.1, "{rate} Hz {name}: {tp} dBTP over {ceiling_db}");
            }
        }
    }
}

#[test]
fn reported_latency_is_the_measured_impulse_position_at_every_lookahead() {
    for rate in RATES {
        for lookahead_ms in [1.0f32, 1.5, 4.0, 10.0] {
            let mut s = limiter(0.0);
            s.limiter.lookahead_ms = lookahead_ms;
            let mut engine = Engine::new();
            engine.prepare(rate, 256);
            engine.set_settings(&s);
            let want = (lookahead_ms as f64 * rate as f64 / 1000.0).round() as usize;
            assert_eq!(engine.latency_samples() as usize, want, "{rate} Hz {lookahead_ms} ms");
            let mut l = test_support::signals::impulse(4000, 100);
            l[100] = 0.5;
            let mut r = l.clone();
            engine.process_stereo(&mut l, &mut r);
            let at = l.iter().position(|v| v.abs() > 1e-6).unwrap();
            assert_eq!(at - 100, want, "{rate} Hz {lookahead_ms} ms");
        }
    }
}

#[test]
fn switching_the_limiter_and_bypassing_the_engine_stay_aligned() {
    // Below the ceiling the limiter is a pure delay, so every fade (its own switch, the host
    // bypass) must give exactly the delayed input: a misaligned fade would comb.
    let rate = 48_000.0;
    let x = sine(48_000, 1000.0, 0.3, rate as f64);
    let mut engine = Engine::new();
    engine.prepare(rate, 256);
    let mut s = limiter(0.0);
    engine.set_settings(&s);
    let latency = engine.latency_samples() as usize;
    let (mut l, mut r) = (x.clone(), x.clone());
    for (k, (lc, rc)) in l.chunks_mut(256).zip(r.chunks_mut(256)).enumerate() {
        match k {
            40 => engine.set_bypassed(true),
            80 => engine.set_bypassed(false),
            // Fade-out: still aligned, then the latency drops.
            120 => s.limiter_on = false,
            _ => {}
        }
        // As a host does: the settings every block.
        engine.set_settings(&s);
        engine.process_stereo(lc, rc);
        if k < 120 {
            assert_eq!(engine.latency_samples() as usize, latency);
        }
    }
    for n in latency..120 * 256 + 480 {
        assert!((l[n] - x[n - latency]).abs() < 1e-6, "sample {n}: {} vs {}", l[n], x[n - latency]);
    }
    assert_eq!(engine.latency_samples(), 0, "the limiter's latency goes once it is off");
}

#[test]
fn a_1_khz_sine_6_db_into_the_ceiling_settles_below_0_1_percent_thd_n_within_1_s() {
    for rate in RATES {
        let n = (2.0 * rate) as usize;
        let ceiling_db = -1.0f32;
        let amplitude = 10f64.powf((ceiling_db as f64 + 6.0) / 20.0);
        let x = sine(n, 1000.0, amplitude, rate as f64);
        let (y, _) = render(rate, &limiter(ceiling_db), &x, &x);
        // From 1 s on: fit the 1 kHz fundamental by least squares, the rest is THD+N.
        let seg = &y[rate as usize..(rate as usize + (0.5 * rate) as usize)];
        let w = std::f64::consts::TAU * 1000.0 / rate as f64;
        let (mut ss, mut cc, mut sc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (k, v) in seg.iter().enumerate() {
            let (s, c) = (w * k as f64).sin_cos();
            ss += s * s;
            cc += c * c;
            sc += s * c;
            ys += *v as f64 * s;
            yc += *v as f64 * c;
        }
        let det = ss * cc - sc * sc;
        let (a, b) = ((ys * cc - yc * sc) / det, (yc * ss - ys * sc) / det);
        let (mut residual, mut total) = (0.0, 0.0);
        for (k, v) in seg.iter().enumerate() {
            let (s, c) = (w * k as f64).sin_cos();
            let e = *v as f64 - a * s - b * c;
            residual += e * e;
            total += (*v as f64) * (*v as f64);
        }
        let thd_n = (residual / total).sqrt() * 100.0;
        println!("{rate} Hz: THD+N {thd_n:.4} % at {:.2} dB", db((a * a + b * b).sqrt()));
        assert!(thd_n < 0.1, "{rate} Hz: THD+N {thd_n} %");
    }
}

#[test]
fn gain_reduction_is_exported_per_block() {
    let rate = 48_000.0;
    let mut engine = Engine::new();
    engine.prepare(rate, 256);
    engine.set_settings(&limiter(-6.0));
    let mut l = sine(4800, 1000.0, 1.0, rate as f64);
    let mut r = l.clone();
    engine.process_stereo(&mut l, &mut r);
    let reduction = engine.gain_reduction_db("Limiter").unwrap();
    assert!((reduction - 6.0).abs() < 0.2, "{reduction}");
    assert_eq!(engine.gain_reduction_db("Delay"), None);
}

/// Gaussian white noise (Box–Muller: true Gaussian tails, unlike a sum of uniforms) with
/// standard deviation `sigma`.
fn gaussian_noise(n: usize, sigma: f64, rng: &mut Rng) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let (u, v) = (1.0 - rng.unit(), rng.unit());
        let radius = sigma * (-2.0 * u.ln()).sqrt();
        let angle = std::f64::consts::TAU * v;
        out.push((radius * angle.cos()) as f32);
        out.push((radius * angle.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// Dense Gaussian noise, independent per channel, driven into the limiter: `drive` dB is the
/// level of the noise's 4σ peaks over the ceiling (at a −1.3 dBTP ceiling, +1 dB is
/// about −6 LUFS, the level at which a meter first read the limiter's output over).
#[test]
fn gaussian_noise_driven_into_the_limiter_stays_within_0_05_db_of_the_ceiling() {
    let mut worst = (f64::NEG_INFINITY, String::new());
    let mut seed = 0;
    for rate in RATES {
        for ceiling_db in [-1.0f32, -1.3, -6.0, 0.0] {
            for drive_db in [1.0f64, 6.0, 12.0, 20.0] {
                let n = (2.0 * rate) as usize;
                let sigma = 10f64.powf((ceiling_db as f64 + drive_db) / 20.0) / 4.0;
                seed += 1;
                let mut rng = Rng::new(seed);
                let x = gaussian_noise(n, sigma, &mut rng);
                let y = gaussian_noise(n, sigma, &mut rng);
                let (l, r) = render(rate, &limiter(ceiling_db), &x, &y);
                let ceiling = 10f32.powf(ceiling_db / 20.0);
                let sample_peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(sample_peak <= ceiling, "{rate} Hz: sample {sample_peak} over {ceiling}");
                let over = true_peak_db(rate, &l, &r) - ceiling_db as f64;
                let case = format!("{rate} Hz, ceiling {ceiling_db} dB, Gaussian noise +{drive_db} dB");
                println!("{case}: true peak {over:+.3} dB over the ceiling");
                if over > worst.0 {
                    worst = (over, case);
                }
            }
        }
    }
    println!("worst: {:+.3} dB ({})", worst.0, worst.1);
    assert!(worst.0 <= 0.05, "worst {:+.3} dB ({})", worst.0, worst.1);
}
