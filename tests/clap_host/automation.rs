//! Sample-accurate automation inside blocks, without clicks.

use super::*;

#[test]
fn param_event_at_a_nonzero_offset_takes_effect_at_that_sample() {
    for gain in ["out_gain", "in_gain"] {
        for k in [1usize, 100, 337, 511] {
            let mut p = Plugin::new();
            set_passthrough(&mut p);
            let d = p.expect_param(gain);
            let (id, lower) = (d.id, d.value_at(0.6));
            let mut proc = p.activate(48_000.0, 512).unwrap();
            let mut block = vec![vec![0.5f32; 512]; 2];
            let mut refs: Vec<&mut [f32]> = block.iter_mut().map(|c| c.as_mut_slice()).collect();
            proc.process(&mut refs, &[]);
            let mut block = vec![vec![0.5f32; 512]; 2];
            let mut refs: Vec<&mut [f32]> = block.iter_mut().map(|c| c.as_mut_slice()).collect();
            proc.process(&mut refs, &[ParamValueEvent::new(k as u32, id, Pckn::match_all(), lower)]);
            for ch in &block {
                assert!(ch[..k].iter().all(|&x| x == 0.5), "{gain} at {k}: changed before its offset");
                assert!(ch[k] < 0.5, "{gain} at {k}: sample {k} unchanged ({})", ch[k]);
                // Then it ramps down without a step.
                for n in k + 1..512 {
                    assert!(ch[n] <= ch[n - 1], "{gain} at {k}: not monotonic at {n}");
                }
            }
            p.deactivate(proc);
        }
    }
}

#[test]
fn gain_jumps_inside_a_block_ramp_without_clicks() {
    let sr = 48_000.0;
    for gain in ["out_gain", "in_gain"] {
        let mut p = Plugin::new();
        set_passthrough(&mut p);
        let d = p.expect_param(gain);
        let mut proc = p.activate(sr, 256).unwrap();
        let dc = 0.5f32;
        let input = vec![vec![dc; 48_000]; 2];
        // 0 dB (the default) → −∞ → +24 dB → 0 dB, each at an odd offset inside a block.
        let zero_db = d.default;
        let jumps = [
            (1_000 + 37, d.min, 1.0f32, 0.0f32),
            (10_000 + 101, d.max, 0.0, 15.848_932),
            (30_000 + 5, zero_db, 15.848_932, 1.0),
        ];
        let automation: Vec<Automation> =
            jumps.iter().map(|&(frame, value, _, _)| Automation { frame, id: d.id, value }).collect();
        let (out, _) = proc.render(&input, || 256, &automation);
        // A 1 ms ramp is the shortest that does not click; Runnel ramps over 20 ms.
        let min_ramp = sr as f32 * 0.001;
        for ch in &out {
            for &(frame, _, from, to) in &jumps {
                let bound = (to - from).abs() * dc / min_ramp * 1.0001;
                for n in frame..frame + 2_000 {
                    let step = (ch[n] - ch[n - 1]).abs();
                    assert!(step <= bound, "{gain}: step {step} at {n} exceeds {bound} (jump at {frame})");
                }
            }
        }
        p.deactivate(proc);
    }
}

#[test]
fn every_param_jump_inside_a_block_is_click_free() {
    // A click is a discontinuity: broadband energy that shows up in the third difference. The
    // steady renders at each value the parameter jumps between tell what the chain itself makes
    // of the 100 Hz test tone (saturation sharpens it, for instance); a jump may add little more.
    let sr = 48_000.0;
    let input = sine(16_384, 2, 100.0, 0.2, sr);
    let third_difference_peak = |out: &[Vec<f32>]| {
        out.iter()
            .flat_map(|ch| ch.windows(4).map(|w| (w[3] - 3.0 * w[2] + 3.0 * w[1] - w[0]).abs()))
            .fold(0.0f32, f32::max)
    };
    let render = |settings: &[(ClapId, f64)], automation: &[Automation]| {
        let mut p = Plugin::new();
        p.flush(settings);
        let mut proc = p.activate(sr, 256).unwrap();
        let (out, _) = proc.render(&input, || 256, automation);
        p.deactivate(proc);
        out
    };
    let probe = Plugin::new();
    // A jump of a latency parameter (switching the limiter on, a lookahead) changes the
    // latency: a discontinuity by nature, after which hosts restart the plugin.
    let latency_free = probe.params.clone().into_iter().filter(|d| {
        !d.string_id.as_deref().is_some_and(|id| runnel_engine::params::spec::LATENCY_IDS.contains(&id))
    });
    for d in latency_free {
        let automation = [
            Automation { frame: 4_096 + 37, id: d.id, value: d.max },
            Automation { frame: 8_192 + 101, id: d.id, value: d.min },
            Automation { frame: 12_288 + 5, id: d.id, value: d.default },
        ];
        let out = render(&[], &automation);
        assert_finite_bounded(&out, 1000.0, &format!("jumping `{}`", d.key()));
        let steady = [d.default, d.max, d.min]
            .iter()
            .map(|&v| third_difference_peak(&render(&[(d.id, v)], &[])))
            .fold(0.0f32, f32::max);
        let limit = 2.0 * steady + 0.02 * peak(&out).max(1e-3);
        let worst = third_difference_peak(&out);
        assert!(worst <= limit, "jumping `{}` clicks: third difference {worst} > {limit}", d.key());
    }
}
