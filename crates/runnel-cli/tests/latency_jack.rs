//! `runnel latency` on real JACK loops: a private `jackd` (dummy driver) and a test client that
//! delays its input by a known amount — N frames, N + ½ frame (two averaged taps, a linear-phase
//! half-sample delay) or N frames inverted — between the meter's output and input.
//!
//! The loop also holds JACK's own share: the meter's output feeds the delayer, whose output
//! feeds the meter, a cycle in the graph, which JACK breaks by delivering the returning edge one
//! period later. The wire (N = 0) measures that share; every inserted delay must then read as the
//! wire plus exactly what was inserted, to a tenth of a frame.
//!
//! Needs `jackd` (Debian `jackd2`, installed by scripts/system-deps.sh); a missing tool fails.

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use jack::{AudioIn, AudioOut, Client, Control, Port, ProcessScope};
use test_support::servers::PrivateJack;

/// The private server's rate.
const SAMPLE_RATE: u32 = 48_000;
/// The private server's period.
const PERIOD_FRAMES: u32 = 256;
/// Longest delay the delayer can insert, in frames.
const MAX_DELAY: usize = 4096;

/// How the delayer shapes its input. Stored in an atomic so the test can change it between
/// measurements without reconnecting: `frames × 4 + shape`.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `y[n] = x[n − N]`.
    Whole = 0,
    /// `y[n] = (x[n − N] + x[n − N − 1]) / 2`: a delay of N + ½ with linear phase.
    Half = 1,
    /// `y[n] = −x[n − N]`.
    Inverted = 2,
}

/// A JACK client that delays its input by a settable amount, without allocating.
struct Delayer {
    /// The loop's entry.
    input: Port<AudioIn>,
    /// The loop's exit.
    output: Port<AudioOut>,
    /// The delay line (a power of two longer than any delay, so indices wrap with a mask).
    line: Vec<f32>,
    /// Write position.
    at: usize,
    /// `frames × 4 + shape`, set by the test.
    setting: Arc<AtomicU32>,
}

impl jack::ProcessHandler for Delayer {
    fn process(&mut self, _client: &Client, ps: &ProcessScope) -> Control {
        let setting = self.setting.load(Ordering::Relaxed);
        let (frames, shape) = ((setting / 4) as usize, setting % 4);
        let mask = self.line.len() - 1;
        let input = self.input.as_slice(ps);
        let output = self.output.as_mut_slice(ps);
        for (x, y) in input.iter().zip(output.iter_mut()) {
            self.line[self.at] = *x;
            let current = self.line[(self.at + self.line.len() - frames) & mask];
            let previous = self.line[(self.at + self.line.len() - frames - 1) & mask];
            *y = match shape {
                0 => current,
                1 => 0.5 * (current + previous),
                _ => -current,
            };
            self.at = (self.at + 1) & mask;
        }
        Control::Continue
    }
}

/// Runs `runnel latency --json` on the delayer's loop and returns (frames, inverted).
fn measure(server: &str) -> (f64, bool) {
    let output = run_meter(server, &["--playback", "delayer:in", "--capture", "delayer:out"]);
    assert!(output.status.success(), "runnel latency failed: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(report["sample_rate"], SAMPLE_RATE, "{report}");
    assert_eq!(report["period_frames"], PERIOD_FRAMES, "{report}");
    (report["frames"].as_f64().expect("frames"), report["inverted"].as_bool().expect("inverted"))
}

/// Runs the built `runnel latency` against `server` with `args`.
fn run_meter(server: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runnel"))
        .args(["latency", "--json", "--max-latency", "0.2", "--server", server])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run runnel latency")
}

#[test]
fn the_meter_reads_known_jack_loops_to_a_tenth_of_a_frame_and_refuses_an_open_one() {
    let jack =
        PrivateJack::start("runnel-latency-test", SAMPLE_RATE, PERIOD_FRAMES, Stdio::null(), Stdio::null())
            .unwrap_or_else(|e| panic!("{e}"));
    let client = jack.client("delayer");
    let setting = Arc::new(AtomicU32::new(0));
    let delayer = Delayer {
        input: client.register_port("in", AudioIn::default()).expect("register in"),
        output: client.register_port("out", AudioOut::default()).expect("register out"),
        line: vec![0.0; (MAX_DELAY + 2).next_power_of_two()],
        at: 0,
        setting: setting.clone(),
    };
    let active = client.activate_async((), delayer).expect("activate the delayer");

    let set = |frames: u32, shape: Shape| setting.store(frames * 4 + shape as u32, Ordering::Relaxed);
    set(0, Shape::Whole);
    let (wire, inverted) = measure(jack.name());
    println!("latency_jack: the wire reads {wire} frames");
    assert!(!inverted, "a wire does not invert");
    // JACK's share of the loop is whole cycles: the returning edge of the graph's cycle.
    assert!(
        (wire - f64::from(PERIOD_FRAMES)).abs() < 0.1,
        "the wire reads {wire} frames; JACK's graph cycle should add exactly one period ({PERIOD_FRAMES})"
    );
    for (frames, shape, expected) in [
        (1, Shape::Whole, 1.0),
        (100, Shape::Whole, 100.0),
        (100, Shape::Half, 100.5),
        (1000, Shape::Half, 1000.5),
        (37, Shape::Inverted, 37.0),
    ] {
        set(frames, shape);
        let (measured, inverted) = measure(jack.name());
        println!("latency_jack: {shape:?} {frames}: {measured} frames beyond the wire: {}", measured - wire);
        assert!(
            (measured - wire - expected).abs() <= 0.1,
            "{shape:?} {frames}: read {measured} − wire {wire} = {}, inserted {expected}",
            measured - wire
        );
        assert_eq!(inverted, matches!(shape, Shape::Inverted), "{shape:?} {frames}: polarity");
    }

    // An open loop: the meter plays into the delayer but records a port nothing feeds.
    let silent = jack.client("silent");
    let _idle = silent.register_port("out", AudioOut::default()).expect("register");
    let silent = silent.activate_async((), ()).expect("activate");
    let output = run_meter(jack.name(), &["--playback", "delayer:in", "--capture", "silent:out"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert!(report["error"].as_str().is_some_and(|e| e.contains("nothing came back")), "{report}");
    assert!(report.get("frames").is_none(), "an open loop must not report a latency: {report}");

    // A port that does not exist: one clear line, non-zero exit.
    let output = run_meter(jack.name(), &["--playback", "nobody:in", "--capture", "delayer:out"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect") && stderr.contains("nobody:in"), "{stderr}");
    drop((silent, active));
}
