//! Integration tests of the delay stage against analytic references and scipy data
//! (tests/reference/delay_reference.py). Analysis is done in f64.

// Index loops read more naturally in signal analysis (y[n] against x[n − D]).
#![allow(clippy::needless_range_loop)]

use std::f64::consts::{PI, TAU};

use runnel_engine::delay::*;
use runnel_engine::testing::delay::{
    note_seconds, SincTable, CROSSFADE_MS, INTERPOLATOR_PHASES, INTERPOLATOR_TAPS, SAFETY_CEILING,
    TAPE_MAX_GLIDE_RATE,
};

// Allocation check: nice-plug's `assert_process_allocs` installs an allocator in every test
// binary that aborts on any allocation inside `assert_no_alloc` (tests/plugin_process.rs proves
// it fires).
use nice_assert_no_alloc::assert_no_alloc;
use test_support::signals::{self, impulse};
use test_support::{db, max_step, rms, Rng};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Settings for measurements: wet only, no feedback, nothing coloured or moving.
fn clean() -> DelaySettings {
    DelaySettings {
        feedback: 0.0,
        mix: 1.0,
        saturation: 0.0,
        low_cut_hz: LOW_CUT_HZ_RANGE.0,
        high_cut_hz: HIGH_CUT_HZ_RANGE.1,
        mod_depth_ms: 0.0,
        duck_amount_db: 0.0,
        stereo_offset_ms: 0.0,
        ..DelaySettings::default()
    }
}

fn prepared(sample_rate: f32, settings: &DelaySettings) -> Delay {
    let mut d = Delay::new();
    d.prepare(sample_rate, 1024);
    d.set_settings(settings);
    d
}

/// A time in ms that is exactly `samples` at `fs` (up to f32 rounding of the ms value).
fn ms_for(samples: f64, fs: f64) -> f32 {
    (samples * 1000.0 / fs) as f32
}

/// Processes `left`/`right` in blocks of `block`, with the allocation check armed.
fn render(d: &mut Delay, left: &[f32], right: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    for (lc, rc) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        assert_no_alloc(|| d.process(lc, rc));
    }
    (l, r)
}

/// A sine given in cycles per sample (the delay tests think in periods, not in hertz).
fn sine(len: usize, cycles_per_sample: f64, amplitude: f64) -> Vec<f32> {
    signals::sine(len, cycles_per_sample, amplitude, 1.0)
}

fn read_csv(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/tests/reference/{}", env!("CARGO_MANIFEST_DIR"), name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().skip(1).map(|l| l.split(',').map(|v| v.trim().parse::<f64>().unwrap()).collect()).collect()
}

// ---------------------------------------------------------------------------------------------
// Sync.

#[test]
fn sync_note_values_at_120_bpm() {
    let ms = |n, m| note_seconds(n, m, 120.0) * 1000.0;
    assert!((ms(NoteValue::Eighth, NoteModifier::Dotted) - 375.0).abs() < 1e-9);
    assert!((ms(NoteValue::Quarter, NoteModifier::Triplet) - 333.333_333).abs() < 1e-3);
    assert!((ms(NoteValue::Quarter, NoteModifier::Straight) - 500.0).abs() < 1e-9);
    assert!((ms(NoteValue::FourBars, NoteModifier::Straight) - 8000.0).abs() < 1e-9);
    assert!((ms(NoteValue::SixtyFourth, NoteModifier::Triplet) - 1000.0 / 48.0).abs() < 1e-9);

    // Through the stage: the heads' targets in samples at 48 kHz.
    let fs = 48_000.0;
    let mut d = prepared(fs, &DelaySettings { sync: true, ..clean() });
    assert_eq!(d.target_delays(), [18_000.0, 18_000.0]); // 1/8 dotted = 375 ms
    d.set_settings(&DelaySettings {
        sync: true,
        note: NoteValue::Quarter,
        note_modifier: NoteModifier::Triplet,
        ..clean()
    });
    assert_eq!(d.target_delays(), [16_000.0, 16_000.0]); // 333.33 ms
                                                         // Synced lengths may exceed the 4 s free-running range: 4 bars at 120 BPM is 8 s.
    let four_bars = DelaySettings {
        sync: true,
        note: NoteValue::FourBars,
        note_modifier: NoteModifier::Straight,
        ..clean()
    };
    d.set_settings(&four_bars);
    assert_eq!(d.target_delays(), [384_000.0, 384_000.0]);
    // Only beyond SYNCED_TIME_MS_MAX (4 bars at 60 BPM) are they clamped.
    d.set_tempo(40.0);
    assert_eq!(d.target_delays(), [768_000.0, 768_000.0]);
    // A free-running time stays within its own range.
    d.set_settings(&DelaySettings { time_ms: 8000.0, ..clean() });
    assert_eq!(d.target_delays(), [192_000.0, 192_000.0]);
}

/// The first echo of an impulse sent after the heads have settled.
fn settled_echo_position(d: &mut Delay, max_len: usize) -> usize {
    // Let any glide or fade finish on silence (≤ 10 s).
    let silence = vec![0.0; 48_000 * 10];
    render(d, &silence, &silence, 512);
    let x = impulse(max_len, 0);
    let (l, _) = render(d, &x, &x, 512);
    l.iter().position(|&v| v != 0.0).expect("no echo")
}

#[test]
fn synced_time_follows_a_tempo_change_in_both_modes() {
    let fs = 48_000.0;
    for mode in TimeChangeMode::ALL {
        let s = DelaySettings {
            sync: true,
            note: NoteValue::Quarter,
            note_modifier: NoteModifier::Straight,
            time_change: mode,
            ..clean()
        };
        let mut d = prepared(fs, &s);
        d.set_tempo(120.0);
        assert_eq!(settled_echo_position(&mut d, 30_000), 24_000, "{mode:?} at 120 BPM");
        d.set_tempo(150.0); // quarter = 400 ms
        assert_eq!(settled_echo_position(&mut d, 30_000), 19_200, "{mode:?} at 150 BPM");
        d.set_tempo(90.0); // quarter = 666.67 ms = 32000 samples
        assert_eq!(settled_echo_position(&mut d, 40_000), 32_000, "{mode:?} at 90 BPM");
        assert_eq!(d.tempo(), 90.0);
        d.set_tempo(f64::NAN); // ignored
        assert_eq!(d.tempo(), 90.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Echo positions and feedback.

#[test]
fn echoes_are_sample_exact_and_scale_by_feedback() {
    let feedback = 0.6f32;
    for &(fs, samples) in &[
        (44_100.0, 4410.0),   // 100 ms
        (44_100.0, 1234.0),   // 27.98 ms: not a round number of ms
        (48_000.0, 4800.0),   // 100 ms
        (48_000.0, 19_200.0), // 400 ms
        (96_000.0, 777.0),
        (8_000.0, 17.0), // close to the 16-sample minimum
    ] {
        let s = DelaySettings { time_ms: ms_for(samples, fs), feedback, ..clean() };
        let mut d = prepared(fs as f32, &s);
        let d_samples = samples as usize;
        assert_eq!(d.target_delays()[0], samples, "round(time·fs) at {fs}");
        let start = 37;
        let len = start + d_samples * 6 + 10;
        let x = impulse(len, start);
        let (l, r) = render(&mut d, &x, &x, 256);
        for (n, (&a, &b)) in l.iter().zip(&r).enumerate() {
            let k = n as i64 - start as i64;
            let expected = if k > 0 && k % d_samples as i64 == 0 {
                (feedback as f64).powi((k / d_samples as i64 - 1) as i32)
            } else {
                0.0
            };
            if expected == 0.0 {
                assert_eq!(a, 0.0, "fs {fs}, D {samples}: stray output at {n}");
            } else {
                let rel = (a as f64 - expected).abs() / expected;
                assert!(rel < 1e-6, "fs {fs}, D {samples}: echo at {n} is {a}, expected {expected}");
            }
            assert_eq!(a, b);
        }
    }
}

#[test]
fn stereo_offset_delays_one_side() {
    let fs = 48_000.0;
    let x = impulse(20_000, 0);
    for (offset, left_at, right_at) in [(10.0f32, 4800, 5280), (-10.0, 5280, 4800)] {
        let s = DelaySettings { time_ms: 100.0, stereo_offset_ms: offset, ..clean() };
        let mut d = prepared(fs, &s);
        let (l, r) = render(&mut d, &x, &x, 128);
        assert_eq!(l.iter().position(|&v| v != 0.0), Some(left_at));
        assert_eq!(r.iter().position(|&v| v != 0.0), Some(right_at));
    }
}

#[test]
fn ping_pong_alternates_channels() {
    let fs = 48_000.0;
    let (tl, tr) = (2400usize, 2400 + 480); // 50 ms, right 10 ms later
    let s =
        DelaySettings { time_ms: 50.0, stereo_offset_ms: 10.0, ping_pong: true, feedback: 0.5, ..clean() };
    let mut d = prepared(fs, &s);
    let x = impulse(30_000, 0);
    let (l, r) = render(&mut d, &x, &x, 64);
    // Echo k (k = 1, 2, …) alternates L, R, L, … at cumulative times tl, tl+tr, 2tl+tr, …
    let mut expected_l = vec![0.0f32; l.len()];
    let mut expected_r = vec![0.0f32; r.len()];
    let (mut t, mut level, mut on_left) = (0usize, 1.0f32, true);
    loop {
        t += if on_left { tl } else { tr };
        if t >= l.len() {
            break;
        }
        if on_left {
            expected_l[t] = level
        } else {
            expected_r[t] = level
        }
        level *= 0.5;
        on_left = !on_left;
    }
    assert_eq!(l, expected_l);
    assert_eq!(r, expected_r);
}

// ---------------------------------------------------------------------------------------------
// Interpolation.

/// Error of the delayed output against the exact analytic delayed sine, in dB relative to the
/// sine's RMS (and the worst sample, relative to its amplitude).
fn interpolation_error(fs: f64, ratio: f64, delay: f64, depth_ms: f32, rate_hz: f32) -> (f64, f64) {
    let s =
        DelaySettings { time_ms: ms_for(delay, fs), mod_depth_ms: depth_ms, mod_rate_hz: rate_hz, ..clean() };
    let mut d = prepared(fs as f32, &s);
    let actual = d.target_delays()[0];
    assert!((actual - delay).abs() < 1e-3);
    let len = 48_000;
    let x = sine(len, ratio, 1.0);
    let (y, _) = render(&mut d, &x, &x, 256);
    let half_depth = 0.5 * depth_ms as f64 * 1e-3 * fs;
    let start = (actual + half_depth) as usize + 64;
    let (mut err2, mut ref2, mut worst) = (0.0, 0.0, 0.0f64);
    for n in start..len {
        let wobble = half_depth * (TAU * rate_hz as f64 * (n + 1) as f64 / fs).sin();
        let reference = (TAU * ratio * (n as f64 - actual - wobble)).sin();
        let e = y[n] as f64 - reference;
        err2 += e * e;
        ref2 += reference * reference;
        worst = worst.max(e.abs());
    }
    (10.0 * (err2 / ref2).log10(), db(worst))
}

#[test]
fn fractional_delay_interpolation_error_is_below_minus_80_db() {
    let fs = 48_000.0;
    let mut report = vec![];
    for &fraction in &[0.1, 0.25, 0.37, 0.5, 0.618, 0.75, 0.9, 0.999] {
        let (rms_db, peak_db) = interpolation_error(fs, 0.25, 480.0 + fraction, 0.0, 1.0);
        report.push(format!("0.25·fs, μ={fraction}: rms {rms_db:.1} dB, peak {peak_db:.1} dB"));
        assert!(rms_db < -80.0 && peak_db < -80.0, "{}", report.last().unwrap());
        // The stated design margin: better than −85 dB up to 0.40·fs.
        let (rms_db, peak_db) = interpolation_error(fs, 0.40, 480.0 + fraction, 0.0, 1.0);
        report.push(format!("0.40·fs, μ={fraction}: rms {rms_db:.1} dB, peak {peak_db:.1} dB"));
        assert!(rms_db < -85.0 && peak_db < -85.0, "{}", report.last().unwrap());
    }
    // A modulated read visits every fractional position and every table row.
    let (rms_db, peak_db) = interpolation_error(fs, 0.25, 1000.3, 1.0, 2.0);
    report.push(format!("0.25·fs, modulated 1 ms @ 2 Hz: rms {rms_db:.1} dB, peak {peak_db:.1} dB"));
    assert!(rms_db < -80.0 && peak_db < -80.0, "{}", report.last().unwrap());
    eprintln!("{}", report.join("\n"));
}

#[test]
fn interpolation_kernel_matches_scipy_design() {
    let mut table = SincTable::new();
    table.design();
    let rows = read_csv("delay_sinc_kernel_rows.csv");
    assert_eq!(rows.len(), 8 * INTERPOLATOR_TAPS);
    for r in rows {
        let (phase, tap, c) = (r[0] as usize, r[1] as usize, r[2]);
        assert!(phase <= INTERPOLATOR_PHASES);
        let got = table.row(phase)[tap] as f64;
        assert!((got - c).abs() < 2e-7, "phase {phase} tap {tap}: {got} vs {c}");
    }
}

// ---------------------------------------------------------------------------------------------
// Feedback at 100 % and the loop filters.

/// Per-period RMS of a loop filled with one period of a sine and left to recirculate for 30 s.
fn hold_levels(fs: f64, delay: f64, depth_ms: f32) -> (Vec<f64>, Vec<f64>) {
    let s = DelaySettings {
        time_ms: ms_for(delay, fs),
        feedback: 1.0,
        mod_depth_ms: depth_ms,
        mod_rate_hz: 0.7,
        ..clean()
    };
    let mut d = prepared(fs as f32, &s);
    assert_eq!(d.tail_samples(), None);
    let len = (30.0 * fs) as usize;
    let period = delay.round() as usize;
    // 1 kHz: a whole number of cycles in 100 ms, so the loop has no seam.
    let mut x = sine(period, 1000.0 / fs, 0.5);
    x.resize(len, 0.0);
    let (y, _) = render(&mut d, &x, &x, 256);
    let chunks: Vec<&[f32]> = y[period..].chunks_exact(period).collect();
    let levels = chunks.iter().map(|c| rms(c)).collect();
    let peaks = chunks.iter().map(|c| c.iter().fold(0.0f64, |m, &v| m.max(v.abs() as f64))).collect();
    (levels, peaks)
}

#[test]
fn full_feedback_with_flat_filters_holds_level_for_30_s() {
    // Integer time: the loop is an exact identity.
    let (levels, peaks) = hold_levels(48_000.0, 4800.0, 0.0);
    assert_eq!(levels.len(), 299);
    let first = levels[0];
    assert!((first - 0.5 / 2f64.sqrt()).abs() < 1e-3);
    for (i, &l) in levels.iter().enumerate() {
        assert!(db(l / first).abs() < 0.5, "period {i}: {:.3} dB", db(l / first));
        assert!(peaks[i] <= peaks[0], "grew at period {i}");
    }
    assert!(db(levels[298] / first).abs() < 1e-4);

    // Fractional time with wow: every pass goes through the interpolator.
    let (levels, _) = hold_levels(48_000.0, 4800.37, 2.0);
    let first = levels[0];
    let drift: Vec<f64> = levels.iter().map(|&l| db(l / first)).collect();
    let worst = drift.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
    let growth = drift.iter().cloned().fold(f64::MIN, f64::max);
    eprintln!("modulated hold: worst drift {worst:.4} dB, max above start {growth:.4} dB");
    assert!(worst < 0.5);
    assert!(growth < 0.05, "modulated loop grows: {growth} dB");
}

#[test]
fn loop_tone_matches_scipy_bilinear_one_poles() {
    let fs = 48_000.0;
    let reference = read_csv("delay_loop_tone_impulse.csv");
    let s = DelaySettings { time_ms: 100.0, low_cut_hz: 300.0, high_cut_hz: 3000.0, ..clean() };
    let mut d = prepared(fs, &s);
    let x = impulse(4800 + reference.len(), 0);
    let (y, _) = render(&mut d, &x, &x, 256);
    for r in &reference {
        let (n, h) = (r[0] as usize, r[1]);
        assert!((y[4800 + n] as f64 - h).abs() < 2e-6, "n={n}: {} vs {h}", y[4800 + n]);
    }
}

#[test]
fn freeze_recirculates_unchanged_and_ignores_input() {
    let fs = 48_000.0;
    let period = 4800;
    let s = DelaySettings {
        time_ms: 100.0,
        feedback: 0.3,
        low_cut_hz: 500.0,
        high_cut_hz: 2000.0,
        saturation: 1.0,
        ..clean()
    };
    let mut d = prepared(fs, &s);
    let x = sine(period * 2, 440.0 / fs as f64, 0.5);
    render(&mut d, &x, &x, 256);
    d.set_settings(&DelaySettings { freeze: true, ..s });
    assert_eq!(d.tail_samples(), None);
    // Loud noise while frozen must not enter the loop.
    let mut rng = Rng::new(7);
    let noise: Vec<f32> = (0..period * 40).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect();
    let (y, _) = render(&mut d, &noise, &noise, 256);
    // After the 20 ms freeze ramp plus one period, the output repeats exactly every period.
    let settled = period * 2;
    for n in settled + period..y.len() {
        assert_eq!(y[n], y[n - period], "frozen loop changed at {n}");
    }
    assert!(rms(&y[settled..]) > 0.05, "freeze lost the loop");
}

// ---------------------------------------------------------------------------------------------
// Time changes.

/// Runs a 997 Hz sine (not commensurate with any tested time, so a hard switch would jump)
/// through a schedule of settings changes and returns the output.
fn run_schedule(
    mode: TimeChangeMode,
    mix: f32,
    schedule: &dyn Fn(usize) -> Option<f32>,
    seconds: f64,
) -> (Vec<f32>, f64) {
    let fs = 48_000.0;
    let amplitude = 0.5;
    let len = (seconds * fs) as usize;
    let mut x = sine(len, 997.0 / fs, amplitude);
    // A 20 ms fade-in: the onset of an abruptly started sine, read at a fractional delay, would
    // ring (Gibbs) and blur the measurement of the time change itself.
    for (n, v) in x.iter_mut().take(960).enumerate() {
        *v *= (0.5 - 0.5 * (PI * n as f64 / 960.0).cos()) as f32;
    }
    let own = max_step(&x);
    let base = DelaySettings { time_ms: schedule(0).unwrap(), time_change: mode, mix, ..clean() };
    let mut d = prepared(fs as f32, &base);
    let mut y = x.clone();
    let mut r = x.clone();
    let block = 256;
    for start in (0..len).step_by(block) {
        if let Some(ms) = schedule(start) {
            assert_no_alloc(|| d.set_settings(&DelaySettings { time_ms: ms, ..base }));
        }
        let end = (start + block).min(len);
        assert_no_alloc(|| d.process(&mut y[start..end], &mut r[start..end]));
    }
    (y, own)
}

#[test]
fn time_changes_do_not_click_in_either_mode() {
    let fs = 48_000.0;
    let amplitude = 0.5;
    let fade = (CROSSFADE_MS as f64 * 1e-3 * fs).round();
    type Schedule = Box<dyn Fn(usize) -> Option<f32>>;
    // (name, schedule, does the time ever shorten?)
    let cases: Vec<(&str, Schedule, bool)> = vec![
        ("100→400 ms", Box::new(|n| Some(if n < 24_000 { 100.0 } else { 400.0 })), false),
        ("400→100 ms", Box::new(|n| Some(if n < 24_000 { 400.0 } else { 100.0 })), true),
        ("drag 100→1000 ms", Box::new(|n| Some((100.0 + (n / 256) as f32 * 3.0).min(1000.0))), false),
        ("wobble drag", Box::new(|n| Some(300.0 + 200.0 * ((n as f64 / 48_000.0) * 3.0).sin() as f32)), true),
        (
            "random jumps",
            Box::new(|n| {
                let mut rng = Rng::new(1 + (n / 14_400) as u64);
                Some(rng.in_range((1.0, 1500.0)))
            }),
            true,
        ),
    ];
    for (name, schedule, shortens) in &cases {
        for mode in TimeChangeMode::ALL {
            for mix in [1.0f32, 0.5] {
                let (y, own) = run_schedule(mode, mix, schedule.as_ref(), 3.0);
                let step = max_step(&y);
                // Bound for a click-free output (see the report):
                // - Crossfade: both heads play the input at its own pitch; the fade adds at most
                //   |Δweight|·|a − b| ≤ (π/2N)·2A per sample.
                // - Tape: the head speed 1 − v scales the signal's slope; it only exceeds 1 when
                //   the time shortens, by at most the glide-rate limit.
                let bound = match mode {
                    TimeChangeMode::Crossfade => own + PI * amplitude / fade,
                    TimeChangeMode::Tape => own * if *shortens { 1.0 + TAPE_MAX_GLIDE_RATE } else { 1.0 },
                } * (1.0 + 1e-4)
                    + 1e-6;
                eprintln!(
                    "{name:18} {mode:?} mix {mix}: max step {:.4} × input's own (bound {:.4})",
                    step / own,
                    bound / own
                );
                assert!(step <= bound, "{name} {mode:?} mix {mix}: step {step} > bound {bound} (own {own})");
            }
        }
    }
}

#[test]
fn a_hard_time_switch_would_fail_the_click_bound() {
    // Proves the bound above can fail: the same 997 Hz sine read at 100 ms then at 400 ms with no
    // glide or fade jumps by far more than its own slope.
    let fs = 48_000.0;
    let x = |n: f64| 0.5 * (TAU * 997.0 / fs * n).sin();
    let own = (0..48_000).map(|n| (x(n as f64) - x(n as f64 - 1.0)).abs()).fold(0.0, f64::max);
    // The switch can land anywhere in the sine's cycle: take the worst instant of one cycle.
    let jump = (24_000..24_048)
        .map(|n| n as f64)
        .map(|n| (x(n - 19_200.0) - x(n - 1.0 - 4_800.0)).abs())
        .fold(0.0, f64::max);
    assert!(jump > 2.0 * own, "{jump} vs {own}");
}

#[test]
fn switching_time_change_mode_mid_change_is_click_free() {
    let fs = 48_000.0;
    let len = 96_000;
    let x = sine(len, 997.0 / fs, 0.5);
    let own = max_step(&x);
    let base = DelaySettings { time_ms: 100.0, ..clean() };
    let mut d = prepared(fs as f32, &base);
    let (mut l, mut r) = (x.clone(), x.clone());
    for start in (0..len).step_by(128) {
        let s = match start {
            0..=23_999 => base,
            24_000..=28_799 => DelaySettings { time_ms: 400.0, time_change: TimeChangeMode::Tape, ..base },
            28_800..=31_999 => {
                DelaySettings { time_ms: 250.0, time_change: TimeChangeMode::Crossfade, ..base }
            }
            _ => DelaySettings { time_ms: 50.0, time_change: TimeChangeMode::Tape, ..base },
        };
        d.set_settings(&s);
        d.process(&mut l[start..start + 128], &mut r[start..start + 128]);
    }
    let step = max_step(&l);
    assert!(step <= own * (1.0 + TAPE_MAX_GLIDE_RATE) + 1e-3, "{step} vs own {own}");
}

// ---------------------------------------------------------------------------------------------
// Ducking.

#[test]
fn ducking_drops_by_the_amount_and_recovers_with_the_release() {
    let fs = 48_000.0;
    let amount = 12.0;
    let release_ms = 100.0;
    let delay = 48_000usize; // 1 s, so the echo outlasts the input by a second
    let s = DelaySettings { time_ms: 1000.0, duck_amount_db: amount, duck_release_ms: release_ms, ..clean() };
    let mut d = prepared(fs, &s);
    let loud_until = 96_000; // 2 s of 1 kHz at −6 dBFS (a whole number of cycles)
    let mut x = sine(loud_until, 1000.0 / fs as f64, 0.5);
    x.resize(loud_until + 48_000, 0.0);
    let (y, _) = render(&mut d, &x, &x, 256);
    // Per-sample wet gain: output over the exactly delayed input, where the input is not small.
    let gain_db = |n: usize| -> Option<f64> {
        let reference = x[n - delay] as f64;
        (reference.abs() > 0.2).then(|| db(y[n] as f64 / reference))
    };
    // While the input is loud (after the 5 ms attack has long settled): −12 dB.
    let loud: Vec<f64> = (72_000..96_000).filter_map(gain_db).collect();
    let mean = loud.iter().sum::<f64>() / loud.len() as f64;
    let spread = loud.iter().fold(0.0f64, |m, &g| m.max((g - mean).abs()));
    assert!((mean + amount as f64).abs() < 0.05, "ducked by {mean} dB");
    assert!(spread < 0.05, "ripple {spread} dB");
    // Recovery after the input stops: reduction(t) = amount·exp(−t/τ). Fit ln(reduction) vs t.
    let (mut st, mut sl, mut stt, mut stl, mut count) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for n in loud_until + 240..loud_until + 14_400 {
        if let Some(g) = gain_db(n) {
            let t = (n - loud_until) as f64 / fs as f64;
            let l = (-g).ln();
            st += t;
            sl += l;
            stt += t * t;
            stl += t * l;
            count += 1.0;
        }
    }
    let slope = (count * stl - st * sl) / (count * stt - st * st);
    let tau_ms = -1000.0 / slope;
    let intercept_db = ((sl - slope * st) / count).exp();
    eprintln!(
        "ducking: {mean:.3} dB while loud, recovery time constant {tau_ms:.2} ms, start {intercept_db:.2} dB"
    );
    assert!((tau_ms - release_ms as f64).abs() < 0.03 * release_ms as f64, "τ = {tau_ms} ms");
    assert!((intercept_db - amount as f64).abs() < 0.3);
    // Fully recovered after 8 time constants.
    let late: Vec<f64> = (loud_until + 40_000..loud_until + 48_000).filter_map(gain_db).collect();
    assert!(late.iter().all(|g| g.abs() < 0.01), "not recovered");
}

#[test]
fn quiet_input_is_not_ducked() {
    let fs = 48_000.0;
    let s = DelaySettings { time_ms: 100.0, duck_amount_db: 24.0, ..clean() };
    let mut d = prepared(fs, &s);
    let amplitude = 10f64.powf(-50.0 / 20.0);
    let x = sine(24_000, 1000.0 / fs as f64, amplitude);
    let (y, _) = render(&mut d, &x, &x, 256);
    for n in 10_000..24_000 {
        assert!((y[n] - x[n - 4800]).abs() <= 1e-7 * amplitude as f32 + 1e-12);
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness.

fn random_settings(rng: &mut Rng) -> DelaySettings {
    DelaySettings {
        time_ms: rng.log_range(TIME_MS_RANGE),
        sync: rng.coin(),
        note: NoteValue::ALL[rng.below(NoteValue::ALL.len())],
        note_modifier: NoteModifier::ALL[rng.below(3)],
        stereo_offset_ms: rng.in_range(STEREO_OFFSET_MS_RANGE),
        ping_pong: rng.coin(),
        // Bias towards the dangerous end: a third of the blocks at exactly 100 %.
        feedback: if rng.below(3) == 0 { 1.0 } else { rng.in_range(FEEDBACK_RANGE) },
        low_cut_hz: if rng.coin() { LOW_CUT_HZ_RANGE.0 } else { rng.log_range(LOW_CUT_HZ_RANGE) },
        high_cut_hz: if rng.coin() { HIGH_CUT_HZ_RANGE.1 } else { rng.log_range(HIGH_CUT_HZ_RANGE) },
        saturation: if rng.coin() { 0.0 } else { rng.in_range(SATURATION_RANGE) },
        time_change: TimeChangeMode::ALL[rng.below(2)],
        mod_rate_hz: rng.log_range(MOD_RATE_HZ_RANGE),
        mod_depth_ms: rng.in_range(MOD_DEPTH_MS_RANGE),
        duck_amount_db: rng.in_range(DUCK_AMOUNT_DB_RANGE),
        duck_release_ms: rng.log_range(DUCK_RELEASE_MS_RANGE),
        freeze: rng.below(8) == 0,
        mix: rng.in_range(MIX_RANGE),
    }
}

#[test]
fn every_parameter_randomized_per_block_stays_bounded_and_finite() {
    // The interpolator can overshoot its input by at most the sum of |taps| of a row.
    let mut table = SincTable::new();
    table.design();
    let overshoot = (0..=INTERPOLATOR_PHASES)
        .map(|p| table.row(p).iter().map(|c| c.abs()).sum::<f32>())
        .fold(0.0f32, f32::max);
    let input_peak = 4.0f32; // +12 dBFS: louder than any sane input
    let bound = input_peak.max(SAFETY_CEILING * overshoot) * 1.0001;

    for &(fs, seconds) in &[(8_000.0f32, 30.0), (44_100.0, 40.0), (96_000.0, 15.0), (384_000.0, 4.0)] {
        let mut rng = Rng::new(fs as u64);
        let mut d = Delay::new();
        d.prepare(fs, 1024);
        let total = (fs * seconds) as usize;
        let mut done = 0;
        let (mut l, mut r) = (vec![0.0f32; 1024], vec![0.0f32; 1024]);
        let mut worst = 0.0f32;
        while done < total {
            let n = 1 + rng.below(1024);
            let s = random_settings(&mut rng);
            let bpm = 40.0 + rng.unit() * 200.0;
            assert_no_alloc(|| {
                d.set_tempo(bpm);
                d.set_settings(&s)
            });
            // Loud noise, a loud sine, or silence; the same or different on each side.
            let kind = rng.below(4);
            let level = input_peak * rng.unit() as f32;
            let f = rng.unit() * 0.5;
            for i in 0..n {
                let (a, b) = match kind {
                    0 => ((rng.unit() * 2.0 - 1.0) as f32 * level, (rng.unit() * 2.0 - 1.0) as f32 * level),
                    1 => {
                        let v = level * (TAU * f * (done + i) as f64).sin() as f32;
                        (v, v)
                    }
                    2 => ((rng.unit() * 2.0 - 1.0) as f32 * level, 0.0),
                    _ => (0.0, 0.0),
                };
                l[i] = a;
                r[i] = b;
            }
            assert_no_alloc(|| d.process(&mut l[..n], &mut r[..n]));
            for &v in l[..n].iter().chain(&r[..n]) {
                assert!(v.is_finite(), "non-finite output at {fs} Hz");
                assert!(v == 0.0 || v.is_normal(), "subnormal output at {fs} Hz");
                worst = worst.max(v.abs());
            }
            assert!(worst <= bound, "{fs} Hz: |y| = {worst} > {bound}");
            let _ = d.tail_samples();
            done += n;
        }
        eprintln!("{fs} Hz: {seconds} s randomized, peak |y| = {worst:.3} (bound {bound:.3})");
    }
}

#[test]
fn silence_decays_to_exact_zero_without_subnormals() {
    let fs = 48_000.0;
    let s = DelaySettings {
        time_ms: 20.0,
        feedback: 0.7,
        low_cut_hz: 80.0,
        high_cut_hz: 6000.0,
        saturation: 0.5,
        mod_depth_ms: 3.0,
        mod_rate_hz: 5.0,
        duck_amount_db: 6.0,
        ping_pong: true,
        mix: 0.5,
        ..DelaySettings::default()
    };
    let mut d = prepared(fs, &s);
    let mut rng = Rng::new(3);
    let len = 48_000 * 10;
    let x: Vec<f32> =
        (0..len).map(|n| if n < 4800 { (rng.unit() * 2.0 - 1.0) as f32 } else { 0.0 }).collect();
    let (l, r) = render(&mut d, &x, &x, 512);
    for &v in l.iter().chain(&r) {
        assert!(v == 0.0 || v.is_normal(), "subnormal {v:e}");
    }
    let last_nonzero = l.iter().zip(&r).rposition(|(&a, &b)| a != 0.0 || b != 0.0).unwrap_or(0);
    eprintln!("last non-zero output sample at {:.2} s", last_nonzero as f64 / fs as f64);
    assert!(
        l[len - 48_000..].iter().chain(&r[len - 48_000..]).all(|&v| v == 0.0),
        "tail never reached exact zero"
    );
}

#[test]
fn tail_samples_covers_the_echoes_down_to_minus_90_db() {
    let fs = 48_000.0;
    for &(feedback, time_ms, low, high) in &[
        (0.5f32, 100.0f32, 20.0f32, 20_000.0f32),
        (0.8, 30.0, 20.0, 20_000.0),
        (0.0, 250.0, 20.0, 20_000.0),
        (0.6, 50.0, 400.0, 1500.0),
    ] {
        let s = DelaySettings { time_ms, feedback, low_cut_hz: low, high_cut_hz: high, ..clean() };
        let mut d = prepared(fs, &s);
        let tail = d.tail_samples().expect("finite tail") as usize;
        let x = impulse(tail * 2, 0);
        let (y, _) = render(&mut d, &x, &x, 512);
        let floor = 10f64.powf(TAIL_FLOOR_DB / 20.0);
        let last_audible = y.iter().rposition(|&v| v.abs() as f64 > floor).unwrap();
        eprintln!("fb {feedback}, {time_ms} ms: tail {tail}, last sample above −90 dB at {last_audible}");
        assert!(last_audible <= tail, "tail {tail} too short: {last_audible}");
        if low == LOW_CUT_HZ_RANGE.0 && high == HIGH_CUT_HZ_RANGE.1 {
            // With flat filters the estimate is tight (filters only make the real tail shorter).
            assert!(tail <= last_audible * 3 / 2 + 10_000, "tail {tail} far too long: {last_audible}");
        }
    }
    let mut d = prepared(fs, &DelaySettings { feedback: 1.0, ..clean() });
    assert_eq!(d.tail_samples(), None);
    d.set_settings(&DelaySettings { feedback: 0.2, freeze: true, ..clean() });
    assert_eq!(d.tail_samples(), None);
}

#[test]
fn dry_only_mix_is_transparent_and_empty_blocks_are_fine() {
    let fs = 44_100.0;
    let mut d = prepared(fs, &DelaySettings { mix: 0.0, feedback: 0.9, ..DelaySettings::default() });
    let mut rng = Rng::new(11);
    let x: Vec<f32> = (0..20_000).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect();
    let (l, r) = render(&mut d, &x, &x, 100);
    assert_eq!(l, x);
    assert_eq!(r, x);
    assert_no_alloc(|| d.process(&mut [], &mut []));
    // An unprepared delay passes audio through untouched.
    let mut fresh = Delay::new();
    let (l, _) = render(&mut fresh, &x, &x, 100);
    assert_eq!(l, x);
}

#[test]
fn reset_clears_the_loop_and_first_settings_snap() {
    let fs = 48_000.0;
    let mut d = prepared(fs, &DelaySettings { time_ms: 10.0, feedback: 0.9, ..clean() });
    let x = impulse(2000, 0);
    render(&mut d, &x, &x, 64);
    d.reset();
    // After reset the first settings jump: no ramp from 10 ms, no stale echoes.
    d.set_settings(&DelaySettings { time_ms: 20.0, feedback: 0.5, ..clean() });
    let (y, _) = render(&mut d, &x, &x, 64);
    assert_eq!(y.iter().position(|&v| v != 0.0), Some(960));
    assert_eq!(y[960], 1.0);
    assert_eq!(y[1920], 0.5);
}
