//! The bundled standalone on its cpal ALSA path when the plugin misses its deadline: the output
//! callback, where the plugin runs, is stalled once for four periods (the test hook
//! `RUNNEL_TEST_ENGINE_STALL`, see patches/README.md) while a signal whose every frame names
//! itself goes through it (every stage off, so unchanged), through an ALSA PCM of `type jack` on a
//! private `jackd` (dummy driver), as in `tests/standalone_alsa.rs`.
//!
//! What a listener must hear: silence where the plugin had nothing ready — never the stream
//! stopping, never audio that already played played again — and afterwards the stream carrying
//! on with the round trip where it was before (capture went on during the stall, and the backlog
//! it left is dropped at once in one crossfade, not kept as latency); the miss counted in the
//! summary (the late callback, the device's xrun or the underrun, the frames caught up).
//!
//! Its own file (its own process) because libjack reaches only the first private server a
//! process meets (see `PrivateJack`). Needs jackd, Xvfb and libasound2-plugins
//! (scripts/system-deps.sh); the bundle must be current.

mod bundle;
use bundle::{standalone_on_alsa, standalone_pcm_ports};

use std::process::Stdio;
use std::time::{Duration, Instant};

use test_support::self_naming::{
    after_signal, first_replay, run_table, runs, AfterSignal, Returned, SelfNamingLoop,
};
use test_support::servers::{alsa_jack_home, interrupt, PrivateDisplay, PrivateJack};

/// The private server's rate.
const SAMPLE_RATE: u32 = 48_000;
/// The period of JACK and of the standalone: large enough that the dummy driver keeps time on a
/// busy 2-core machine.
const PERIOD: usize = 512;
/// The PCM's description, which is the name the standalone's device options match.
const PCM_NAME: &str = "Runnel standalone deadline PCM";
/// How long the plugin stalls, in periods: twice what the playback buffer holds.
const STALL_PERIODS: usize = 4;
/// When it stalls, seconds after the standalone's audio started: after the PCM's ports are up
/// and the recording has begun.
const STALL_AFTER_SECONDS: f64 = 5.0;
/// Frames recorded.
const RECORD_FRAMES: usize = 9 * SAMPLE_RATE as usize;

#[test]
fn a_missed_deadline_on_the_alsa_path_is_silence_then_the_round_trip_is_restored() {
    let home = alsa_jack_home("standalone-deadline", PCM_NAME);
    let display = PrivateDisplay::start(Stdio::null()).unwrap_or_else(|e| panic!("{e}"));
    let jack =
        PrivateJack::start("runnel-alsa-deadline", SAMPLE_RATE, PERIOD as u32, Stdio::null(), Stdio::null())
            .unwrap_or_else(|e| panic!("{e}"));
    let probe = jack.client("probe");
    let stall_seconds = (STALL_PERIODS * PERIOD) as f64 / f64::from(SAMPLE_RATE);
    let stall = format!("{STALL_AFTER_SECONDS}:{stall_seconds}");
    let standalone = standalone_on_alsa(
        &home,
        &display,
        &jack,
        PCM_NAME,
        SAMPLE_RATE,
        PERIOD,
        &["--set", "filter_on=off", "--set", "delay_on=off", "--set", "reverb_on=off"],
        &[("RUNNEL_TEST_ENGINE_STALL", &stall)],
    );
    let started = Instant::now();
    let ports = standalone_pcm_ports(&probe, standalone.id());
    let recording =
        SelfNamingLoop::start("named", [&ports[0], &ports[1]], [&ports[2], &ports[3]], RECORD_FRAMES);
    assert!(
        started.elapsed().as_secs_f64() + 1.0 < STALL_AFTER_SECONDS,
        "the recording must begin well before the stall ({:?} after the start)",
        started.elapsed()
    );
    let (returned, server_xruns) = recording.finish(Duration::from_secs(20));
    let output = interrupt(standalone.take(), "the standalone");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary =
        stderr.lines().find(|l| l.starts_with("Runnel: ")).unwrap_or_else(|| panic!("no summary:\n{stderr}"));

    let runs = runs(&returned);
    let AfterSignal { silence, blends } = after_signal(&returned);
    let report = format!(
        "{silence} frames of silence and {blends} blended after the signal began, {server_xruns} JACK xruns; \
         runs (at, first, len, lag): {:?}\n{summary}",
        run_table(&runs)
    );
    println!("standalone_alsa_deadline: {report}");
    assert!(output.status.success(), "Ctrl-C is a clean stop: {:?}\n{stderr}", output.status);
    // Never a stall of the stream: it carries on to the end of the recording.
    let (first, last) = (runs.first().expect("audio came back"), runs.last().unwrap());
    assert!(last.at + last.len + 2 * PERIOD >= RECORD_FRAMES, "the stream stopped: {report}");
    // Counted: the stalled callback was late, and the drop of the backlog shows.
    assert!(summary.contains("late callbacks 1,"), "one late callback, the stalled one: {report}");
    assert!(!summary.contains("caught up after xruns: 0 frames"), "the backlog must be dropped: {report}");
    // The rest is judged when the server itself kept time (a cycle JACK missed on a loaded
    // machine leaves stale port buffers and gaps that are nobody's fault here).
    if server_xruns > 0 {
        println!(
            "standalone_alsa_deadline: JACK missed {server_xruns} cycles; judged only the stream carrying on"
        );
        return;
    }
    // Never audio that already played, played again.
    if let Some((before, again)) = first_replay(&runs) {
        panic!("{again:?} replays frames {before:?} already played: {report}");
    }
    // The miss is heard as silence: at least a period where the plugin had nothing ready (the
    // playback buffer's two periods cover the rest of the stall), and no other silence.
    assert!((PERIOD..=(STALL_PERIODS + 2) * PERIOD).contains(&silence), "{report}");
    assert_eq!(
        returned.get(first.at + first.len),
        Some(&Returned::Silence),
        "the stream broke off without silence: {report}"
    );
    // Afterwards the round trip is where it was, within half a second of the miss: the backlog
    // (a period, 512 frames) dropped, to within 1 ms — the accuracy of the timed fill the
    // corrector measures, the same bar as every timed figure of the cpal path. In the standalone
    // the jump has landed 8 frames short to 28 long (the editor's threads share the cores; in
    // `runnel live`'s host, `cpal_deadline_miss`, within 2).
    assert!(
        (last.lag() - first.lag()).abs() <= 48,
        "the round trip moved from {} to {} frames: {report}",
        first.lag(),
        last.lag()
    );
    assert!(
        last.at < first.at + first.len + SAMPLE_RATE as usize / 2,
        "the round trip must be back within half a second of the miss: {report}"
    );
    drop((probe, jack, display));
    let _ = std::fs::remove_dir_all(&home);
}
