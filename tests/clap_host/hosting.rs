//! Hosting robustness: what the plugin tells the host besides audio. Digital silence is marked
//! constant once the tail is over, two identical sessions give identical output and identical
//! host callbacks, no restart is ever requested for nothing, and activation works at any
//! positive sample rate.

use clack_extensions::tail::TailLength;
use clack_host::prelude::*;

use runnel_engine::params::spec::LATENCY_IDS;

use crate::harness::{Automation, HostCallbackCounts, Plugin};
use crate::signals::{concat, first_non_finite, peak, program, silence, Rng};
use crate::{assert_bit_identical, host_like_blocks, random_latency_free_settings, set_passthrough, QUIET};

/// Both channels of the stereo main output.
const BOTH_CHANNELS: u64 = 0b11;

/// Sample rates hosts and validators activate plugins at, beyond the usual ones.
const UNUSUAL_SAMPLE_RATES: [f64; 6] = [1000.0, 1234.5678, 12_345.678, 22_050.0, 768_000.0, 1_536_000.0];

/// What one processed block told the host: its frames, the main output's constant mask, and
/// the process status.
type BlockReport = (std::ops::Range<usize>, u64, ProcessStatus);

/// Renders `input` block by block and returns the output and a report per block.
fn render_with_masks(
    proc: &mut crate::harness::Processor,
    input: &[Vec<f32>],
    block: usize,
) -> (Vec<Vec<f32>>, Vec<BlockReport>) {
    let mut output = input.to_vec();
    let mut blocks = Vec::new();
    let total = input[0].len();
    let mut start = 0;
    while start < total {
        let end = (start + block).min(total);
        let mut refs: Vec<&mut [f32]> = output.iter_mut().map(|c| &mut c[start..end]).collect();
        let status = proc.process(&mut refs, &[]);
        blocks.push((start..end, proc.last_output_constant_mask(), status));
        start = end;
    }
    (output, blocks)
}

/// Asserts that every channel a block's mask marks constant really holds one value.
fn assert_masks_truthful(output: &[Vec<f32>], blocks: &[BlockReport], what: &str) {
    for (range, mask, _) in blocks {
        for (c, channel) in output.iter().enumerate() {
            let samples = &channel[range.clone()];
            let constant = samples.iter().all(|x| x.to_bits() == samples[0].to_bits());
            assert_eq!(
                mask >> c & 1 == 1,
                constant,
                "{what}: frames {range:?} channel {c}: mask {mask:#b}, channel constant: {constant}"
            );
        }
    }
}

#[test]
fn silent_output_is_marked_constant_once_the_tail_is_done() {
    let sr = 48_000.0;
    let block = 256;
    let mut p = Plugin::new();
    let mut proc = p.activate(sr, block as u32).unwrap();
    // Program material, then silence until well past the announced tail.
    let (_, played) = render_with_masks(&mut proc, &program(0.5, sr, 5), block);
    assert!(played.iter().all(|(_, mask, _)| *mask == 0), "a block of program material was marked constant");
    let announced = match proc.tail() {
        TailLength::Finite(n) => n as usize,
        TailLength::Infinite => panic!("default settings announce an infinite tail"),
    };
    let silent_frames = announced + 20 * sr as usize;
    let (out, blocks) = render_with_masks(&mut proc, &silence(silent_frames, 2), block);
    assert_masks_truthful(&out, &blocks, "after the input stopped");

    let first_constant = blocks
        .iter()
        .position(|(_, mask, _)| *mask == BOTH_CHANNELS)
        .expect("silence after the tail was never marked constant");
    let (range, _, status) = &blocks[first_constant];
    // Marked only once the tail is done (the host may sleep), never while it rings.
    assert!(
        matches!(status, ProcessStatus::ContinueIfNotQuiet | ProcessStatus::Sleep),
        "marked constant at frame {} while the plugin still reports {status:?}",
        range.start
    );
    // From then on: exact zeros, every block marked.
    for (range, mask, _) in &blocks[first_constant..] {
        assert_eq!(*mask, BOTH_CHANNELS, "frames {range:?} no longer marked constant");
        assert!(
            out.iter().all(|c| c[range.clone()].iter().all(|&x| x == 0.0)),
            "frames {range:?} not silent"
        );
    }
    // What was cut to zero was far below hearing: the last block before it was already quiet.
    let before = &blocks[first_constant.saturating_sub(1)].0;
    let level = out.iter().flat_map(|c| &c[before.clone()]).fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(level < QUIET, "zeroed right after a block at {level}");
    let seconds_after_tail = (range.start as f64 - announced as f64) / sr;
    eprintln!(
        "constant from {:.2} s of silence on; announced tail {:.2} s ({seconds_after_tail:+.2} s)",
        range.start as f64 / sr,
        announced as f64 / sr
    );

    // A new signal ends the marking at once.
    let (_, again) = render_with_masks(&mut proc, &program(0.1, sr, 6), block);
    assert_eq!(again[0].1, 0, "the first block of new input is still marked constant");
    p.deactivate(proc);
}

#[test]
fn passthrough_marks_silent_input_constant_and_varying_input_not() {
    let sr = 44_100.0;
    let block = 128;
    let mut p = Plugin::new();
    set_passthrough(&mut p);
    let mut proc = p.activate(sr, block as u32).unwrap();
    let input = concat(program(0.2, sr, 3), &silence(8 * block, 2));
    let (out, blocks) = render_with_masks(&mut proc, &input, block);
    assert_bit_identical(&out, &input, "passthrough");
    assert_masks_truthful(&out, &blocks, "passthrough");
    let silent_from = program(0.2, sr, 3)[0].len().div_ceil(block);
    assert!(blocks[silent_from..].iter().all(|(_, mask, _)| *mask == BOTH_CHANNELS));
    p.deactivate(proc);
}

/// One session a host might run: random settings, then a render with random automation in
/// host-like block sizes; returns what the host got.
fn scripted_session(seed: u64) -> (Vec<Vec<f32>>, Vec<ProcessStatus>, HostCallbackCounts, u32) {
    let sr = 48_000.0;
    let max_block = 512;
    let mut rng = Rng::new(seed);
    let mut p = Plugin::new();
    let settings = random_latency_free_settings(&p, &mut rng);
    p.flush(&settings);
    let input = concat(program(1.5, sr, seed), &silence(sr as usize / 2, 2));
    // Parameters that change the latency make the host restart the plugin by design; they are
    // automated in `a_changed_lookahead_reaches_the_host_as_a_new_latency` instead.
    let automatable: Vec<_> = p
        .params
        .iter()
        .filter(|d| !d.string_id.as_deref().is_some_and(|id| LATENCY_IDS.contains(&id)))
        .cloned()
        .collect();
    let mut automation: Vec<Automation> = (0..60)
        .map(|_| {
            let d = &automatable[rng.int(0, automatable.len() - 1)];
            let frame = rng.int(0, input[0].len() - 1);
            Automation { frame, id: d.id, value: d.value_at(rng.unit()) }
        })
        .collect();
    automation.sort_by_key(|a| a.frame);
    let mut proc = p.activate(sr, max_block).unwrap();
    // On an audio thread of its own, as in a DAW: what the plugin wants done on the main thread
    // then has to go through the host's callbacks, which this compares.
    let (out, statuses) = std::thread::scope(|s| {
        s.spawn(|| proc.render(&input, host_like_blocks(max_block, seed), &automation))
            .join()
            .expect("audio thread panicked")
    });
    p.pump_main_thread();
    let latency = p.latency();
    p.deactivate(proc);
    p.pump_main_thread();
    (out, statuses, p.host_callbacks(), latency)
}

#[test]
fn the_same_session_twice_gives_the_same_output_and_the_same_host_callbacks() {
    for seed in [11, 12, 13] {
        let (out_a, statuses_a, calls_a, latency_a) = scripted_session(seed);
        let (out_b, statuses_b, calls_b, latency_b) = scripted_session(seed);
        assert_bit_identical(&out_a, &out_b, &format!("session {seed}"));
        assert_eq!(statuses_a, statuses_b, "session {seed}: process statuses");
        assert_eq!(calls_a, calls_b, "session {seed}: host callbacks");
        assert_eq!(latency_a, latency_b, "session {seed}: latency");
        assert!(first_non_finite(&out_a).is_none());
        // The latency never changed during the session: no restart, and at most the one
        // latency report a non-zero latency needs when the plugin is first activated.
        assert_eq!(calls_a.restarts, 0, "session {seed}: restart requested: {calls_a:?}");
        assert_eq!(
            calls_a.latency_changes,
            u32::from(latency_a != 0),
            "session {seed}: latency reported as changed: {calls_a:?}"
        );
        eprintln!("session {seed}: {calls_a:?}");
    }
}

#[test]
fn reactivating_with_unchanged_latency_requests_nothing() {
    let mut p = Plugin::new();
    for (sr, block) in [(48_000.0, 512), (44_100.0, 64), (48_000.0, 512)] {
        let mut proc = p.activate(sr, block).unwrap();
        proc.render_fixed(&program(0.2, sr, 4), block as usize);
        p.pump_main_thread();
        p.deactivate(proc);
    }
    let calls = p.host_callbacks();
    assert_eq!(calls.restarts, 0, "{calls:?}");
    assert_eq!(calls.latency_changes, u32::from(p.latency() != 0), "{calls:?}");
}

#[test]
fn activates_at_unusual_sample_rates_with_finite_output_tail_and_true_latency() {
    for sr in UNUSUAL_SAMPLE_RATES {
        // Default settings: everything that rings is on.
        let mut p = Plugin::new();
        let mut proc = p.activate(sr, 512).unwrap_or_else(|e| panic!("activate at {sr} Hz failed: {e}"));
        let input = program(0.5, sr, 21);
        let out = proc.render_fixed(&input, 512);
        if let Some((c, i, x)) = first_non_finite(&out) {
            panic!("{sr} Hz: non-finite output {x} at channel {c} frame {i}");
        }
        assert!(peak(&out) < 16.0, "{sr} Hz: output peak {}", peak(&out));
        let tail = match proc.tail() {
            TailLength::Finite(n) => n as usize,
            TailLength::Infinite => panic!("{sr} Hz: default settings announce an infinite tail"),
        };
        assert!(tail as f64 <= 120.0 * sr, "{sr} Hz: tail of {tail} samples");
        // The tail itself (its first 2 s at most: 3 M frames at 1.536 MHz) stays finite.
        let tail_frames = tail.min(2 * sr as usize).max(1);
        let rung = proc.render_fixed(&silence(tail_frames, 2), 512);
        assert!(first_non_finite(&rung).is_none(), "{sr} Hz: non-finite tail");
        p.deactivate(proc);

        // Reported latency = measured: an impulse through the stage-less chain.
        let mut p = Plugin::new();
        set_passthrough(&mut p);
        let mut proc = p.activate(sr, 512).unwrap();
        let latency = p.latency() as usize;
        let mut impulse = silence(latency + 2048, 2);
        impulse[0][100] = 1.0;
        impulse[1][100] = -1.0;
        let out = proc.render_fixed(&impulse, 512);
        let arrived = out[0].iter().position(|&x| x != 0.0).expect("impulse vanished");
        assert_eq!(arrived - 100, latency, "{sr} Hz: reported latency {latency}");
        p.deactivate(proc);
    }
}

/// A limiter lookahead changed by automation reaches the host: the plugin reports the new
/// latency (CLAP hosts then restart it), and the next activation reports exactly the new
/// lookahead in samples, which the rendered audio shows as the impulse's delay.
#[test]
fn a_changed_lookahead_reaches_the_host_as_a_new_latency() {
    let sr = 48_000.0;
    let mut p = Plugin::new();
    set_passthrough(&mut p);
    let on = p.expect_param("limiter_on");
    let lookahead = p.expect_param("lim_lookahead");
    let ceiling = p.expect_param("lim_ceiling");
    // 1.5 ms (the default) at 48 kHz, at the top of the ceiling so an impulse passes unchanged.
    p.flush(&[(on.id, 1.0), (ceiling.id, ceiling.max)]);
    let mut proc = p.activate(sr, 256).unwrap();
    assert_eq!(p.latency(), 72, "the limiter's default lookahead");
    let impulse_delay = |proc: &mut crate::harness::Processor| {
        let mut input = silence(2048, 2);
        input[0][100] = 0.5;
        input[1][100] = 0.5;
        let out = proc.render_fixed(&input, 256);
        out[0].iter().position(|v| v.abs() > 1e-6).unwrap() - 100
    };
    assert_eq!(impulse_delay(&mut proc), 72);
    // Automate 5 ms (the range is 1–10 ms, linear).
    let five_ms = lookahead.value_at(4.0 / 9.0);
    let automation = [Automation { frame: 10, id: lookahead.id, value: five_ms }];
    let input = silence(1024, 2);
    let _ = proc.render(&input, || 256, &automation);
    p.pump_main_thread();
    let calls = p.host_callbacks();
    assert!(calls.latency_changes + calls.restarts >= 1, "the host heard of no change: {calls:?}");
    p.deactivate(proc);
    let mut proc = p.activate(sr, 256).unwrap();
    assert_eq!(p.latency(), 240, "5 ms at 48 kHz");
    assert_eq!(impulse_delay(&mut proc), 240);
    p.deactivate(proc);
}
