//! Activation at every rate and block size, bit-exact passthrough, reported latency.

use super::*;

#[test]
fn activates_at_every_rate_and_max_block_with_random_block_sizes() {
    for (i, &sr) in SAMPLE_RATES.iter().enumerate() {
        let mut default = Plugin::new();
        let mut wire = Plugin::new();
        set_passthrough(&mut wire);
        for (j, &max) in MAX_BLOCKS.iter().enumerate() {
            let frames = (4 * max as usize).max(2048);
            let input = program(frames as f64 / sr, sr, 100 + j as u64);
            let seed = (i * 10 + j) as u64;
            let what = format!("{sr} Hz, max block {max}");

            // Re-activating the same instance is part of the check: hosts do it on every
            // sample-rate or buffer change.
            let mut proc = default.activate(sr, max).unwrap_or_else(|e| panic!("{what}: activate: {e}"));
            let (out, _) = proc.render(&input, host_like_blocks(max, seed), &[]);
            assert_finite_bounded(&out, 100.0, &what);
            default.deactivate(proc);

            let mut proc = wire.activate(sr, max).unwrap_or_else(|e| panic!("{what}: activate: {e}"));
            let (out, _) = proc.render(&input, host_like_blocks(max, seed + 1), &[]);
            assert_bit_identical(&out, &input, &format!("{what}, passthrough"));
            wire.deactivate(proc);
        }
    }
}

#[test]
fn all_stages_off_passes_audio_through_bit_exactly() {
    let mut p = Plugin::new();
    let missing = set_passthrough(&mut p);
    if !missing.is_empty() {
        eprintln!("note: stage switches not in this bundle yet: {missing:?}");
    }
    for &sr in &[44_100.0, 96_000.0] {
        let input = concat(program(1.0, sr, 9), &silence(4096, 2));
        let mut proc = p.activate(sr, 1024).unwrap();
        let (out, _) = proc.render(&input, host_like_blocks(1024, 77), &[]);
        assert_bit_identical(&out, &input, &format!("passthrough at {sr} Hz"));
        p.deactivate(proc);
    }
}

#[test]
fn reported_latency_matches_the_measured_delay() {
    let mut p = Plugin::new();
    assert!(p.ext.latency.is_some(), "no clap.latency extension");
    set_passthrough(&mut p);
    let mut proc = p.activate(48_000.0, 512).unwrap();
    let latency = p.latency() as usize;
    let mut input = silence(4096, 2);
    input[0][100] = 1.0;
    input[1][100] = -1.0;
    let out = proc.render_fixed(&input, 512);
    let measured = out[0].iter().position(|&x| x != 0.0).expect("impulse vanished") - 100;
    assert_eq!(measured, latency, "reported latency {latency}, measured {measured}");
    p.deactivate(proc);
}
