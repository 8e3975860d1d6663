//! Measurements of the reverb stage: decay per octave band, multipliers, echo density, IACC,
//! freeze, stability, click-free parameter changes, denormals, allocation-free processing.
//!
//! Print the tables with `cargo test --test reverb -- --nocapture`.

mod acoustics;

use acoustics::room_acoustics::{decay_time, echo_density, iacc, octave_band, schroeder_db, t30};
use acoustics::{impulse_response, prepared, run, wet, Rng, BLOCK};
use runnel_engine::reverb::*;

// Allocation check: nice-plug's `assert_process_allocs` installs an allocator in every test
// binary that aborts on any allocation inside `assert_no_alloc` (tests/plugin_process.rs proves
// it fires).
use nice_assert_no_alloc::assert_no_alloc;

// ---------------------------------------------------------------------------------------------
// The analysis module is checked against signals whose answers are known analytically.

/// Gaussian noise shaped by `exp(−6.91·t/T60)`: its T30 is `T60` by construction.
fn synthetic_decay(t60: f64, fs: f64, seconds: f64, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let k = (10f64).ln() * 3.0 / t60; // amplitude falls 60 dB in t60
    (0..(seconds * fs) as usize).map(|i| rng.gaussian() * (-k * i as f64 / fs).exp()).collect()
}

#[test]
fn analysis_t30_of_synthetic_exponential_decay() {
    for (seed, &t60) in [0.3, 1.0, 3.0].iter().enumerate() {
        let h = synthetic_decay(t60, 48_000.0, t60 * 1.2, seed as u64 + 1);
        let t = t30(&h, 48_000.0).unwrap();
        assert!((t / t60 - 1.0).abs() < 0.02, "{t} vs {t60}");
    }
}

#[test]
fn analysis_octave_bands_separate_band_decays() {
    // A sum of three band-limited decays (via the band filter itself applied to noise with
    // different decay rates): each band must report its own decay.
    // Averaged over 8 realisations (energy-averaged decay curves), because a single
    // narrow-band decay scatters by several percent (see analysis_single_response_t30_scatter).
    let fs = 48_000.0;
    for (fc, expect) in [(125.0, 2.0), (1000.0, 1.0), (8000.0, 0.4)] {
        let mut energy = vec![0.0; (2.4 * fs) as usize];
        for seed in 0..8 {
            let lo = octave_band(&synthetic_decay(2.0, fs, 2.4, 11 + 3 * seed), fs, 125.0);
            let mid = octave_band(&synthetic_decay(1.0, fs, 2.4, 12 + 3 * seed), fs, 1000.0);
            let hi = octave_band(&synthetic_decay(0.4, fs, 2.4, 13 + 3 * seed), fs, 8000.0);
            let sum: Vec<f64> = (0..lo.len()).map(|i| lo[i] + mid[i] + hi[i]).collect();
            let band = octave_band(&sum, fs, fc);
            let mut acc = 0.0;
            for i in (0..band.len()).rev() {
                acc += band[i] * band[i];
                energy[i] += acc;
            }
        }
        let edc: Vec<f64> = energy.iter().map(|e| 10.0 * (e / energy[0]).log10()).collect();
        let t = decay_time(&edc, fs, -5.0, -35.0).unwrap();
        assert!((t / expect - 1.0).abs() < 0.04, "{fc} Hz: {t} vs {expect}");
    }
}

#[test]
fn analysis_echo_density_of_noise_and_sparse_clicks() {
    let fs = 48_000.0;
    let noise = synthetic_decay(1e9, fs, 0.5, 5);
    let dense = echo_density(&noise, fs, 0.005);
    let mean = dense.iter().map(|d| d.1).sum::<f64>() / dense.len() as f64;
    assert!((mean - 1.0).abs() < 0.05, "noise: {mean}");
    let mut clicks = vec![0.0; 24_000];
    for i in (0..clicks.len()).step_by(480) {
        clicks[i] = 1.0; // 100 echoes per second: sparse
    }
    let sparse = echo_density(&clicks, fs, 0.005);
    assert!(sparse.iter().all(|d| d.1 < 0.2), "clicks are sparse");
}

#[test]
fn analysis_iacc_of_identical_and_independent_signals() {
    let fs = 48_000.0;
    let a = synthetic_decay(1e9, fs, 0.5, 21);
    let b = synthetic_decay(1e9, fs, 0.5, 22);
    assert!((iacc(&a, &a, fs, 0.001) - 1.0).abs() < 1e-12);
    let neg: Vec<f64> = a.iter().map(|v| -v).collect();
    assert!((iacc(&a, &neg, fs, 0.001) - 1.0).abs() < 1e-12);
    assert!(iacc(&a, &b, fs, 0.001) < 0.05);
    let delayed: Vec<f64> = (0..a.len()).map(|i| if i >= 20 { a[i - 20] } else { 0.0 }).collect();
    assert!(iacc(&a, &delayed, fs, 0.001) > 0.99, "finds a 0.4 ms lag");
}

// ---------------------------------------------------------------------------------------------
// Decay.
//
// One impulse response gives a T30 with a statistical scatter set by bandwidth × decay
// (ISO 3382-2: σ(T30)/T ≈ 0.55·√(1/(B·T)); 5–6 % for the 500 Hz octave at 0.3 s, as
// `analysis_single_response_t30_scatter` shows on ideal exponential noise). ISO 3382 therefore
// averages source/receiver positions. The reverb has four independent paths — left and right
// input (source positions) to left and right output (receivers) — and the decay tests use the
// energy average of their Schroeder curves. Each single path is printed and held to ±15 %.

/// The four source→receiver impulse responses: L→L, L→R, R→L, R→R.
fn four_paths(settings: &ReverbSettings, fs: f32, seconds: f64) -> Vec<Vec<f64>> {
    let n = (seconds * fs as f64).round() as usize;
    let mut out = Vec::new();
    for source in 0..2 {
        let mut reverb = prepared(settings, fs);
        let mut l = vec![0.0f32; n];
        let mut r = vec![0.0f32; n];
        if source == 0 {
            l[0] = 1.0;
        } else {
            r[0] = 1.0;
        }
        let (a, b) = run(&mut reverb, &l, &r);
        out.push(a.iter().map(|&v| v as f64).collect());
        out.push(b.iter().map(|&v| v as f64).collect());
    }
    out
}

/// T30 (s) of one band: from the energy-averaged Schroeder curve of all paths, and per path.
/// `band == None` means broadband.
fn band_decay(paths: &[Vec<f64>], fs: f64, band: Option<f64>) -> (f64, Vec<f64>) {
    let filtered: Vec<Vec<f64>> =
        paths.iter().map(|h| band.map_or_else(|| h.clone(), |b| octave_band(h, fs, b))).collect();
    let singles = filtered.iter().map(|h| t30(h, fs).expect("path reaches −35 dB")).collect();
    let n = filtered[0].len();
    let mut energy = vec![0.0; n];
    for h in &filtered {
        let mut acc = 0.0;
        for i in (0..n).rev() {
            acc += h[i] * h[i];
            energy[i] += acc;
        }
    }
    let edc: Vec<f64> = energy.iter().map(|e| 10.0 * (e / energy[0]).max(1e-300).log10()).collect();
    (decay_time(&edc, fs, -5.0, -35.0).expect("average reaches −35 dB"), singles)
}

/// Length of impulse response needed to see a `t60` decay through −35 dB with the Schroeder
/// integral barely truncated (≈ −55 dB at the end), after the network's first trips.
fn ir_seconds(t60: f64, settings: &ReverbSettings) -> f64 {
    0.92 * t60 + settings.mean_line_seconds() as f64 * 2.0 + 0.15
}

/// The late reverb alone: wet only, no early reflections (a separate section with its own
/// level, whose fixed-pattern energy would otherwise front-load the decay curve).
fn late(decay_s: f32) -> ReverbSettings {
    ReverbSettings { early_level: 0.0, ..wet(decay_s) }
}

#[test]
fn analysis_single_response_t30_scatter() {
    // Why single responses are not enough at short decays: ideal exponential noise, 500 Hz
    // octave, 0.3 s, 16 realisations → the spread of T30 is several percent.
    let fs = 48_000.0;
    let t: Vec<f64> = (0..16)
        .map(|seed| {
            t30(&octave_band(&synthetic_decay(0.3, fs, 0.6, 300 + seed), fs, 500.0), fs).unwrap() / 0.3
        })
        .collect();
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let sd = (t.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (t.len() - 1) as f64).sqrt();
    println!("\nideal 0.3 s decay, 500 Hz octave, single responses: mean {mean:.3}, sd {:.1} %", sd * 100.0);
    assert!((mean - 1.0).abs() < 0.03 && sd > 0.025 && sd < 0.10);
}

#[test]
fn t30_in_mid_octave_bands_within_5_percent() {
    println!(
        "\nT30 per octave band (late reverb, default settings otherwise), 4-path average [single paths]:"
    );
    println!("| fs (Hz) | decay (s) | 500 Hz (s) | 1 kHz (s) | 2 kHz (s) | worst avg error | worst single |");
    println!("|---|---|---|---|---|---|---|");
    let mut failures = Vec::new();
    for &fs in &[44_100.0f32, 48_000.0, 96_000.0] {
        for &decay in &[0.3f32, 1.0, 3.0, 10.0] {
            let s = late(decay);
            let paths = four_paths(&s, fs, ir_seconds(decay as f64, &s));
            let mut row = format!("| {fs} | {decay} |");
            let (mut worst, mut worst_single): (f64, f64) = (0.0, 0.0);
            for band in [500.0, 1000.0, 2000.0] {
                let (avg, singles) = band_decay(&paths, fs as f64, Some(band));
                let err = avg / decay as f64 - 1.0;
                if err.abs() > worst.abs() {
                    worst = err;
                }
                if err.abs() > 0.05 {
                    failures.push(format!("{fs} Hz, decay {decay} s, {band} Hz: average T30 {avg:.3} s"));
                }
                for t in &singles {
                    let e = t / decay as f64 - 1.0;
                    if e.abs() > worst_single.abs() {
                        worst_single = e;
                    }
                    if e.abs() > 0.15 {
                        failures
                            .push(format!("{fs} Hz, decay {decay} s, {band} Hz: single path T30 {t:.3} s"));
                    }
                }
                let list: Vec<String> = singles.iter().map(|t| format!("{t:.3}")).collect();
                row += &format!(" **{avg:.3}** [{}] |", list.join(" "));
            }
            println!("{row} {:+.1} % | {:+.1} % |", worst * 100.0, worst_single * 100.0);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn t30_with_default_early_reflections_for_information() {
    // Not a requirement: shows how the default early reflections (a fixed pattern, level 0.5)
    // front-load the decay curve of very short decays. Asserted only loosely from 1 s up.
    println!("\nT30 at 1 kHz with the default early reflections (48 kHz, 4-path average):");
    for &decay in &[0.3f32, 1.0, 3.0] {
        let s = wet(decay);
        let (avg, _) =
            band_decay(&four_paths(&s, 48_000.0, ir_seconds(decay as f64, &s)), 48_000.0, Some(1000.0));
        println!("  decay {decay} s → T30 {avg:.3} s ({:+.1} %)", (avg / decay as f64 - 1.0) * 100.0);
        if decay >= 1.0 {
            assert!((avg / decay as f64 - 1.0).abs() < 0.15);
        }
    }
}

#[test]
fn low_and_high_multipliers_set_125_hz_and_8_khz_decay_within_15_percent() {
    println!("\nLow/high multipliers (decay 2 s, late reverb), 4-path average T30:");
    println!(
        "| fs | low mult | low xover | high mult | high xover | 125 Hz T30 (target) | 8 kHz T30 (target) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let decay = 2.0f32;
    for &fs in &[44_100.0f32, 48_000.0, 96_000.0] {
        // Crossovers one octave beyond the measured bands' edges, so each band sits on its
        // plateau: 125 Hz band ends at 177 Hz (low crossover 354 Hz), 8 kHz band starts at
        // 5.66 kHz (high crossover 2.83 kHz). A wider setting is also checked.
        for &(lm, lx, hm, hx) in
            &[(2.0f32, 354.0f32, 0.4f32, 2830.0f32), (0.5, 354.0, 0.25, 2830.0), (3.0, 500.0, 0.2, 2000.0)]
        {
            let s = ReverbSettings {
                low_mult: lm,
                low_crossover_hz: lx,
                high_mult: hm,
                high_crossover_hz: hx,
                ..late(decay)
            };
            let paths = four_paths(&s, fs, ir_seconds((decay * lm.max(1.0)) as f64, &s));
            let (low, low_singles) = band_decay(&paths, fs as f64, Some(125.0));
            let (high, high_singles) = band_decay(&paths, fs as f64, Some(8000.0));
            let (lt, ht) = ((decay * lm) as f64, (decay * hm) as f64);
            println!("| {fs} | {lm} | {lx} | {hm} | {hx} | {low:.3} ({lt:.2}) | {high:.3} ({ht:.2}) |");
            assert!((low / lt - 1.0).abs() < 0.15, "125 Hz: {low} vs {lt}");
            assert!((high / ht - 1.0).abs() < 0.15, "8 kHz: {high} vs {ht}");
            for t in low_singles {
                assert!((t / lt - 1.0).abs() < 0.25, "single path 125 Hz: {t} vs {lt}");
            }
            for t in high_singles {
                assert!((t / ht - 1.0).abs() < 0.25, "single path 8 kHz: {t} vs {ht}");
            }
        }
    }
}

#[test]
fn broadband_t30_within_15_percent_at_1_and_5_seconds() {
    // The foundation issue's check, on the centred-source response (impulse on both inputs),
    // each output channel on its own, early reflections included. Damping neutral (high
    // multiplier 1): a broadband T30 of a white impulse is dominated by the wide 6–20 kHz
    // region, so with the default damping (0.5 above 6 kHz) it reports the damped decay, not
    // the decay setting; that value is printed for information.
    for &decay in &[1.0f32, 5.0] {
        let damped = wet(decay);
        let ir = impulse_response(&damped, 48_000.0, ir_seconds(decay as f64, &damped));
        println!(
            "broadband T30 with default damping, decay {decay} s: {:.3} s (for information)",
            t30(&ir.0, 48_000.0).unwrap()
        );
        let s = ReverbSettings { high_mult: 1.0, ..wet(decay) };
        let ir = impulse_response(&s, 48_000.0, ir_seconds(decay as f64, &s));
        for (name, ch) in [("left", &ir.0), ("right", &ir.1)] {
            let t = t30(ch, 48_000.0).unwrap();
            println!("broadband T30, decay {decay} s, {name}: {t:.3} s");
            assert!((t / decay as f64 - 1.0).abs() < 0.15, "{name}: {t} vs {decay}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Density and stereo image.

#[test]
fn echo_density_reaches_0_9_within_100_ms_at_default_size() {
    let fs = 48_000.0;
    let s = wet(DECAY_S_DEFAULT);
    let (l, r) = impulse_response(&s, fs, 0.5);
    for (name, h) in [("left", &l), ("right", &r)] {
        let onset = h.iter().position(|v| v.abs() > 1e-6).unwrap() as f64 / fs as f64;
        let profile = echo_density(h, fs as f64, 0.001);
        let reached = profile.iter().find(|(t, d)| *t >= onset && *d >= 0.9).map(|(t, _)| t - onset);
        let at = |ms: f64| profile.iter().find(|(t, _)| *t >= onset + ms / 1000.0).unwrap().1;
        println!(
            "echo density {name}: onset {:.1} ms after the impulse; ≥ 0.9 after {:.1} ms; at 25/50/100/200 ms: {:.2} {:.2} {:.2} {:.2}",
            onset * 1000.0,
            reached.unwrap_or(f64::NAN) * 1000.0,
            at(25.0),
            at(50.0),
            at(100.0),
            at(200.0)
        );
        let reached = reached.expect("density reaches 0.9");
        assert!(reached <= 0.100, "{name}: {reached}");
        // And it stays dense afterwards (no sparse late tail).
        assert!(profile.iter().filter(|(t, _)| *t > onset + 0.15).all(|(_, d)| *d > 0.8));
    }
}

/// IACC of the late tail (80 ms after the onset until the decay curve reaches −30 dB).
fn late_iacc(width: f32) -> f64 {
    let fs = 48_000.0;
    let s = ReverbSettings { width, ..wet(DECAY_S_DEFAULT) };
    let (l, r) = impulse_response(&s, fs, 2.0);
    let onset = l.iter().position(|v| v.abs() > 1e-6).unwrap();
    let start = onset + (0.080 * fs as f64) as usize;
    let edc = schroeder_db(&l);
    let end = edc.iter().position(|&v| v < -30.0).unwrap();
    iacc(&l[start..end], &r[start..end], fs as f64, 0.001)
}

#[test]
fn iacc_of_late_tail_follows_width() {
    let wide = late_iacc(1.0);
    let mono = late_iacc(0.0);
    let extra = late_iacc(1.5);
    println!("late-tail IACC: width 0 % → {mono:.3}, 100 % → {wide:.3}, 150 % → {extra:.3}");
    assert!(wide <= 0.3, "{wide}");
    assert!(mono >= 0.95, "{mono}");
}

// ---------------------------------------------------------------------------------------------
// Freeze.

#[test]
fn freeze_holds_level_for_60_seconds_and_never_grows() {
    let fs = 48_000.0f32;
    let mut s = wet(DECAY_S_DEFAULT);
    let mut reverb = prepared(&s, fs);
    let mut rng = Rng::new(42);
    let mut l = vec![0.0f32; BLOCK];
    let mut r = vec![0.0f32; BLOCK];
    let feed = |reverb: &mut Reverb, rng: &mut Rng, l: &mut Vec<f32>, r: &mut Vec<f32>| {
        for i in 0..BLOCK {
            l[i] = 0.3 * rng.gaussian() as f32;
            r[i] = 0.3 * rng.gaussian() as f32;
        }
        reverb.process(l, r);
    };
    // 1 s of noise, then freeze while the noise keeps coming (it must be muted).
    for _ in 0..(fs as usize / BLOCK) {
        feed(&mut reverb, &mut rng, &mut l, &mut r);
    }
    s.freeze = true;
    reverb.set_settings(&s);
    assert_eq!(reverb.tail_samples(), None, "frozen tail is infinite");
    // Let the 50 ms freeze ramp finish.
    for _ in 0..(0.2 * fs) as usize / BLOCK {
        feed(&mut reverb, &mut rng, &mut l, &mut r);
    }
    let reference = reverb.stored_energy();
    let blocks_per_second = fs as usize / BLOCK;
    let mut window = 0.0f64;
    let mut window_rms = Vec::new();
    let mut max_ratio: f64 = 0.0;
    let mut min_ratio: f64 = f64::MAX;
    for block in 0..60 * blocks_per_second {
        feed(&mut reverb, &mut rng, &mut l, &mut r);
        window += l.iter().chain(r.iter()).map(|&v| (v as f64).powi(2)).sum::<f64>();
        let ratio = reverb.stored_energy() / reference;
        max_ratio = max_ratio.max(ratio);
        min_ratio = min_ratio.min(ratio);
        if (block + 1) % blocks_per_second == 0 {
            window_rms.push(10.0 * (window / (2 * blocks_per_second * BLOCK) as f64).log10());
            window = 0.0;
        }
    }
    let first = window_rms[0];
    let spread =
        window_rms.iter().map(|v| v - first).fold((0.0f64, 0.0f64), |(lo, hi), d| (lo.min(d), hi.max(d)));
    println!(
        "freeze, 60 s: stored energy {:+.5} … {:+.5} dB of its start; output level per second {:+.3} … {:+.3} dB",
        10.0 * min_ratio.log10(),
        10.0 * max_ratio.log10(),
        spread.0,
        spread.1
    );
    assert!(10.0 * max_ratio.log10() < 0.001, "stored energy grew");
    assert!(10.0 * min_ratio.log10() > -0.5, "stored energy fell");
    assert!(spread.0 > -0.5 && spread.1 < 0.5, "output level moved: {spread:?}");
}

// ---------------------------------------------------------------------------------------------
// Robustness.

/// Every parameter drawn from its range (or forced to an end of it when `extremes`).
fn random_settings(rng: &mut Rng, extremes: bool) -> ReverbSettings {
    let mut pick = |range: (f32, f32)| {
        if extremes {
            if rng.unit() < 0.5 {
                range.0
            } else {
                range.1
            }
        } else {
            rng.uniform(range.0 as f64, range.1 as f64) as f32
        }
    };
    ReverbSettings {
        decay_s: pick(DECAY_S_RANGE),
        size_m: pick(SIZE_M_RANGE),
        pre_delay_ms: pick(PRE_DELAY_MS_RANGE),
        low_mult: pick(LOW_MULT_RANGE),
        low_crossover_hz: pick(LOW_CROSSOVER_HZ_RANGE),
        high_mult: pick(HIGH_MULT_RANGE),
        high_crossover_hz: pick(HIGH_CROSSOVER_HZ_RANGE),
        early_level: pick(EARLY_LEVEL_RANGE),
        early_size_m: pick(EARLY_SIZE_M_RANGE),
        mod_rate_hz: pick(MOD_RATE_HZ_RANGE),
        mod_depth_ms: pick(MOD_DEPTH_MS_RANGE),
        width: pick(WIDTH_RANGE),
        low_cut_hz: pick(LOW_CUT_HZ_RANGE),
        high_cut_hz: pick(HIGH_CUT_HZ_RANGE),
        freeze: pick((0.0, 1.0)) > 0.5,
        mix: pick(MIX_RANGE),
        mix_law: MixLaw::ALL[(pick((0.0, 1.0)) > 0.5) as usize],
    }
}

/// Checks a block of output: finite, bounded, never subnormal.
fn check_block(l: &[f32], r: &[f32], bound: f32, context: &str) {
    for &v in l.iter().chain(r) {
        assert!(v.is_finite(), "{context}: non-finite output");
        assert!(v.abs() < bound, "{context}: |{v}| ≥ {bound}");
        assert!(v == 0.0 || v.abs() >= f32::MIN_POSITIVE, "{context}: subnormal output {v:e}");
    }
}

#[test]
fn stable_at_every_extreme_and_under_random_automation() {
    // Full-scale noise in; the output of a stable network stays within a fixed bound (the
    // loudest legal setting, 30 s × low mult 4 on full-scale noise, peaks around 20).
    const BOUND: f32 = 200.0;
    let mut rng = Rng::new(7);
    for &fs in &[8_000.0f32, 44_100.0, 96_000.0, 192_000.0, 384_000.0] {
        let mut reverb = Reverb::new();
        let max_block = 1024;
        reverb.prepare(fs, max_block);
        let mut l = vec![0.0f32; max_block];
        let mut r = vec![0.0f32; max_block];
        // 1) every-parameter-at-an-end corners, 0.25 s each, switched abruptly.
        for corner in 0..48 {
            let s = random_settings(&mut rng, true);
            reverb.set_settings(&s);
            for _ in 0..((0.25 * fs) as usize / max_block).max(1) {
                for i in 0..max_block {
                    l[i] = rng.uniform(-1.0, 1.0) as f32;
                    r[i] = rng.uniform(-1.0, 1.0) as f32;
                }
                reverb.process(&mut l, &mut r);
                check_block(&l, &r, BOUND, &format!("{fs} Hz corner {corner}: {s:?}"));
            }
        }
        // 2) random values and random block sizes (including 0 and 1), new settings per block.
        let seconds = if fs > 100_000.0 { 4.0 } else { 20.0 };
        let mut done = 0usize;
        while done < (seconds * fs) as usize {
            let n = match rng.int(0, 9) {
                0 => 0,
                1 => 1,
                _ => rng.int(2, max_block),
            };
            let extremes = rng.unit() < 0.2;
            let s = random_settings(&mut rng, extremes);
            reverb.set_settings(&s);
            for i in 0..n {
                l[i] = rng.uniform(-1.0, 1.0) as f32;
                r[i] = rng.uniform(-1.0, 1.0) as f32;
            }
            reverb.process(&mut l[..n], &mut r[..n]);
            check_block(&l[..n], &r[..n], BOUND, &format!("{fs} Hz random: {s:?}"));
            done += n;
        }
        // 3) the loudest corner held for a long run: bounded, not creeping up.
        let loud = ReverbSettings {
            decay_s: 30.0,
            low_mult: 4.0,
            size_m: 2.0,
            mix: 1.0,
            freeze: false,
            ..ReverbSettings::default()
        };
        reverb.set_settings(&loud);
        let mut peak_per_second = Vec::new();
        for _ in 0..8 {
            let mut peak = 0.0f32;
            for _ in 0..(fs as usize / max_block) {
                for i in 0..max_block {
                    l[i] = rng.uniform(-1.0, 1.0) as f32;
                    r[i] = rng.uniform(-1.0, 1.0) as f32;
                }
                reverb.process(&mut l, &mut r);
                check_block(&l, &r, BOUND, &format!("{fs} Hz loudest corner"));
                peak = l.iter().chain(&r).fold(peak, |p, v| p.max(v.abs()));
            }
            peak_per_second.push(peak);
        }
        println!("{fs} Hz, loudest corner, peak per second: {peak_per_second:.1?}");
    }
}

#[test]
fn process_and_set_settings_never_allocate() {
    let mut rng = Rng::new(99);
    let mut reverb = Reverb::new();
    reverb.prepare(48_000.0, 512);
    let mut l = vec![0.0f32; 512];
    let mut r = vec![0.0f32; 512];
    let settings: Vec<ReverbSettings> = (0..400).map(|i| random_settings(&mut rng, i % 3 == 0)).collect();
    let noise: Vec<f32> = (0..512).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
    assert_no_alloc(|| {
        for s in &settings {
            reverb.set_settings(s);
            l.copy_from_slice(&noise);
            r.copy_from_slice(&noise);
            reverb.process(&mut l, &mut r);
            let _ = reverb.tail_samples();
        }
        reverb.reset();
    });
}

#[test]
fn decaying_tail_reaches_exact_zero_without_subnormals() {
    // A tail decaying into silence must end in exact zeros (flushed state), never in
    // subnormal numbers that slow the CPU down.
    let fs = 48_000.0;
    let s = wet(0.3);
    let mut reverb = prepared(&s, fs);
    let n = 6 * fs as usize;
    let mut l = vec![0.0f32; n];
    l[0] = 1.0;
    let mut r = l.clone();
    for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
        reverb.process(cl, cr);
        check_block(cl, cr, 10.0, "tail");
    }
    // The delay network is flushed to exact zeros; what is left in the last second is the
    // slow 20 Hz low-cut filter's memory, held above the subnormal range by the flush
    // threshold (1e-30) until it too is flushed.
    assert_eq!(reverb.stored_energy(), 0.0, "network state flushed to zero");
    assert!(
        l[n - fs as usize..].iter().chain(&r[n - fs as usize..]).all(|&v| v.abs() < 1e-28),
        "last second is silent"
    );
}

#[test]
fn tail_length_covers_the_audible_tail() {
    let fs = 48_000.0;
    for s in [wet(0.5), wet(2.0), ReverbSettings { low_mult: 2.0, pre_delay_ms: 300.0, ..wet(1.0) }] {
        let tail = prepared(&s, fs).tail_samples().unwrap() as usize;
        let (l, r) = impulse_response(&s, fs, tail as f64 / fs as f64 * 1.3);
        let peak = l.iter().chain(&r).fold(0.0f64, |p, v| p.max(v.abs()));
        let after = l[tail..].iter().chain(&r[tail..]).fold(0.0f64, |p, v| p.max(v.abs()));
        println!(
            "tail {:.2} s for {s:?}: level after it {:.1} dB re. peak",
            tail as f64 / fs as f64,
            20.0 * (after / peak).log10()
        );
        assert!(after < peak * 1e-3, "still audible after the reported tail");
    }
}

#[test]
fn zero_mix_is_bit_exact_dry_and_pre_delay_is_sample_exact() {
    let fs = 48_000.0;
    let mut rng = Rng::new(3);
    let input: Vec<f32> = (0..4096).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
    let mut reverb = prepared(&ReverbSettings { mix: 0.0, ..ReverbSettings::default() }, fs);
    let (l, r) = run(&mut reverb, &input, &input);
    assert_eq!(l, input);
    assert_eq!(r, input);
    // Without modulation the reverb is linear and time-invariant, so a 100 ms pre-delay must
    // give exactly the same output as none, 4800 samples later.
    let s = ReverbSettings { mod_depth_ms: 0.0, ..wet(1.0) };
    let (none, _) = impulse_response(&ReverbSettings { pre_delay_ms: 0.0, ..s }, fs, 0.5);
    let (delayed, _) = impulse_response(&ReverbSettings { pre_delay_ms: 100.0, ..s }, fs, 0.5);
    assert!(delayed[..4800].iter().all(|&v| v == 0.0));
    assert_eq!(&delayed[4800..], &none[..none.len() - 4800]);
}

#[test]
fn equal_power_and_linear_laws() {
    assert_eq!(MixLaw::Linear.gains(0.25), (0.75, 0.25));
    let (d, w) = MixLaw::EqualPower.gains(0.5);
    assert!((d - w).abs() < 1e-6 && (d * d + w * w - 1.0).abs() < 1e-6);
    assert_eq!(MixLaw::ALL.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Click-free Size and Decay changes.

/// Largest sample-to-sample step of `x[range]`.
fn max_step(x: &[f32], range: std::ops::Range<usize>) -> f32 {
    x[range.start.max(1)..range.end]
        .iter()
        .zip(&x[range.start.max(1) - 1..range.end - 1])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

/// Rings the reverb with a low-frequency input (so its own sample-to-sample steps are small
/// and any discontinuity stands out), changes settings with `change` mid-tail, and returns the
/// largest step in the 0.4 s after the change relative to the largest step in the 0.1 s before.
fn step_ratio_after_change(start: ReverbSettings, change: impl Fn(&mut ReverbSettings)) -> f32 {
    let fs = 48_000.0f32;
    let mut reverb = prepared(&start, fs);
    let mut rng = Rng::new(17);
    // 0.5 s of noise low-passed at ~150 Hz (two one-pole sections), then silence.
    let (mut a, mut b) = (0.0f32, 0.0f32);
    let k = 1.0 - (-2.0 * std::f32::consts::PI * 150.0 / fs).exp();
    let n = (1.5 * fs) as usize;
    let mut input = vec![0.0f32; n];
    for v in input.iter_mut().take((0.5 * fs) as usize) {
        a += k * (rng.gaussian() as f32 - a);
        b += k * (a - b);
        *v = 4.0 * b;
    }
    let change_at = (0.8 * fs) as usize / BLOCK * BLOCK;
    let mut l = input.clone();
    let mut r = input;
    let mut s = start;
    for (block, (cl, cr)) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)).enumerate() {
        if block * BLOCK == change_at {
            change(&mut s);
            reverb.set_settings(&s);
        }
        reverb.process(cl, cr);
    }
    let before = max_step(&l, change_at - (0.1 * fs) as usize..change_at)
        .max(max_step(&r, change_at - (0.1 * fs) as usize..change_at));
    let after = max_step(&l, change_at..change_at + (0.4 * fs) as usize)
        .max(max_step(&r, change_at..change_at + (0.4 * fs) as usize));
    after / before
}

#[test]
fn size_and_decay_changes_while_ringing_do_not_click() {
    // A click is a step far larger than the tail's own: the criterion is that the largest step
    // after the change stays within 1.5× the largest step of the 100 ms before it. (A read
    // position that jumps instead of crossfading gives ratios of 10 or more with this input.)
    let base = ReverbSettings { early_level: 0.0, ..wet(3.0) };
    type Case = (&'static str, ReverbSettings, fn(&mut ReverbSettings));
    let cases: [Case; 5] = [
        ("size 25 → 60 m", base, |s| s.size_m = 60.0),
        ("size 25 → 5 m", base, |s| s.size_m = 5.0),
        ("decay 3 → 0.5 s", base, |s| s.decay_s = 0.5),
        ("decay 3 → 25 s (lines stretch)", ReverbSettings { size_m: 10.0, ..base }, |s| s.decay_s = 25.0),
        ("size and decay together", base, |s| {
            s.size_m = 45.0;
            s.decay_s = 12.0;
        }),
    ];
    for (name, start, change) in cases {
        let ratio = step_ratio_after_change(start, change);
        println!("{name}: largest step after / before = {ratio:.2}");
        assert!(ratio < 1.5, "{name}: {ratio}");
    }
}
