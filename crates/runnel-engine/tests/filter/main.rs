//! Integration tests of the filter stage against independent references.
//!
//! Responses are measured by processing an impulse through the public API and taking a direct
//! DFT (f64) of the impulse response at the reference frequencies; the references come from
//! `tests/reference/filter_reference.py` (scipy.signal). Comparisons skip points whose reference
//! is below [`FLOOR_DB`]: there the f32 input/output of the stage (≈ −150 dB rounding noise
//! relative to the impulse) and the truncated tail, not the filter, would dominate.
//!
//! Run `cargo test --test filter -- --nocapture --test-threads=1` to see the error tables.
//!
//! By topic: [`reference`] (responses against scipy and RBJ), [`response_display`] (the
//! editor's response curve), [`behaviour`] (bypass exactness, reset, ramps, tail) and
//! [`modulation`] (sweeps, jumps, switching, allocation, fuzz). Shared helpers live here.

use runnel_engine::filter::*;
use runnel_engine::testing::filter::{PassCascade, PassDesign, PassKind};

// Allocation check: nice-plug's `assert_process_allocs` installs an allocator in every test
// binary that aborts on any allocation inside `assert_no_alloc` (tests/plugin_process.rs proves
// it fires).
use nice_assert_no_alloc::assert_no_alloc;
use test_support::Rng;

/// Reference points below this are not compared (numerical floor of the measurement).
const FLOOR_DB: f64 = -80.0;
/// Required agreement with scipy up to 0.4·fs (issue 4).
const TOLERANCE_DB: f64 = 0.05;
/// Block size used to drive the stage in measurements.
const BLOCK: usize = 4096;

// ---------------------------------------------------------------------------------------------
// Reference data

/// One reference case: a filter type with its settings and `(freq, db[, analog_db])` points.
#[derive(Debug, Clone)]
struct Case {
    kind: String,
    fs: f64,
    f0: f64,
    q: f64,
    gain_db: f64,
    order: usize,
    points: Vec<Vec<f64>>,
}

impl Case {
    fn label(&self) -> String {
        format!(
            "{} fs={} f0={} q={} gain={} order={}",
            self.kind, self.fs, self.f0, self.q, self.gain_db, self.order
        )
    }

    /// Stage settings with only this case's band on, or `None` when the stage does not expose
    /// it (Butterworth orders 5 and 7).
    fn settings(&self) -> Option<FilterSettings> {
        let mut s = FilterSettings::default();
        let f0 = self.f0 as f32;
        let q = self.q as f32;
        let gain_db = self.gain_db as f32;
        let slope = match (self.kind.as_str(), self.order) {
            ("rhp" | "rlp", _) => FilterSlope::Resonant12,
            (_, order) => *FilterSlope::ALL.iter().find(|s| s.butterworth_order() == Some(order))?,
        };
        let pass = PassSettings { enabled: true, cutoff_hz: f0, slope, resonance_q: q.max(0.5) };
        match self.kind.as_str() {
            "hp" | "rhp" => s.high_pass = pass,
            "lp" | "rlp" => s.low_pass = pass,
            "lowshelf" => s.low_shelf = ShelfSettings { enabled: true, freq_hz: f0, gain_db, q },
            "highshelf" => s.high_shelf = ShelfSettings { enabled: true, freq_hz: f0, gain_db, q },
            "bell" => s.bell_1 = BellSettings { enabled: true, freq_hz: f0, gain_db, q },
            "notch" => s.notch = NotchSettings { enabled: true, mode: NotchMode::Notch, freq_hz: f0, q },
            "bandpass" => {
                s.notch = NotchSettings { enabled: true, mode: NotchMode::BandPass, freq_hz: f0, q }
            }
            other => panic!("unknown kind {other}"),
        }
        Some(s)
    }
}

fn load(name: &str) -> Vec<Case> {
    let path = format!("{}/tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.splitn(7, ',').collect();
            Case {
                kind: f[0].to_string(),
                fs: f[1].parse().unwrap(),
                f0: f[2].parse().unwrap(),
                q: f[3].parse().unwrap(),
                gain_db: f[4].parse().unwrap(),
                order: f[5].parse().unwrap(),
                points: f[6]
                    .split_whitespace()
                    .map(|p| p.split(':').map(|v| v.parse().unwrap()).collect())
                    .collect(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Measurement

/// Impulse response of a stereo processor, run until it has decayed below 1e-14 (or 2^21
/// samples). Also checks that left and right are identical.
fn impulse_response(mut process: impl FnMut(&mut [f32], &mut [f32])) -> Vec<f64> {
    let mut response = Vec::new();
    let mut left = vec![0.0f32; BLOCK];
    let mut right = vec![0.0f32; BLOCK];
    for block in 0..512 {
        left.fill(0.0);
        right.fill(0.0);
        if block == 0 {
            left[0] = 1.0;
            right[0] = 1.0;
        }
        process(&mut left, &mut right);
        assert_eq!(left, right, "channels differ");
        let peak = left.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(left.iter().all(|v| v.is_finite()));
        response.extend(left.iter().map(|&v| v as f64));
        if block >= 1 && peak < 1e-14 {
            break;
        }
    }
    response
}

/// Impulse response of the whole stage with `settings` (snapped: first settings after reset).
fn stage_impulse_response(settings: &FilterSettings, fs: f64) -> Vec<f64> {
    let mut filter = Filter::new();
    filter.prepare(fs as f32, BLOCK);
    filter.set_settings(settings);
    impulse_response(|l, r| filter.process(l, r))
}

/// `|DFT|` in dB of `x` at each frequency (direct sum, phasor re-synchronised every 1024 samples).
fn dft_db(x: &[f64], fs: f64, freqs: &[f64]) -> Vec<f64> {
    freqs
        .iter()
        .map(|&f| {
            let w = -2.0 * std::f64::consts::PI * f / fs;
            let (step_im, step_re) = w.sin_cos();
            let (mut re, mut im) = (0.0, 0.0);
            for (chunk_index, chunk) in x.chunks(1024).enumerate() {
                let phase = w * (chunk_index * 1024) as f64;
                let (mut p_im, mut p_re) = phase.sin_cos();
                for &v in chunk {
                    re += v * p_re;
                    im += v * p_im;
                    let next_re = p_re * step_re - p_im * step_im;
                    p_im = p_re * step_im + p_im * step_re;
                    p_re = next_re;
                }
            }
            10.0 * (re * re + im * im).log10()
        })
        .collect()
}

/// Measured response of `case` through the stage (or a bare cascade for orders 5 and 7).
fn measure(case: &Case, freqs: &[f64]) -> Vec<f64> {
    let ir = match case.settings() {
        Some(settings) => stage_impulse_response(&settings, case.fs),
        None => {
            let kind = if case.kind == "hp" { PassKind::HighPass } else { PassKind::LowPass };
            let mut cascade = PassCascade::new(PassDesign::butterworth(kind, case.order, case.f0, case.fs));
            let mut frames = vec![[0.0f64; 2]; BLOCK];
            impulse_response(|l, r| {
                for (f, (a, b)) in frames.iter_mut().zip(l.iter().zip(r.iter())) {
                    *f = [*a as f64, *b as f64];
                }
                cascade.process(&mut frames);
                for (f, (a, b)) in frames.iter().zip(l.iter_mut().zip(r.iter_mut())) {
                    *a = f[0] as f32;
                    *b = f[1] as f32;
                }
            })
        }
    };
    dft_db(&ir, case.fs, freqs)
}

/// Worst error of one (type, rate) group.
#[derive(Default)]
struct Worst {
    cases: usize,
    points: usize,
    error_db: f64,
    at: String,
}

impl Worst {
    fn add(&mut self, error: f64, at: impl FnOnce() -> String) {
        self.points += 1;
        if error > self.error_db {
            self.error_db = error;
            self.at = at();
        }
    }
}

/// Compares every case of `kinds` (measured, up to 0.4·fs) with the reference, prints a table of
/// the worst error per type and rate, and asserts [`TOLERANCE_DB`].
fn compare_measured(kinds: &[&str]) {
    let cases = load("filter_reference.csv");
    let mut table: Vec<((String, u32), Worst)> = Vec::new();
    for case in cases.iter().filter(|c| kinds.contains(&c.kind.as_str())) {
        let points: Vec<&Vec<f64>> =
            case.points.iter().filter(|p| p[1] > FLOOR_DB && p[0] <= 0.4 * case.fs + 1e-6).collect();
        let freqs: Vec<f64> = points.iter().map(|p| p[0]).collect();
        let measured = measure(case, &freqs);
        let key = (case.kind.clone(), case.fs as u32);
        let index = match table.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                table.push((key, Worst::default()));
                table.len() - 1
            }
        };
        let worst = &mut table[index].1;
        worst.cases += 1;
        for (p, m) in points.iter().zip(&measured) {
            worst.add((m - p[1]).abs(), || {
                format!("{} @ {:.1} Hz: {m:.4} vs {:.4}", case.label(), p[0], p[1])
            });
        }
    }
    println!("\n{:<10} {:>6} {:>6} {:>7} {:>12}  worst at", "type", "fs", "cases", "points", "max err dB");
    for ((kind, fs), w) in &table {
        println!("{kind:<10} {fs:>6} {:>6} {:>7} {:>12.6}  {}", w.cases, w.points, w.error_db, w.at);
    }
    assert!(!table.is_empty());
    for (_, w) in &table {
        assert!(w.points > 0);
        assert!(w.error_db < TOLERANCE_DB, "error {:.4} dB > {TOLERANCE_DB}: {}", w.error_db, w.at);
    }
}

/// A busy setting with every band on.
fn everything_on() -> FilterSettings {
    FilterSettings {
        high_pass: PassSettings {
            enabled: true,
            cutoff_hz: 45.0,
            slope: FilterSlope::Db18,
            resonance_q: 0.7,
        },
        low_pass: PassSettings {
            enabled: true,
            cutoff_hz: 15_000.0,
            slope: FilterSlope::Resonant12,
            resonance_q: 3.0,
        },
        low_shelf: ShelfSettings { enabled: true, freq_hz: 120.0, gain_db: 4.0, q: 0.7 },
        high_shelf: ShelfSettings { enabled: true, freq_hz: 6_000.0, gain_db: -6.0, q: 1.2 },
        bell_1: BellSettings { enabled: true, freq_hz: 350.0, gain_db: -8.0, q: 2.5 },
        bell_2: BellSettings { enabled: true, freq_hz: 2_800.0, gain_db: 10.0, q: 0.8 },
        notch: NotchSettings { enabled: true, mode: NotchMode::Notch, freq_hz: 60.0, q: 8.0 },
    }
}

mod behaviour;
mod modulation;
mod reference;
mod response_display;
