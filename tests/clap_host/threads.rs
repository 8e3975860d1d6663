//! Parameter changes from another thread while audio runs.

use super::*;

#[test]
fn param_changes_from_another_thread_never_race_or_tear() {
    const CHANGES: usize = 4_000;
    let mut p = Plugin::new();
    let params = p.params.clone();

    // What `get_value` may legitimately report for each parameter: its default and the
    // canonical form of every value we send (nice-plug snaps values to steps).
    let candidates: Vec<Vec<f64>> =
        params.iter().map(|d| (0..=8).map(|k| d.value_at(k as f64 / 8.0)).collect()).collect();
    let mut allowed: Vec<Vec<f64>> = params.iter().map(|d| vec![d.default]).collect();
    let mut probe = Plugin::new();
    for (i, d) in params.iter().enumerate() {
        for &v in &candidates[i] {
            probe.flush(&[(d.id, v)]);
            allowed[i].push(probe.value(d.id));
        }
    }

    let (tx, rx) = mpsc::channel::<(ClapId, f64)>();
    let done = AtomicBool::new(false);
    let blocks_done = AtomicUsize::new(0);
    let proc = p.activate(48_000.0, 64).unwrap();
    let mut last_sent: Vec<Option<f64>> = vec![None; params.len()];
    let proc: Processor = std::thread::scope(|scope| {
        let (done, blocks_done) = (&done, &blocks_done);
        let audio = scope.spawn(move || {
            // The audio thread: drain what the "GUI" queued into this block's events at random
            // offsets, as a host does, and process.
            let mut proc = proc;
            let mut rng = Rng::new(1);
            let input = program(0.25, 48_000.0, 2);
            let mut pos = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let queued: Vec<(ClapId, f64)> = rx.try_iter().collect();
                // Random offsets, but in the order the changes were made: a later change of a
                // parameter must land later, or it would not be the last one.
                let mut offsets: Vec<u32> = queued.iter().map(|_| rng.int(0, 63) as u32).collect();
                offsets.sort_unstable();
                let events: Vec<ParamValueEvent> = queued
                    .iter()
                    .zip(offsets)
                    .map(|(&(id, v), time)| ParamValueEvent::new(time, id, Pckn::match_all(), v))
                    .collect();
                let mut block: Vec<Vec<f32>> = input.iter().map(|c| c[pos..pos + 64].to_vec()).collect();
                pos = (pos + 64) % (input[0].len() - 64);
                let mut refs: Vec<&mut [f32]> = block.iter_mut().map(|c| c.as_mut_slice()).collect();
                proc.process(&mut refs, &events);
                assert_finite_bounded(&block, 1e4, "audio thread");
                blocks_done.fetch_add(1, Ordering::SeqCst);
                if finished && events.is_empty() {
                    break;
                }
                // A real audio thread idles between callbacks; this keeps the two threads
                // overlapping instead of one starving the other.
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            proc
        });

        // The main ("GUI") thread: send about two changes per audio block, and all the while
        // read values, texts and state the way hosts do while the audio thread runs.
        let mut rng = Rng::new(3);
        let mut sent = 0;
        let mut reads = 0u64;
        while sent < CHANGES {
            if blocks_done.load(Ordering::SeqCst) * 2 >= sent {
                let i = rng.int(0, params.len() - 1);
                let v = candidates[i][rng.int(0, 8)];
                tx.send((params[i].id, v)).unwrap();
                last_sent[i] = Some(v);
                sent += 1;
                if sent % 16 == 0 {
                    let d = &params[i];
                    let text = p.current_text(d.id);
                    assert!(p.parse(d.id, &text).is_some(), "`{}` text {text:?} unreadable", d.key());
                }
                if sent % 128 == 0 {
                    let state = harness::state_json(&p.save_state());
                    let saved = state["params"].as_object().expect("state without params");
                    assert_eq!(saved.len(), params.len(), "state lost parameters while processing");
                }
            }
            for (j, d) in params.iter().enumerate() {
                let read = p.value(d.id);
                assert!(allowed[j].contains(&read), "`{}` read {read}, never sent (torn?)", d.key());
            }
            reads += 1;
            p.pump_main_thread();
        }
        done.store(true, Ordering::SeqCst);
        let proc = audio.join().expect("audio thread panicked");
        eprintln!(
            "{sent} changes over {} blocks, {reads} rounds of reads",
            blocks_done.load(Ordering::SeqCst)
        );
        proc
    });
    // Every last change reached the plugin: no update was lost.
    for (i, d) in params.iter().enumerate() {
        if let Some(v) = last_sent[i] {
            let mut fresh = Plugin::new();
            fresh.flush(&[(d.id, v)]);
            let expected = fresh.value(d.id);
            assert_eq!(p.value(d.id), expected, "`{}` lost its last change", d.key());
        }
    }
    p.deactivate(proc);
}
