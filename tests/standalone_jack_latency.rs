//! The bundled standalone on JACK with a plugin that delays its audio: started with `--set
//! limiter_on=on` (the true-peak limiter's lookahead), it must
//! - start with that setting (the parameter spec's IDs and value texts, as `runnel render` takes
//!   them): the measured round trip is JACK's period plus exactly the engine's latency for it;
//! - publish that latency in its JACK ports' latency ranges, so latency-compensating clients
//!   align what went through it: each output's capture range is its input's plus the latency,
//!   each input's playback range its output's plus the latency;
//! - count it in the round trip it prints (`… + plugin N = …`);
//! - refuse a bad `--set` with one line and status 1, before opening any device.
//!
//! Its own file (its own process) because libjack reaches only the first private server a
//! process meets (see `PrivateJack`), and tests/standalone_jack.rs has its own.
//! Needs jackd and Xvfb (scripts/system-deps.sh); the bundle must be current.

mod bundle;
use bundle::{standalone_binary, standalone_on_jack};

use std::process::{Command, Stdio};
use std::time::Duration;

use jack::LatencyType;
use runnel_engine::engine::Engine;
use runnel_engine::presets::command_line::values_from;
use runnel_live::jack_loop::JackLoop;
use test_support::servers::{interrupt, PrivateDisplay, PrivateJack};

/// The private server's rate.
const SAMPLE_RATE: u32 = 48_000;
/// The private server's period.
const PERIOD: u32 = 256;
/// The standalone's JACK client name.
const RUNNEL_CLIENT: &str = "runnel";
/// What the standalone is started with.
const SET: &str = "limiter_on=on";

/// The engine's latency with [`SET`] applied to the defaults, computed by the engine crate
/// itself (not by the plugin under test).
fn expected_latency() -> u32 {
    let values = values_from(None, &[SET.to_string()]).expect("a valid --set");
    let mut engine = Engine::new();
    engine.prepare(SAMPLE_RATE as f32, PERIOD as usize);
    engine.set_settings(&values.to_settings());
    engine.latency_samples()
}

#[test]
fn a_bad_set_is_one_line_and_status_1() {
    let output = Command::new(standalone_binary())
        .args(["--backend", "jack", "--set", "no_such_param=1"])
        .env("JACK_DEFAULT_SERVER", "runnel-no-such-server")
        .stdin(Stdio::null())
        .output()
        .expect("run the standalone");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--set no_such_param=1:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_plugins_latency_is_in_the_round_trip_the_ports_and_the_summary() {
    let latency = expected_latency();
    assert!(latency > 0, "{SET} must add latency for this test to mean anything");
    let display = PrivateDisplay::start(Stdio::null()).unwrap_or_else(|e| panic!("{e}"));
    let jack = PrivateJack::start("runnel-latency-test", SAMPLE_RATE, PERIOD, Stdio::null(), Stdio::null())
        .unwrap_or_else(|e| panic!("{e}"));
    let probe = jack.client("probe");
    let standalone = standalone_on_jack(&display, &jack, &probe, &["--set", SET], &[]);
    let port = |name: &str| format!("{RUNNEL_CLIENT}:{name}");
    // Its client activates after it registers the ports; give the activation (and the latency
    // follower's first 100 ms turn) time to land.
    std::thread::sleep(Duration::from_millis(1000));

    let meter = JackLoop {
        client_name: "meter".into(),
        playback: vec![port("input_1")],
        capture: port("output_1"),
        max_latency_seconds: 0.5,
    };
    let estimate = meter.measure_with_retries(3).unwrap_or_else(|e| panic!("no measurement: {e}"));
    // The meter's loop through a client is one JACK period (JACK breaks the cycle there); the
    // rest is the plugin's lookahead.
    let through_plugin = estimate.frames - f64::from(PERIOD);

    // The ranges as JACK computed them now, with the meter's ports gone: nothing is connected,
    // so inputs carry 0 and the outputs exactly what the plugin adds.
    let range = |name: &str, mode: LatencyType| {
        probe.port_by_name(&port(name)).unwrap_or_else(|| panic!("{name}")).get_latency_range(mode)
    };
    let capture = (range("input_1", LatencyType::Capture), range("output_1", LatencyType::Capture));
    let playback = (range("input_1", LatencyType::Playback), range("output_1", LatencyType::Playback));

    let output = interrupt(standalone.take(), "the standalone");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary =
        stderr.lines().find(|l| l.starts_with("Runnel: ")).unwrap_or_else(|| panic!("no summary:\n{stderr}"));
    println!(
        "standalone_jack_latency: {SET}: engine latency {latency}; measured {estimate} ({through_plugin:.2} \
         through the plugin); capture ranges in {:?} out {:?}; playback ranges in {:?} out {:?}\n{summary}",
        capture.0, capture.1, playback.0, playback.1
    );
    assert!(output.status.success(), "Ctrl-C is a clean stop: {:?}\n{stderr}", output.status);
    assert!(
        (through_plugin - f64::from(latency)).abs() <= 0.1,
        "round trip {} frames = period {PERIOD} + {through_plugin:.2}, expected + {latency}: the --set \
         did not take effect or the standalone adds something",
        estimate.frames
    );
    assert_eq!(capture.1 .0 - capture.0 .0, latency, "capture: out {:?} vs in {:?}", capture.1, capture.0);
    assert_eq!(capture.1 .1 - capture.0 .1, latency, "capture: out {:?} vs in {:?}", capture.1, capture.0);
    assert_eq!(
        playback.0 .0 - playback.1 .0,
        latency,
        "playback: in {:?} vs out {:?}",
        playback.0,
        playback.1
    );
    assert_eq!(
        playback.0 .1 - playback.1 .1,
        latency,
        "playback: in {:?} vs out {:?}",
        playback.0,
        playback.1
    );
    assert!(summary.contains(&format!("+ plugin {latency} =")), "{summary}");
    drop((probe, jack, display));
}
