//! NaN, infinities and denormals in the input.

use super::*;

#[test]
fn nan_and_inf_input_gives_finite_output_and_recovers_within_one_block() {
    let block = 256;
    let bad_at = 10 * block;
    // (name, what sample `i` of the bad block becomes, given the clean sample `x`)
    type BadBlock = (&'static str, fn(usize, f32) -> f32);
    let kinds: [BadBlock; 6] = [
        ("NaN", |_, _| f32::NAN),
        ("+Inf", |_, _| f32::INFINITY),
        ("-Inf", |_, _| f32::NEG_INFINITY),
        ("mixed", |i, x| match i % 3 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            _ => x,
        }),
        ("one NaN", |i, x| if i == 17 { f32::NAN } else { x }),
        ("huge", |i, _| if i % 2 == 0 { 1e30 } else { -f32::MAX }),
    ];
    let mut rng = Rng::new(5);
    let settings_sets = {
        let probe = Plugin::new();
        vec![Vec::new(), random_settings(&probe, &mut rng)]
    };
    for (s, settings) in settings_sets.iter().enumerate() {
        for (name, bad) in kinds {
            let what = format!("{name} block, settings set {s}");
            let clean = program(0.3, 48_000.0, 8);
            let mut dirty = clean.clone();
            let mut reference = clean.clone();
            for c in 0..2 {
                for i in 0..block {
                    let x = bad(i, clean[c][bad_at + i]);
                    dirty[c][bad_at + i] = x;
                    // The reference hears silence where the bad samples were.
                    reference[c][bad_at + i] = if x.is_finite() { x } else { 0.0 };
                }
            }
            let mut p = Plugin::new();
            let mut r = Plugin::new();
            p.flush(settings);
            r.flush(settings);
            let mut pp = p.activate(48_000.0, block as u32).unwrap();
            let mut pr = r.activate(48_000.0, block as u32).unwrap();
            let out = pp.render_fixed(&dirty, block);
            let expected = pr.render_fixed(&reference, block);
            if let Some((c, i, x)) = first_non_finite(&out) {
                panic!("{what}: non-finite output {x} at channel {c} frame {i}");
            }
            if name == "huge" {
                // Clamped somewhere, so no reference; finite is the promise.
                p.deactivate(pp);
                r.deactivate(pr);
                continue;
            }
            let from = bad_at + block;
            let scale = peak(&expected).max(1e-3);
            for c in 0..2 {
                for i in from..out[c].len() {
                    let diff = (out[c][i] - expected[c][i]).abs();
                    assert!(diff <= 1e-6 * scale, "{what}: not recovered at frame {i} (diff {diff})");
                }
            }
            p.deactivate(pp);
            r.deactivate(pr);
        }
    }
}

#[test]
fn denormal_input_and_decaying_tails_produce_no_subnormal_output() {
    let sr = 48_000.0;
    let block = 256;
    // Blocks of subnormal input between blocks of signal.
    let mut input = program(0.4, sr, 21);
    for channel in input.iter_mut() {
        for (i, x) in channel.iter_mut().enumerate() {
            if (i / block) % 3 == 1 {
                *x = f32::from_bits(1 + (i as u32 * 7919) % 0x7f_ffff) * if i % 2 == 0 { 1.0 } else { -1.0 };
            }
        }
    }
    assert!(input[0].iter().any(|&x| is_subnormal(x)));

    // Default settings: nothing subnormal may come out unless the sample went through untouched
    // (a bit-exact wire may pass on what it was given, but must never create subnormals).
    let mut p = Plugin::new();
    let mut proc = p.activate(sr, block as u32).unwrap();
    let out = proc.render_fixed(&input, block);
    for c in 0..2 {
        for (i, &y) in out[c].iter().enumerate() {
            assert!(
                !is_subnormal(y) || y.to_bits() == input[c][i].to_bits(),
                "default: subnormal {y:e} created at {i}"
            );
        }
    }
    p.deactivate(proc);

    // With arithmetic on every sample (output gain a hair below 0 dB), none at all.
    let mut p = Plugin::new();
    let out_gain = p.expect_param("out_gain");
    p.flush(&[(out_gain.id, out_gain.default - 0.002)]);
    let mut proc = p.activate(sr, block as u32).unwrap();
    let out = proc.render_fixed(&input, block);
    if let Some(y) = out.iter().flatten().find(|&&y| is_subnormal(y)) {
        panic!("gain below 0 dB: subnormal output {y:e}");
    }
    p.deactivate(proc);

    // Decaying tails: signal, then seconds of silence, at the defaults and random settings.
    let mut rng = Rng::new(99);
    for round in 0..3 {
        let mut p = Plugin::new();
        if round > 0 {
            let settings = random_settings(&p, &mut rng);
            p.flush(&settings);
        }
        let mut proc = p.activate(sr, 512).unwrap();
        let input = concat(program(0.3, sr, round), &silence(3 * sr as usize, 2));
        let out = proc.render_fixed(&input, 512);
        if let Some(y) = out.iter().flatten().find(|&&y| is_subnormal(y)) {
            panic!("tail, settings round {round}: subnormal output {y:e}");
        }
        p.deactivate(proc);
    }
}
