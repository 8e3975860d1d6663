//! `--rate`: the input is resampled before the engine. With every stage off, a 1 kHz sine at
//! 44.1 kHz rendered at 48 kHz (and back down) is that sine at the new rate: the right length
//! (`round(frames × 48000 / 44100)`), aligned (the resampler's delay is removed) and clean (error
//! below −60 dB against the analytic sine away from the ends).

mod common;

use std::f64::consts::TAU;

use common::*;

fn sine(rate: u32, frames: usize) -> Vec<f32> {
    (0..frames).map(|n| (0.5 * (TAU * 1000.0 * n as f64 / f64::from(rate)).sin()) as f32).collect()
}

#[test]
fn a_sine_resampled_by_rate_is_the_same_sine_at_the_new_rate() {
    let dir = temp_dir("rate");
    for (from, to) in [(44_100u32, 48_000u32), (96_000, 44_100)] {
        let frames = from as usize * 2;
        let input = dir.join(format!("sine-{from}.wav"));
        let x = sine(from, frames);
        write_wav_f32(&input, from, &[x.clone(), x]);
        let out = dir.join(format!("sine-{from}-to-{to}.wav"));
        let output = run(&[
            "render",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--rate",
            &to.to_string(),
            "--tail",
            "0",
            "--set",
            "filter_on=off",
            "--set",
            "delay_on=off",
            "--set",
            "reverb_on=off",
            "-q",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let (rate, rendered) = read_wav(&out);
        assert_eq!(rate, to);
        let expected_len = (frames as f64 * f64::from(to) / f64::from(from)).round() as usize;
        assert_eq!(rendered[0].len(), expected_len, "{from} → {to}");
        let reference = sine(to, expected_len);
        let margin = to as usize / 20;
        let error = rendered[0][margin..expected_len - margin]
            .iter()
            .zip(&reference[margin..expected_len - margin])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let error_db = 20.0 * (error / 0.5).log10();
        eprintln!("{from} → {to}: max error {error_db:.1} dB re the sine");
        assert!(error_db < -60.0, "{from} → {to}: error {error_db:.1} dB");
    }
}
