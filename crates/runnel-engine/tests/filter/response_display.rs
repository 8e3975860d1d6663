//! The response curve the editor draws, against scipy and against the measured response.

use super::*;

#[test]
fn response_display_matches_scipy_references() {
    // Every reference point, up to 0.495·fs, straight from the analytic display function.
    let mut worst: f64 = 0.0;
    for case in load("filter_reference.csv").into_iter().chain(load("filter_nyquist.csv")) {
        let Some(settings) = case.settings() else {
            continue;
        };
        let mut filter = Filter::new();
        filter.prepare(case.fs as f32, 64);
        filter.set_settings(&settings);
        let points: Vec<&Vec<f64>> = case.points.iter().filter(|p| p[1] > -120.0).collect();
        let freqs: Vec<f32> = points.iter().map(|p| p[0] as f32).collect();
        let mut db = vec![0.0f32; freqs.len()];
        filter.magnitude_response_db(&freqs, &mut db);
        for ((p, d), f) in points.iter().zip(&db).zip(&freqs) {
            // f32 frequencies: compare with the reference at the same point within 0.01 dB.
            let err = (*d as f64 - p[1]).abs();
            worst = worst.max(err);
            assert!(err < 0.01, "{} @ {f}: {d} vs {}", case.label(), p[1]);
        }
    }
    println!("max display error vs scipy: {worst:.5} dB");
}

#[test]
fn response_display_matches_measured_response_with_every_band_on() {
    let mut busy_bandpass = everything_on();
    busy_bandpass.notch = NotchSettings { enabled: true, mode: NotchMode::BandPass, freq_hz: 900.0, q: 0.5 };
    busy_bandpass.high_pass.slope = FilterSlope::Db48;
    busy_bandpass.low_pass.slope = FilterSlope::Db6;
    for fs in [44_100.0, 48_000.0, 96_000.0] {
        for settings in [everything_on(), busy_bandpass] {
            let freqs: Vec<f32> = (0..=80).map(|i| 20.0 * 1000f32.powf(i as f32 / 80.0)).collect();
            let mut filter = Filter::new();
            filter.prepare(fs as f32, BLOCK);
            filter.set_settings(&settings);
            let mut display = vec![0.0f32; freqs.len()];
            filter.magnitude_response_db(&freqs, &mut display);
            let ir = impulse_response(|l, r| filter.process(l, r));
            // Displaying after processing must give the same curve (no audio state involved).
            let mut again = vec![0.0f32; freqs.len()];
            filter.magnitude_response_db(&freqs, &mut again);
            assert_eq!(display, again);
            let freqs64: Vec<f64> = freqs.iter().map(|&f| f as f64).collect();
            let measured = dft_db(&ir, fs, &freqs64);
            for ((f, d), m) in freqs.iter().zip(&display).zip(&measured) {
                if *m > FLOOR_DB && (*f as f64) <= 0.4 * fs {
                    assert!((*d as f64 - m).abs() < 0.02, "{fs} Hz @ {f}: display {d} measured {m}");
                }
            }
        }
    }
}

#[test]
fn response_display_is_flat_when_everything_is_off() {
    let mut filter = Filter::new();
    filter.prepare(44_100.0, 64);
    filter.set_settings(&FilterSettings::default());
    let freqs = [0.0, 20.0, 1_000.0, 22_050.0, 30_000.0];
    let mut db = [1.0f32; 5];
    filter.magnitude_response_db(&freqs, &mut db);
    assert_eq!(db, [0.0; 5]);
}
