//! The bundled standalone on JACK when the plugin misses its deadline: its process callback is
//! stalled once for four periods (the test hook `RUNNEL_TEST_ENGINE_STALL`, see patches/README.md)
//! while a signal whose every frame names itself goes through it (every stage off, so
//! unchanged). JACK hands readers a client's output buffers whether or not it finished its
//! cycle, so what they took during the stall must be silence — never the period before, or a
//! half-processed one, played again — and the stream must carry on with the same delay, the
//! late callback counted in the summary.
//!
//! Its own file (its own process) because libjack reaches only the first private server a
//! process meets (see `PrivateJack`). Needs jackd and Xvfb (scripts/system-deps.sh); the bundle
//! must be current.

mod bundle;
use bundle::standalone_on_jack;

use std::process::Stdio;
use std::time::Duration;

use test_support::self_naming::{
    after_signal, first_replay, longest_gap, run_table, runs, AfterSignal, SelfNamingLoop,
};
use test_support::servers::{interrupt, PrivateDisplay, PrivateJack};

/// The private server's rate.
const SAMPLE_RATE: u32 = 48_000;
/// The private server's period.
const PERIOD: usize = 256;
/// How long the plugin stalls, in periods.
const STALL_PERIODS: usize = 4;
/// When it stalls, seconds after the standalone's audio started: after its ports are up and
/// the recording has begun.
const STALL_AFTER_SECONDS: f64 = 4.0;
/// Frames recorded.
const RECORD_FRAMES: usize = 8 * SAMPLE_RATE as usize;

#[test]
fn a_missed_deadline_in_the_standalone_is_silence_never_stale_audio() {
    let display = PrivateDisplay::start(Stdio::null()).unwrap_or_else(|e| panic!("{e}"));
    let jack =
        PrivateJack::start("runnel-deadline-test", SAMPLE_RATE, PERIOD as u32, Stdio::null(), Stdio::null())
            .unwrap_or_else(|e| panic!("{e}"));
    let probe = jack.client("probe");
    let stall_seconds = (STALL_PERIODS * PERIOD) as f64 / f64::from(SAMPLE_RATE);
    let stall = format!("{STALL_AFTER_SECONDS}:{stall_seconds}");
    let standalone = standalone_on_jack(
        &display,
        &jack,
        &probe,
        &["--set", "filter_on=off", "--set", "delay_on=off", "--set", "reverb_on=off"],
        &[("RUNNEL_TEST_ENGINE_STALL", &stall)],
    );
    let port = |name: &str| format!("runnel:{name}");
    let recording = SelfNamingLoop::start(
        "named",
        [&port("input_1"), &port("input_2")],
        [&port("output_1"), &port("output_2")],
        RECORD_FRAMES,
    );
    let (returned, server_xruns) = recording.finish(Duration::from_secs(20));
    let output = interrupt(standalone.take(), "the standalone");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary =
        stderr.lines().find(|l| l.starts_with("Runnel: ")).unwrap_or_else(|| panic!("no summary:\n{stderr}"));

    let runs = runs(&returned);
    let AfterSignal { silence, blends } = after_signal(&returned);
    let report = format!(
        "{silence} frames of silence and {blends} blended after the signal began, {server_xruns} xruns seen by \
         the loop's client; runs (at, first, len, lag): {:?}\n{summary}",
        run_table(&runs)
    );
    println!("standalone_jack_deadline: {report}");
    assert!(output.status.success(), "Ctrl-C is a clean stop: {:?}\n{stderr}", output.status);
    let last = runs.last().expect("audio came back");
    assert!(last.at + last.len + 2 * PERIOD >= RECORD_FRAMES, "the stream stopped: {report}");
    // The stall is the longest silence: the periods missed are silence (the stalled callback's
    // own period JACK reads once it is done, late), never a replay, nothing half-processed, and
    // JACK drops rather than delays, so the loop's delay after it is what it was before.
    let gap = longest_gap(&returned, &runs).unwrap_or_else(|| panic!("no silence for the stall: {report}"));
    assert!(
        (2 * PERIOD..=(STALL_PERIODS + 1) * PERIOD).contains(&gap.silence),
        "the miss must be silence: {gap:?}; {report}"
    );
    assert!(!gap.replays(), "the stall replayed audio: {gap:?}; {report}");
    assert_eq!(gap.before.lag(), gap.after.lag(), "{gap:?}; {report}");
    assert_eq!(blends, 0, "nothing half-processed: {report}");
    assert!(!summary.contains("late callbacks 0"), "the stall must be counted: {report}");
    // Anywhere else, a replay is JACK's own: a cycle in which the server did not get to run the
    // client (its xruns) leaves readers the buffer of the cycle before. Not judged when the
    // server missed cycles; with none, there must be no replay at all.
    match first_replay(&runs) {
        Some(pair) if server_xruns == 0 => panic!("{pair:?}: a replay with no JACK xrun: {report}"),
        Some(pair) => {
            println!("standalone_jack_deadline: JACK replayed {pair:?} in one of its {server_xruns} xruns")
        }
        None => {}
    }
    drop((probe, jack, display));
}
