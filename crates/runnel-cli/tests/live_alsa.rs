//! `runnel live --backend alsa` without audio hardware: a private `jackd` (dummy driver) and an
//! ALSA PCM of `type jack` (Debian `libasound2-plugins`) in a private `~/.asoundrc`, whose capture
//! and playback are JACK clients; the latency meter plays into the PCM's capture side and records
//! its playback side, so the real cpal ALSA path of the headless host is measured end to end.
//!
//! What it shows: the round trip `runnel live` prints (the playback buffer, the engine, and the
//! capture queue it times while running: 1 536 or 2 048 frames here, as JACK orders its two
//! clients) is the one the meter measures, the stream runs without underruns or drift slips when
//! JACK ran clean, the recording holds the output, SIGINT stops it with a summary of every
//! counter; an unknown device, a rate and a period the PCM cannot run are
//! refused with one line naming the setting, exit 1, no panic.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use runnel_live::jack_loop::JackLoop;
use test_support::servers::{alsa_jack_home, interrupt, PrivateJack};

const SAMPLE_RATE: u32 = 48_000;
/// Large enough that the dummy driver keeps time on a busy 2-core machine.
const PERIOD: u32 = 512;
const PCM_NAME: &str = "Runnel live test JACK PCM";
/// How far the printed round trip may be from the measured one: the capture queue is timed
/// with the system clock, whose callbacks wake up with some scheduling jitter (1 ms).
const TOLERANCE_FRAMES: f64 = 48.0;
/// Measurements the test may repeat when JACK reported xruns during one.
const MAX_ATTEMPTS: usize = 3;

/// `runnel live --backend alsa` on the PCM with `extra` options.
fn live(home: &Path, server: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runnel"));
    command
        .args([
            "live",
            "--quiet",
            "--backend",
            "alsa",
            "--input-device",
            PCM_NAME,
            "--output-device",
            PCM_NAME,
        ])
        .args(extra)
        .env("HOME", home)
        .env("JACK_DEFAULT_SERVER", server)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The first port whose name starts with `prefix`.
fn find_port(client: &jack::Client, prefix: &str) -> Option<String> {
    client
        .ports(Some(&format!("^{}", prefix.replace('.', "\\."))), None, jack::PortFlags::empty())
        .into_iter()
        .next()
}

#[test]
fn live_on_alsa_reports_its_real_round_trip_records_and_refuses_bad_settings() {
    let home = alsa_jack_home("live", PCM_NAME);
    let jack = PrivateJack::start("runnel-live-alsa", SAMPLE_RATE, PERIOD, Stdio::null(), Stdio::null())
        .unwrap_or_else(|e| panic!("{e}"));

    for (extra, expected) in [
        (vec!["--output-device", "No Such Device"], "unknown output device 'No Such Device'"),
        (vec!["--sample-rate", "44100"], "does not run at 44100 Hz (supported: 48000–48000 Hz)"),
    ] {
        let mut command = live(&home, jack.name(), &[]);
        if extra[0] == "--output-device" {
            // Replace the output device given by `live`.
            command = Command::new(env!("CARGO_BIN_EXE_runnel"));
            command
                .args(["live", "--quiet", "--backend", "alsa", "--input-device", PCM_NAME])
                .args(&extra)
                .env("HOME", &home)
                .env("JACK_DEFAULT_SERVER", jack.name());
        } else {
            command.args(&extra);
        }
        let output = command.stdin(Stdio::null()).output().expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{extra:?} must fail with status 1:\n{stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{extra:?} must not panic:\n{stderr}");
    }

    // Every stage off but a +6 dB output gain, so the recording's level is known.
    let wav = home.join("take.wav");
    let settings = ["filter_on=off", "delay_on=off", "reverb_on=off", "out_gain=6"];
    let mut args =
        vec!["--period".to_string(), PERIOD.to_string(), "--record".into(), wav.display().to_string()];
    for set in settings {
        args.extend(["--set".to_string(), set.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = live(&home, jack.name(), &args).spawn().expect("spawn runnel live");
    let pid = child.id();
    let probe = jack.client("probe");
    let deadline = Instant::now() + Duration::from_secs(20);
    let (capture_in, playback_out) = loop {
        let ports =
            (find_port(&probe, &format!("runnel.C.{pid}.")), find_port(&probe, &format!("runnel.P.{pid}.")));
        if let (Some(c), Some(p)) = ports {
            break (c, p);
        }
        assert!(Instant::now() < deadline, "runnel live's ALSA PCM never appeared in JACK");
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(500));
    let meter = JackLoop {
        client_name: "meter".into(),
        playback: vec![capture_in],
        capture: playback_out,
        max_latency_seconds: 0.5,
    };
    let measured = meter.measure_with_retries(MAX_ATTEMPTS).map_err(|e| format!("no measurement: {e}"));

    let output = interrupt(child, "runnel live");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let log: String = stderr.lines().filter(|l| !l.starts_with("ALSA lib")).collect::<Vec<_>>().join("\n");
    let estimate = measured.unwrap_or_else(|e| panic!("{e}\n{log}\n{stdout}"));
    println!("live_alsa: {estimate}\n{log}\n{stdout}");
    assert!(output.status.success(), "SIGINT is a clean stop: {:?}\n{log}", output.status);
    // "latency 1536 frames = 32.00 ms (playback buffer 1024 + engine 0 + capture queue 512)"
    let reported: f64 = stdout
        .split("latency ")
        .nth(1)
        .and_then(|tail| tail.split(" frames").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no round trip in {stdout}"));
    assert!(stdout.contains(&format!("playback buffer {PERIOD}")), "{stdout}");
    assert!(
        (estimate.frames - reported).abs() <= TOLERANCE_FRAMES,
        "measured {} frames, reported {reported}: the printed latency must be the real one",
        estimate.frames
    );
    for counter in ["xruns", "input overflow", "output underrun", "clock drift"] {
        assert!(stdout.contains(counter), "the summary counts {counter}: {stdout}");
    }
    assert!(stdout.contains("dropped 0"), "{stdout}");
    if stdout.contains(" 0 xruns") {
        // One clock drives both sides: nothing may be missing, and nothing is drift.
        assert!(stdout.contains("output underrun 0 frames"), "{stdout}");
        assert!(stdout.contains("input overflow 0 frames"), "{stdout}");
        assert!(stdout.contains("clock drift 0 frames skipped, 0 repeated"), "{stdout}");
    } else {
        println!("live_alsa: JACK reported xruns; the stream counters are not judged");
    }
    // The recording holds the meter's chirps (peak 0.25) 6 dB up.
    let samples: Vec<f32> = hound::WavReader::open(&wav)
        .expect("a valid WAV after SIGINT")
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let expected = 0.25 * 10f32.powf(6.0 / 20.0);
    assert!((peak - expected).abs() < 0.01 * expected, "peak {peak}, expected {expected}");
    drop((probe, jack));
    let _ = std::fs::remove_dir_all(&home);
}
