//! An engine that misses its deadline, on the real cpal ALSA path: `runnel live`'s cpal host
//! runs between the capture and playback sides of an ALSA PCM of `type jack` (Debian
//! `libasound2-plugins`) on a private `jackd` (dummy driver), and its playback callback — where
//! the engine runs — is stalled once for four periods by the host's test hook.
//!
//! A JACK client plays a signal in which every frame names itself (frame `n` as two 12-bit
//! levels, one per channel) into the PCM's capture side and records its playback side, so each
//! returned frame says which input frame it is, or that it is silence. With every stage off the
//! engine passes its input through unchanged, so what comes back shows what a listener hears
//! around the miss: the output is **silence** where the engine had nothing ready (never a stall
//! of the stream, never audio that already played played again), the miss is counted (one late
//! callback, the device's xrun), and afterwards the stream carries on from where it was, with the
//! round trip back where it was before the miss.
//!
//! Needs jackd and libasound2-plugins (scripts/system-deps.sh installs them).

use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use runnel_engine::params::values::ParamValues;
use runnel_live::cpal_host::{CpalHost, CpalOptions};
use runnel_live::fault::Stall;
use test_support::self_naming::{
    after_signal, first_replay, run_table, runs, AfterSignal, Returned, SelfNamingLoop,
};
use test_support::servers::{alsa_jack_home, PrivateJack};

/// The private server's rate.
const SAMPLE_RATE: u32 = 48_000;
/// JACK's period and the host's: large enough that the dummy driver keeps time on a busy
/// 2-core machine.
const PERIOD: usize = 512;
/// The PCM's description, which is the device name cpal shows.
const PCM_NAME: &str = "Runnel deadline-miss PCM";
/// When the engine stalls, from the host's start.
const STALL_AFTER: Duration = Duration::from_secs(4);
/// How long it stalls: four periods, twice what the playback buffer holds.
const STALL_PERIODS: usize = 4;
/// How much of the loop's return the test records, frames.
const RECORD_FRAMES: usize = 9 * SAMPLE_RATE as usize;

/// The first port matching the regular expression `pattern`.
fn find_port(client: &jack::Client, pattern: &str) -> Option<String> {
    client.ports(Some(pattern), None, jack::PortFlags::empty()).into_iter().next()
}

#[test]
fn a_missed_deadline_plays_silence_then_the_stream_carries_on() {
    // cpal's ALSA enumeration reads `~/.asoundrc`: this process's home is the private one.
    let home = alsa_jack_home("deadline", PCM_NAME);
    std::env::set_var("HOME", &home);
    let jack =
        PrivateJack::start("runnel-deadline", SAMPLE_RATE, PERIOD as u32, Stdio::null(), Stdio::null())
            .unwrap_or_else(|e| panic!("{e}"));

    let mut values = ParamValues::defaults();
    for id in ["filter_on", "delay_on", "reverb_on"] {
        values.set(id, 0.0).unwrap();
    }
    let stall = Stall {
        after: STALL_AFTER,
        duration: Duration::from_secs_f64((STALL_PERIODS * PERIOD) as f64 / f64::from(SAMPLE_RATE)),
    };
    let options = CpalOptions {
        backend: Some("ALSA".into()),
        input_device: Some(PCM_NAME.into()),
        output_device: Some(PCM_NAME.into()),
        sample_rate: SAMPLE_RATE,
        period: PERIOD as u32,
        engine_stall: Some(stall),
    };
    let started = Instant::now();
    let host = CpalHost::start(&options, &values.to_settings(), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(host.engine_latency, 0, "every stage off");

    // The PCM's JACK clients are named after this program and process (`<program>.C.<pid>.<n>`,
    // `.P.` for playback), truncated to JACK's 31 characters, which a test binary's long name
    // cuts off; they are the only clients in this private server with ports named like that.
    let probe = jack.client("probe");
    let deadline = Instant::now() + Duration::from_secs(10);
    let ports = loop {
        let find = |port: &str| find_port(&probe, &format!("^[^:]*:{port}$"));
        let found = [find("in_000"), find("in_001"), find("out_000"), find("out_001")];
        if found.iter().all(Option::is_some) {
            break found.map(Option::unwrap);
        }
        assert!(Instant::now() < deadline, "the PCM's ports never appeared in JACK");
        std::thread::sleep(Duration::from_millis(50));
    };

    let recording =
        SelfNamingLoop::start("source", [&ports[0], &ports[1]], [&ports[2], &ports[3]], RECORD_FRAMES);
    assert!(
        started.elapsed() + Duration::from_secs(1) < STALL_AFTER,
        "the recording must begin well before the stall"
    );

    // The round trip the host measures while running, a moment before the stall.
    std::thread::sleep(STALL_AFTER - Duration::from_millis(300) - started.elapsed());
    let round_trip_before = host.counters().round_trip_frames().expect("playback started");
    let late_before = host.stats().late_callbacks.load(Ordering::Relaxed);
    let (returned, server_xruns) = recording.finish(Duration::from_secs(20));
    let round_trip_after = host.counters().round_trip_frames().expect("playback running");
    let stats = host.stats();
    let counters = host.counters();
    let late = stats.late_callbacks.load(Ordering::Relaxed);
    let xruns = stats.xruns.load(Ordering::Relaxed);
    let underrun = counters.output_underrun_frames.load(Ordering::Relaxed);
    let overflow = counters.input_overflow_frames.load(Ordering::Relaxed);
    let skipped = counters.drift_dropped_frames.load(Ordering::Relaxed);
    let repeated = counters.drift_repeated_frames.load(Ordering::Relaxed);
    let caught_up = counters.catch_up_frames.load(Ordering::Relaxed);
    drop(host);

    let runs = runs(&returned);
    let AfterSignal { silence: silence_after_start, blends } = after_signal(&returned);
    let summary = format!(
        "round trip before {round_trip_before:.1}, after {round_trip_after:.1} frames; late callbacks \
         {late} ({late_before} before the stall), xruns {xruns}, underrun {underrun}, overflow {overflow}, \
         drift skipped {skipped} / repeated {repeated}, caught up {caught_up}; JACK xruns {server_xruns}; after the signal \
         began: {silence_after_start} frames of silence, {blends} blended; runs (at, first, len, lag): {:?}",
        run_table(&runs)
    );
    println!("cpal_deadline_miss: {summary}");
    assert!(!runs.is_empty(), "{summary}");
    // Never a stall: the stream carries on to the end of the recording.
    let last = runs.last().unwrap();
    assert!(last.at + last.len + 2 * PERIOD >= RECORD_FRAMES, "the stream stopped: {summary}");
    // The rest is judged when the server itself kept time: a cycle JACK missed is a gap, or
    // stale port buffers, that are nobody's fault here (a loaded machine's dummy driver).
    if server_xruns > 0 {
        println!("cpal_deadline_miss: JACK itself missed {server_xruns} cycles; not judged beyond the stream carrying on");
        return;
    }

    // Never audio that already played, played again: each run starts after the last frame of
    // the one before.
    if let Some((before, again)) = first_replay(&runs) {
        panic!("{again:?} replays frames {before:?} already played: {summary}");
    }
    // The missed deadline is heard as silence: the playback buffer (two periods) covered
    // half of the four stalled periods, so at least one period is silent where the engine had
    // nothing ready, and nothing else in the recording is.
    assert!(
        (PERIOD..=(STALL_PERIODS + 2) * PERIOD).contains(&silence_after_start),
        "{silence_after_start} frames of silence for a stall of {STALL_PERIODS} periods: {summary}"
    );
    // Counted: the stalled callback was late, exactly once; the device ran dry (an xrun) or
    // the host played silence for an empty queue.
    assert_eq!((late_before, late), (0, 1), "one late callback, the stalled one: {summary}");
    assert!(xruns as u64 + underrun > 0, "the miss must show in the counters: {summary}");
    assert_eq!(overflow, 0, "the capture side never stalled: {summary}");
    // Afterwards the loop is as it was: the capture side went on during the stall, and the
    // backlog it left (a period here) is dropped at once, in one crossfade, once the restarted
    // stream has settled (`DriftSlip::resync`), not slipped off 16 frames at a time over
    // seconds. The last run's lag (signal frame → recording position) and the host's measured
    // round trip are back where they were before the stall, to the accuracy of the fill the
    // corrector measures (a few frames; 16 = a third of a millisecond allowed).
    assert!(caught_up >= PERIOD as u64 / 2, "the backlog must be dropped at once: {summary}");
    assert!(skipped + repeated <= 64, "no drift here, so (almost) no slips: {summary}");
    // The first run ends where the silence of the miss begins.
    let first = runs.first().unwrap();
    let miss_at = first.at + first.len;
    assert_eq!(
        returned.get(miss_at),
        Some(&Returned::Silence),
        "the stream broke off without silence: {summary}"
    );
    assert!(
        (last.lag() - first.lag()).abs() <= 16,
        "the round trip moved from {} to {} frames: {summary}",
        first.lag(),
        last.lag()
    );
    assert!(
        last.at < miss_at + SAMPLE_RATE as usize / 2,
        "the round trip must be back within half a second of the miss: {summary}"
    );
    // The host's own figure is a running estimate, timed with the system clock: a few frames of
    // noise either way, a few dozen on a loaded machine (its callbacks wake up with scheduling
    // jitter; 19 frames were seen with a busy loop beside the test). It must follow the real
    // change of the loop's delay (the exact lags above) within 1 ms, as `runnel live` on ALSA
    // must print its round trip within 1 ms of the measured one; a backlog it failed to see
    // dropped would be a period off.
    let real_change = (last.lag() - first.lag()) as f64;
    assert!(
        ((round_trip_after - round_trip_before) - real_change).abs() <= 48.0,
        "the host's round trip moved unlike the loop's delay ({real_change:+} frames): {summary}"
    );
    drop(jack);
    let _ = std::fs::remove_dir_all(&home);
}
