//! `runnel analyze` against the EBU loudness test cases, with the signals generated here from
//! their definitions (stereo 1 kHz sines at 48 kHz, levels per channel in dBFS):
//! - EBU Tech 3341 (minimum requirements, "EBU mode" meters), cases 1–5: integrated loudness
//!   −23.0 LUFS (−33.0 for case 2) ±0.1 LU; case 9: a 3 s period (1.34 s at −20, 1.66 s at −30)
//!   makes every 3 s window −23.0 LUFS, so the maximum short-term loudness is −23.0 ±0.1; case 12:
//!   a 0.4 s period (0.18 s at −20, 0.22 s at −30) does the same for momentary loudness; true
//!   peak cases 15, 16 and 19 (fs/4 sines whose samples hit the peak, miss it by 3 dB at a 45°
//!   phase, and a 45° sine whose samples reach 0 dBFS with its peak at +3 dBTP): the peak of the
//!   continuous sine, +0.2/−0.4 dB;
//! - Tech 3341 (2016 and 2023 editions, Table 1) cases 6, 10, 11, 13, 14, 17, 18, 20–23, below;
//!   cases 7 and 8 (and Tech 3342 cases 5 and 6) are excerpts of authentic programme, not
//!   definable signals, so they are not generated;
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

/// A stereo 1 kHz tone of `seconds` at `dbfs` (starting at phase 0) after `silence_before` and
/// followed by `silence_after` seconds of silence, as one channel.
fn burst(silence_before: f64, seconds: f64, dbfs: f64, silence_after: f64) -> Vec<f32> {
    let frames = |s: f64| (s * RATE as f64).round() as usize;
    let a = amplitude(dbfs);
    let mut x = vec![0.0f32; frames(silence_before)];
    x.extend((0..frames(seconds)).map(|n| (a * (TAU * 1000.0 * n as f64 / RATE as f64).sin()) as f32));
    x.extend(std::iter::repeat_n(0.0, frames(silence_after)));
    x
}

#[test]
fn tech_3341_case_6_five_channels_and_the_lfe_left_out() {
    // Case 6: 5.0, 1 kHz, 20 s; −28 dBFS in L and R, −24 in C, −30 in Ls and Rs → −23.0 ±0.1
    // (the surrounds weigh +1.5 dB). The same as 5.1 in WAV order with a loud LFE: BS.1770
    // leaves the LFE out, so the loudness does not move.
    let tone = |dbfs: f64| burst(0.0, 20.0, dbfs, 0.0);
    let five = vec![tone(-28.0), tone(-28.0), tone(-24.0), tone(-30.0), tone(-30.0)];
    let lfe: Vec<f32> =
        (0..five[0].len()).map(|n| (0.5 * (TAU * 50.0 * n as f64 / RATE as f64).sin()) as f32).collect();
    let six = vec![tone(-28.0), tone(-28.0), tone(-24.0), lfe, tone(-30.0), tone(-30.0)];
    let results = analyze("ebu-3341-6", vec![("3341-6-5ch".into(), five), ("3341-6-6ch-lfe".into(), six)]);
    for (name, r) in ["3341-6 (5.0)", "3341-6 (5.1, loud LFE)"].iter().zip(&results) {
        assert!(r["channels"] == 5 || r["channels"] == 6, "{r}");
        within(name, "integrated", &r["integrated_lufs"], -23.0, 0.1, 0.1);
    }
    // Past 7.1 there is no mapping: one clear line, exit 1.
    let dir = temp_dir("ebu-3341-6-nine");
    let nine = dir.join("nine.wav");
    write_wav_f32(&nine, RATE, &test_support::signals::channels(vec![0.1; 4800], 9));
    let output = run(&["analyze", nine.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("9 channels; at most 8 are measured"), "{}", stderr(&output));
}

#[test]
fn tech_3341_cases_10_and_13_file_meter_maxima_of_offset_bursts() {
    // Case 10: (i·0.15 s silence; 3 s at −23 dBFS; 1 s silence), one file per i → max S −23.0
    // ±0.1 each. Case 13: (i·20 ms silence; 400 ms at −23 dBFS; 1 s silence) → max M −23.0 ±0.1.
    // Tech 3341 counts 20 files; i = 0…20 covers both readings of its index range.
    let mut signals = Vec::new();
    for i in 0..=20 {
        let x = burst(i as f64 * 0.15, 3.0, -23.0, 1.0);
        signals.push((format!("3341-10-{i}"), vec![x.clone(), x]));
        let x = burst(i as f64 * 0.02, 0.4, -23.0, 1.0);
        signals.push((format!("3341-13-{i}"), vec![x.clone(), x]));
    }
    let names: Vec<String> = signals.iter().map(|(n, _)| n.clone()).collect();
    let results = analyze("ebu-3341-10-13", signals);
    for (name, r) in names.iter().zip(&results) {
        if name.starts_with("3341-10") {
            within(name, "max short-term", &r["max_short_term_lufs"], -23.0, 0.1, 0.1);
        } else {
            within(name, "max momentary", &r["max_momentary_lufs"], -23.0, 0.1, 0.1);
        }
    }
}

#[test]
fn tech_3341_cases_11_and_14_successive_maxima_of_rising_bursts() {
    use runnel_cli::loudness::{Detail, LoudnessMeter};
    // Case 11: for i = 0…19, (i·0.15 s silence; 3 s at (−38 + i) dBFS; (3 − i·0.15) s silence):
    // the maximum short-term loudness of each 6 s segment is −38, −37, …, −19 ±0.1. Case 14: the
    // same with (i·20 ms; 400 ms; (400 − i·20) ms) and the momentary loudness of 800 ms segments.
    // The levels rise, so the running maximum after segment i is segment i's maximum.
    for (case, tone, step, momentary) in [("3341-11", 3.0, 0.15, false), ("3341-14", 0.4, 0.02, true)] {
        let mut meter = LoudnessMeter::new(2, RATE, Detail::Full).unwrap();
        for i in 0..20 {
            let x = burst(i as f64 * step, tone, -38.0 + i as f64, tone - i as f64 * step);
            let interleaved: Vec<f32> = x.iter().flat_map(|&s| [s, s]).collect();
            meter.add(&interleaved);
            let r = meter.report();
            let value = if momentary { r.max_momentary_lufs } else { r.max_short_term_lufs };
            let what = if momentary { "max momentary" } else { "max short-term" };
            within(
                &format!("{case} segment {i}"),
                what,
                &serde_json::json!(value),
                -38.0 + i as f64,
                0.1,
                0.1,
            );
        }
    }
}

/// A 10 ms linear fade in and out, the taper Tech 3341 asks of its true-peak tones.
fn taper(x: &mut [f64], rate: f64) {
    let n = (0.01 * rate) as usize;
    let len = x.len();
    for i in 0..n {
        let g = i as f64 / n as f64;
        x[i] *= g;
        x[len - 1 - i] *= g;
    }
}

#[test]
fn tech_3341_true_peak_cases_17_and_18() {
    // Case 17: fs/6, amplitude 0.5, phase 60°; case 18: fs/8, 0.5, 67.5° → −6.0 +0.2/−0.4 dBTP.
    let cases = [("3341-17", 6.0, 60.0f64), ("3341-18", 8.0, 67.5)];
    let signals = cases
        .iter()
        .map(|&(name, divisor, phase_deg)| {
            let mut x: Vec<f64> = (0..RATE as usize)
                .map(|n| 0.5 * (TAU * n as f64 / divisor + phase_deg.to_radians()).sin())
                .collect();
            taper(&mut x, RATE as f64);
            let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            (name.to_string(), vec![x.clone(), x])
        })
        .collect();
    let results = analyze("ebu-3341-17-18", signals);
    for (case, r) in cases.iter().zip(&results) {
        within(case.0, "true peak", &r["true_peak_dbtp"], -6.0, 0.4, 0.2);
    }
}

/// A linear-phase low-pass FIR (Blackman-windowed sinc, unity DC gain): `taps` odd, `cutoff`
/// as a fraction of the sample rate.
fn low_pass(taps: usize, cutoff: f64) -> Vec<f64> {
    let mid = (taps / 2) as f64;
    let mut h: Vec<f64> = (0..taps)
        .map(|i| {
            let x = i as f64 - mid;
            let sinc =
                if x == 0.0 { 2.0 * cutoff } else { (TAU * cutoff * x).sin() / (std::f64::consts::PI * x) };
            let w = 0.42 - 0.5 * (TAU * i as f64 / (taps - 1) as f64).cos()
                + 0.08 * (2.0 * TAU * i as f64 / (taps - 1) as f64).cos();
            sinc * w
        })
        .collect();
    let sum: f64 = h.iter().sum();
    h.iter_mut().for_each(|v| *v /= sum);
    h
}

#[test]
fn tech_3341_true_peak_cases_20_to_23() {
    // Case 20: at 4·fs, a sine at fs/6 of amplitude 0.5 containing one period of a sine at fs/4
    // of amplitude 1.0, continuous in phase on both sides (both start at phase 0 at the
    // joins), tapered, low-pass (anti-aliasing) filtered and taken down to fs with a 0-sample
    // offset; cases 21–23 the same with offsets 1, 2 and 3 at 4·fs → 0.0 +0.2/−0.4 dBTP each.
    let high_rate = 4.0 * RATE as f64;
    let frames = (0.25 * high_rate) as usize;
    let slow = high_rate / (RATE as f64 / 6.0); // 24 samples per period at 4·fs
    let fast = high_rate / (RATE as f64 / 4.0); // 16
                                                // The join at a whole number of slow periods, near the middle.
    let join = (frames / 2 / slow as usize) * slow as usize;
    let mut x: Vec<f64> = (0..frames)
        .map(|n| {
            if n < join {
                0.5 * (TAU * n as f64 / slow).sin()
            } else if n < join + fast as usize {
                (TAU * (n - join) as f64 / fast).sin()
            } else {
                0.5 * (TAU * (n - join - fast as usize) as f64 / slow).sin()
            }
        })
        .collect();
    taper(&mut x, high_rate);
    // Anti-aliasing before taking every 4th sample: pass band to 0.45·fs.
    let h = low_pass(401, 0.45 * RATE as f64 / high_rate);
    let delay = h.len() / 2;
    let filtered: Vec<f64> = (0..frames)
        .map(|n| {
            h.iter()
                .enumerate()
                .filter_map(|(k, c)| (n + delay).checked_sub(k).filter(|&m| m < frames).map(|m| c * x[m]))
                .sum()
        })
        .collect();
    let signals = (0..4)
        .map(|offset| {
            let y: Vec<f32> = filtered.iter().skip(offset).step_by(4).map(|&v| v as f32).collect();
            (format!("3341-{}", 20 + offset), vec![y.clone(), y])
        })
        .collect();
    let results = analyze("ebu-3341-20-23", signals);
    for (offset, r) in results.iter().enumerate() {
        let case = format!("3341-{}", 20 + offset);
        within(&case, "true peak", &r["true_peak_dbtp"], 0.0, 0.4, 0.2);
        eprintln!("{case}: sample peak {}", r["sample_peak_dbfs"]);
    }
}
