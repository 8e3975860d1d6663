//! `runnel analyze` against the EBU loudness test cases, with the signals generated here from
//! their definitions (stereo 1 kHz sines at 48 kHz, levels per channel in dBFS):
//! - EBU Tech 3341 (minimum requirements, "EBU mode" meters), cases 1–5: integrated loudness
//!   −23.0 LUFS (−33.0 for case 2) ±0.1 LU; case 9: a 3 s period (1.34 s at −20, 1.66 s at −30)
//!   makes every 3 s window −23.0 LUFS, so the maximum short-term loudness is −23.0 ±0.1; case 12:
//!   a 0.4 s period (0.18 s at −20, 0.22 s at −30) does the same for momentary loudness; true
//!   peak cases 15, 16 and 19 (fs/4 sines whose samples hit the peak, miss it by 3 dB at a 45°
//!   phase, and a 45° sine whose samples reach 0 dBFS with its peak at +3 dBTP): the peak of the
//!   continuous sine, +0.2/−0.4 dB (cases 17 and 18, sines at fs/6 and fs/8, are not generated
//!   here: their exact phases were not at hand);
//! - EBU Tech 3342 (loudness range), cases 1–4: 10, 5, 20 and 15 LU ±1 LU.

mod common;

use std::f64::consts::TAU;

use common::*;

const RATE: u32 = 48_000;

/// Amplitude of a sine whose level per channel is `dbfs` (EBU's convention: the sine's peak).
fn amplitude(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// A stereo 1 kHz sine made of (seconds, dBFS) segments, phase-continuous.
fn segments(parts: &[(f64, f64)]) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    let mut n = 0u64;
    for &(seconds, dbfs) in parts {
        let a = amplitude(dbfs);
        for _ in 0..(seconds * RATE as f64).round() as u64 {
            out.push((a * (TAU * 1000.0 * n as f64 / RATE as f64).sin()) as f32);
            n += 1;
        }
    }
    vec![out.clone(), out]
}

/// `parts` repeated `times` times.
fn repeated(parts: &[(f64, f64)], times: usize) -> Vec<(f64, f64)> {
    parts.iter().copied().cycle().take(parts.len() * times).collect()
}

/// Writes each signal, analyzes them all in one run, returns each file's JSON object.
fn analyze(name: &str, signals: Vec<(String, Vec<Vec<f32>>)>) -> Vec<serde_json::Value> {
    let dir = temp_dir(name);
    let mut args = vec!["analyze".to_string(), "--json".to_string()];
    for (file, signal) in &signals {
        let path = dir.join(format!("{file}.wav"));
        write_wav_f32(&path, RATE, signal);
        args.push(path.display().to_string());
    }
    let output = runnel().args(&args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(&dir);
    json(&output)["files"].as_array().unwrap().clone()
}

/// Asserts `value` within `tolerance` of `expected`, naming the case.
fn within(case: &str, what: &str, value: &serde_json::Value, expected: f64, below: f64, above: f64) {
    let v = value.as_f64().unwrap_or_else(|| panic!("{case}: {what} missing: {value}"));
    eprintln!("{case}: {what} {v:.3} (expected {expected} -{below}/+{above})");
    assert!(
        v >= expected - below && v <= expected + above,
        "{case}: {what} {v}, expected {expected} -{below}/+{above}"
    );
}

#[test]
fn tech_3341_integrated_momentary_and_short_term_cases() {
    let cases = vec![
        ("3341-1", segments(&[(20.0, -23.0)])),
        ("3341-2", segments(&[(20.0, -33.0)])),
        ("3341-3", segments(&[(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)])),
        ("3341-4", segments(&[(10.0, -72.0), (10.0, -36.0), (60.0, -23.0), (10.0, -36.0), (10.0, -72.0)])),
        ("3341-5", segments(&[(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)])),
        ("3341-9", segments(&repeated(&[(1.34, -20.0), (1.66, -30.0)], 20))),
        ("3341-12", segments(&repeated(&[(0.18, -20.0), (0.22, -30.0)], 25))),
    ];
    let names: Vec<String> = cases.iter().map(|(n, _)| n.to_string()).collect();
    let results = analyze("ebu-3341", cases.into_iter().map(|(n, s)| (n.to_string(), s)).collect());
    for (name, r) in names.iter().zip(&results) {
        match name.as_str() {
            "3341-1" => {
                within(name, "integrated", &r["integrated_lufs"], -23.0, 0.1, 0.1);
                within(name, "max momentary", &r["max_momentary_lufs"], -23.0, 0.1, 0.1);
                within(name, "max short-term", &r["max_short_term_lufs"], -23.0, 0.1, 0.1);
            }
            "3341-2" => {
                within(name, "integrated", &r["integrated_lufs"], -33.0, 0.1, 0.1);
                within(name, "max momentary", &r["max_momentary_lufs"], -33.0, 0.1, 0.1);
                within(name, "max short-term", &r["max_short_term_lufs"], -33.0, 0.1, 0.1);
            }
            "3341-9" => within(name, "max short-term", &r["max_short_term_lufs"], -23.0, 0.1, 0.1),
            "3341-12" => within(name, "max momentary", &r["max_momentary_lufs"], -23.0, 0.1, 0.1),
            _ => within(name, "integrated", &r["integrated_lufs"], -23.0, 0.1, 0.1),
        }
    }
}

#[test]
fn tech_3341_true_peak_cases() {
    // (case, frequency as a fraction of fs, phase in degrees, peak of the continuous sine, dBFS)
    let cases =
        [("3341-15", 4.0, 0.0f64, -6.0), ("3341-16", 4.0, 45.0, -6.0), ("3341-19", 4.0, 45.0, 3.0103)];
    let signals = cases
        .iter()
        .map(|&(name, divisor, phase_deg, peak_db)| {
            let a = amplitude(peak_db);
            let x: Vec<f32> = (0..RATE as usize)
                .map(|n| (a * (TAU * n as f64 / divisor + phase_deg.to_radians()).sin()) as f32)
                .collect();
            (name.to_string(), vec![x.clone(), x])
        })
        .collect();
    let results = analyze("ebu-3341-tp", signals);
    for (case, r) in cases.iter().zip(&results) {
        within(case.0, "true peak", &r["true_peak_dbtp"], case.3, 0.4, 0.2);
    }
    // Case 19's samples never exceed 0 dBFS: the true peak reads over the sample peak.
    within("3341-19", "sample peak", &results[2]["sample_peak_dbfs"], 0.0, 0.01, 0.01);
}

#[test]
fn tech_3342_loudness_range_cases() {
    let cases = vec![
        ("3342-1", segments(&[(20.0, -20.0), (20.0, -30.0)]), 10.0),
        ("3342-2", segments(&[(20.0, -20.0), (20.0, -15.0)]), 5.0),
        ("3342-3", segments(&[(20.0, -40.0), (20.0, -20.0)]), 20.0),
        (
            "3342-4",
            segments(&[(20.0, -50.0), (20.0, -35.0), (20.0, -20.0), (20.0, -35.0), (20.0, -50.0)]),
            15.0,
        ),
    ];
    let expected: Vec<(String, f64)> = cases.iter().map(|(n, _, lra)| (n.to_string(), *lra)).collect();
    let results = analyze("ebu-3342", cases.into_iter().map(|(n, s, _)| (n.to_string(), s)).collect());
    for ((name, lra), r) in expected.iter().zip(&results) {
        within(name, "loudness range", &r["loudness_range_lu"], *lra, 1.0, 1.0);
    }
}
