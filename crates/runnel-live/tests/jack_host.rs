//! The windowless JACK host on a private `jackd` (dummy driver, 64-frame periods): the latency
//! meter through it reads exactly JACK's own graph cycle (one period), so the host adds nothing;
//! with every stage off the recording holds what went through, bit for bit, with no frame
//! dropped; the counters count; the ports carry the engine's latency (a limiter lookahead) in
//! JACK's latency ranges, and the signal is that much later. Needs `jackd` (Debian `jackd2`, from scripts/system-deps.sh).

use std::process::Stdio;
use std::sync::atomic::Ordering;

use runnel_engine::params::values::ParamValues;
use runnel_live::fault::Stall;
use runnel_live::jack_host::JackHost;
use runnel_live::jack_loop::JackLoop;
use runnel_live::recorder::Recorder;
use std::time::Duration;
use test_support::self_naming::{
    after_signal, first_replay, longest_gap, run_table, runs, AfterSignal, SelfNamingLoop,
};
use test_support::servers::PrivateJack;

const SAMPLE_RATE: u32 = 48_000;
const PERIOD: u32 = 64;

/// One server for every check: libjack reaches only the first server a process meets (see
/// `PrivateJack`), so the checks run one after another against it.
#[test]
fn the_windowless_host_on_a_private_jack_server() {
    let _jack = PrivateJack::start("runnel-live-test", SAMPLE_RATE, PERIOD, Stdio::null(), Stdio::null())
        .unwrap_or_else(|e| panic!("{e}"));
    the_host_adds_no_latency_beyond_the_jack_cycle_and_records_every_frame();
    the_host_meters_the_output_momentary_loudness();
    the_ports_carry_the_engines_latency_and_it_is_the_real_one();
    a_missed_deadline_is_a_gap_never_stale_audio();
}

/// The latency meter on a loop through the host `name`: both inputs played, `out_1` recorded.
fn meter_through(name: &str) -> JackLoop {
    JackLoop {
        client_name: "meter".into(),
        playback: vec![format!("{name}:in_1"), format!("{name}:in_2")],
        capture: format!("{name}:out_1"),
        max_latency_seconds: 0.1,
    }
}

fn the_host_adds_no_latency_beyond_the_jack_cycle_and_records_every_frame() {
    let mut values = ParamValues::defaults();
    for id in ["filter_on", "delay_on", "reverb_on"] {
        values.set(id, 0.0).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("runnel-live-host-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("live.wav");
    let (recorder, tap) = Recorder::start(&path, SAMPLE_RATE, SAMPLE_RATE as usize * 2, None).unwrap();
    let host = JackHost::start("runnel-live", &values.to_settings(), &[], &[], Some(tap), None)
        .expect("start the host");
    assert_eq!((host.sample_rate, host.period_frames, host.engine_latency), (SAMPLE_RATE, PERIOD, 0));
    let name = host.client_name();

    let meter = meter_through(&name);
    let measurement = meter.measure().expect("measure");
    let estimate = measurement.result.expect("a clean loop through the host");
    println!("jack_host: {estimate}; {} xruns during the measurement", measurement.xruns);
    assert!(!estimate.inverted);
    // The meter → host → meter loop is a cycle in JACK's graph, which JACK closes one period
    // later; anything beyond that would be buffering in the host.
    assert!(
        (estimate.frames - f64::from(PERIOD)).abs() < 0.1,
        "round trip {} frames; JACK's own share is {PERIOD}",
        estimate.frames
    );

    let stats = host.stats().clone();
    let tap = host.stop().expect("stop").expect("the tap comes back");
    let counters = tap.counters().clone();
    drop(tap);
    recorder.finish().expect("finish the recording");
    let callbacks = stats.callbacks.load(Ordering::Relaxed);
    let queued = counters.queued_frames.load(Ordering::Relaxed);
    println!(
        "jack_host: {callbacks} callbacks, {} late, {} xruns, busy {:.1} µs per callback; recorded {queued} frames, dropped {}",
        stats.late_callbacks.load(Ordering::Relaxed),
        stats.xruns.load(Ordering::Relaxed),
        stats.busy_ns.load(Ordering::Relaxed) as f64 / callbacks as f64 / 1000.0,
        counters.dropped_frames.load(Ordering::Relaxed)
    );
    assert_eq!(counters.dropped_frames.load(Ordering::Relaxed), 0, "nothing dropped with a 2 s ring");
    assert_eq!(queued, callbacks * u64::from(PERIOD), "every processed frame went to the recorder");

    // The recording holds the meter's chirps as they passed through, unchanged (every stage off).
    let reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(reader.spec().sample_rate, SAMPLE_RATE);
    let samples: Vec<f32> = reader.into_samples().map(Result::unwrap).collect();
    assert_eq!(samples.len() as u64, 2 * queued);
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!((peak - 0.25).abs() < 0.01, "the chirps (peak 0.25) are in the recording: peak {peak}");
    assert!(samples.chunks(2).all(|f| f[0] == f[1]), "both inputs were fed the same chirp");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn the_host_meters_the_output_momentary_loudness() {
    let mut values = ParamValues::defaults();
    for id in ["filter_on", "delay_on", "reverb_on"] {
        values.set(id, 0.0).unwrap();
    }
    let host =
        JackHost::start("runnel-live", &values.to_settings(), &[], &[], None, None).expect("start the host");
    assert!(host.stats().momentary_lufs().is_infinite(), "no loudness before a window is complete");
    let name = host.client_name();

    // A 1 kHz sine at −20 dBFS into both inputs: EBU Tech 3341's reference, a stereo 1 kHz sine
    // reads its level in dBFS as LUFS (the K-weighting is +0.69 dB at 1 kHz, cancelling BS.1770's
    // −0.691 offset), so −20.0 LUFS; every stage is off and the gains are at 0 dB.
    let (player, _) = jack::Client::new("sine", jack::ClientOptions::NO_START_SERVER).expect("client");
    let mut out = player.register_port("out", jack::AudioOut::default()).expect("port");
    let mut phase = 0u64;
    let play = jack::contrib::ClosureProcessHandler::new(move |_: &jack::Client, ps: &jack::ProcessScope| {
        for x in out.as_mut_slice(ps) {
            *x = 0.1
                * (2.0 * std::f64::consts::PI * 1000.0 * phase as f64 / f64::from(SAMPLE_RATE)).sin() as f32;
            phase += 1;
        }
        jack::Control::Continue
    });
    let player = player.activate_async((), play).expect("activate the sine player");
    for input in ["in_1", "in_2"] {
        runnel_live::jack_loop::connect_ports(player.as_client(), "sine:out", &format!("{name}:{input}"))
            .unwrap();
    }
    // A cycle JACK misses under load leaves a gap that lowers the 400 ms windows around it, so
    // the highest reading over 3 s (a clean window) is judged.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut momentary = f32::NEG_INFINITY;
    for _ in 0..60 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        momentary = momentary.max(host.stats().momentary_lufs());
    }
    println!("jack_host: momentary {momentary:.3} LUFS for a −20 dBFS 1 kHz stereo sine");
    assert!((momentary + 20.0).abs() < 0.1, "momentary {momentary} LUFS, expected −20.0 ± 0.1");
    drop(player);
    host.stop().expect("stop");
}

fn the_ports_carry_the_engines_latency_and_it_is_the_real_one() {
    // Every stage off but the limiter, whose 1.5 ms lookahead is the engine's latency: 72 frames.
    let mut values = ParamValues::defaults();
    for (id, value) in [("filter_on", 0.0), ("delay_on", 0.0), ("reverb_on", 0.0), ("limiter_on", 1.0)] {
        values.set(id, value).unwrap();
    }
    let sources = ["system:capture_1".to_string()];
    let sinks = ["system:playback_1".to_string(), "system:playback_2".to_string()];
    let host =
        JackHost::start("runnel-live", &values.to_settings(), &sources, &sinks, None, None).expect("start");
    assert_eq!(host.engine_latency, 72);
    let name = host.client_name();

    let (probe, _) = jack::Client::new("probe", jack::ClientOptions::NO_START_SERVER).expect("client");
    let range = |port: &str, mode: jack::LatencyType| {
        probe.port_by_name(port).unwrap_or_else(|| panic!("no port {port}")).get_latency_range(mode)
    };
    let capture_in = range("system:capture_1", jack::LatencyType::Capture);
    let playback_out = range("system:playback_1", jack::LatencyType::Playback);
    // JACK recomputes the ranges after connections change, on its own thread: wait for them.
    let expected = ((capture_in.0 + 72, capture_in.1 + 72), (playback_out.0 + 72, playback_out.1 + 72));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let (capture_out, playback_in) = loop {
        let ranges = (
            range(&format!("{name}:out_1"), jack::LatencyType::Capture),
            range(&format!("{name}:in_1"), jack::LatencyType::Playback),
        );
        if ranges == expected || std::time::Instant::now() > deadline {
            break ranges;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    println!(
        "jack_host: capture latency {capture_in:?} at system:capture_1 → {capture_out:?} at out_1; \
         playback latency {playback_out:?} at system:playback_1 → {playback_in:?} at in_1"
    );
    assert_eq!(capture_out, expected.0, "out_1's capture latency: system:capture_1's + the engine's 72");
    assert_eq!(playback_in, expected.1, "in_1's playback latency: system:playback_1's + the engine's 72");

    // And the signal really is 72 frames later than JACK's own cycle.
    // (The dummy driver's capture is silent, so the connection to system:capture_1 stays.)
    drop(probe);
    let meter = meter_through(&name);
    let measurement = meter.measure().expect("measure");
    let estimate = measurement.result.expect("a clean loop through the host");
    println!("jack_host: with the limiter on, {estimate}");
    assert!(
        (estimate.frames - f64::from(PERIOD + 72)).abs() < 0.1,
        "round trip {} frames; JACK's cycle {PERIOD} + the reported 72",
        estimate.frames
    );
    host.stop().expect("stop");
}

/// The engine stalls for four periods once (the host's test hook), with a signal whose every
/// frame names itself going through the host (every stage off, so unchanged): what JACK's
/// readers took while it was stalled must be silence, never the last period again (which is what
/// they took before the host wrote silence first), and the stream must carry on unchanged.
fn a_missed_deadline_is_a_gap_never_stale_audio() {
    let mut values = ParamValues::defaults();
    for id in ["filter_on", "delay_on", "reverb_on"] {
        values.set(id, 0.0).unwrap();
    }
    let stall_periods = 4;
    let stall = Stall {
        after: Duration::from_millis(1500),
        duration: Duration::from_secs_f64(f64::from(stall_periods * PERIOD) / f64::from(SAMPLE_RATE)),
    };
    let host = JackHost::start("runnel-live", &values.to_settings(), &[], &[], None, Some(stall))
        .expect("start the host");
    let name = host.client_name();
    let frames = 3 * SAMPLE_RATE as usize;
    let recording = SelfNamingLoop::start(
        "named",
        [&format!("{name}:in_1"), &format!("{name}:in_2")],
        [&format!("{name}:out_1"), &format!("{name}:out_2")],
        frames,
    );
    let (returned, server_xruns) = recording.finish(Duration::from_secs(10));
    let late = host.stats().late_callbacks.load(Ordering::Relaxed);
    let xruns = host.stats().xruns.load(Ordering::Relaxed);
    host.stop().expect("stop");
    let runs = runs(&returned);
    let AfterSignal { silence, blends } = after_signal(&returned);
    let summary = format!(
        "late callbacks {late}, xruns {xruns} (the loop's client saw {server_xruns}); {silence} frames of \
         silence, {blends} blended after the signal began; runs (at, first, len, lag): {:?}",
        run_table(&runs)
    );
    println!("jack_host: missed deadline: {summary}");
    // Never a stall: the stream carries on to the end.
    let last = runs.last().expect("audio came back");
    assert!(last.at + last.len + 2 * PERIOD as usize >= frames, "the stream stopped: {summary}");
    // The stall is the longest silence: the periods the engine missed are silence (the first of
    // the four stalled periods is the late callback's own, which JACK reads once it is done),
    // never a replay, and counted; JACK drops what it could not play rather than delaying it, so
    // the loop's delay after it is what it was.
    let gap = longest_gap(&returned, &runs).unwrap_or_else(|| panic!("no silence for the stall: {summary}"));
    let period = PERIOD as usize;
    assert!(
        (2 * period..=(stall_periods as usize + 1) * period).contains(&gap.silence),
        "the miss must be silence: {gap:?}; {summary}"
    );
    assert!(!gap.replays(), "the stall replayed audio: {gap:?}; {summary}");
    assert_eq!(gap.before.lag(), gap.after.lag(), "{gap:?}; {summary}");
    assert!(late >= 1, "{summary}");
    // Anywhere else a replay is JACK's own (a cycle the server did not get to run the host in
    // leaves readers the buffer of the cycle before): judged only when the server missed none.
    match first_replay(&runs) {
        Some(pair) if server_xruns == 0 => panic!("{pair:?}: a replay with no JACK xrun: {summary}"),
        Some(pair) => println!("jack_host: JACK replayed {pair:?} in one of its {server_xruns} xruns"),
        None => {}
    }
}
