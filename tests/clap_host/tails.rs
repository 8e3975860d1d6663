//! Process status: the tail is reported, then the plugin may sleep.

use super::*;

#[test]
fn tail_is_reported_then_sleep_comes_within_it() {
    let sr = 48_000.0;
    let block = 256;
    let mut p = Plugin::new();
    let tail_stage_on =
        TAIL_STAGE_SWITCHES.iter().any(|&id| p.param(id).cloned().is_some_and(|d| p.value(d.id) > 0.0));
    let mut proc = p.activate(sr, block as u32).unwrap();
    let (_, statuses) = proc.render(&program(0.5, sr, 12), || block, &[]);
    assert!(!statuses.contains(&ProcessStatus::Sleep), "asked to sleep while fed a signal");
    let announced = match proc.tail() {
        TailLength::Finite(n) => n as usize,
        TailLength::Infinite => panic!("default settings announce an infinite tail"),
    };
    if tail_stage_on {
        assert!(announced > 0, "a delay or reverb is on but no tail is announced");
    } else {
        eprintln!("note: no delay/reverb switch in this bundle yet; tail announced: {announced}");
    }

    // Keep feeding silence well past the announced tail, as a host that never sleeps would.
    let silent_blocks = (announced + 2 * sr as usize) / block + 1;
    let mut first_sleepable = None;
    let mut host_sleeps_at = None;
    let mut first_block_peak = 0.0f32;
    for i in 0..silent_blocks {
        let mut out = silence(block, 2);
        let mut refs: Vec<&mut [f32]> = out.iter_mut().map(|c| c.as_mut_slice()).collect();
        let status = proc.process(&mut refs, &[]);
        let block_peak = peak(&out);
        if i == 0 {
            first_block_peak = block_peak;
        }
        let sleepable = matches!(status, ProcessStatus::ContinueIfNotQuiet | ProcessStatus::Sleep);
        if sleepable && first_sleepable.is_none() {
            first_sleepable = Some(i);
        }
        // A host sleeps the plugin at the first block that is both allowed and quiet; anything
        // the plugin would have played after that is lost, so it must be inaudible.
        match host_sleeps_at {
            None if sleepable && block_peak < QUIET => host_sleeps_at = Some(i),
            Some(at) => assert!(
                block_peak < QUIET,
                "output {block_peak} at silent block {i}, after the host was allowed to sleep at {at}"
            ),
            None => {}
        }
    }
    if tail_stage_on {
        assert!(first_block_peak >= QUIET, "a tail is announced but nothing rings after the input stops");
    }
    let first_sleepable = first_sleepable.expect("never allowed to sleep after the tail");
    assert!(
        first_sleepable * block <= announced + block,
        "sleep allowed only after {} samples of silence; the announced tail was {announced}",
        first_sleepable * block
    );
    assert!(host_sleeps_at.is_some(), "output never became quiet within tail + 2 s");
    p.deactivate(proc);
}
