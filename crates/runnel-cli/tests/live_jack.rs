//! `runnel live` as a user runs it, on a private `jackd` (dummy driver): started with a preset
//! and `--set`s and a recording, measured through by the latency meter, stopped with SIGINT; and
//! its refusals (bad `--set`, missing preset, no server). Needs `jackd` (Debian `jackd2`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use runnel_live::jack_loop::JackLoop;
use test_support::servers::PrivateJack;

const SAMPLE_RATE: u32 = 48_000;
const PERIOD: u32 = 128;

/// Starts `runnel live` with `args` against the private server.
fn spawn_live(server: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_runnel"))
        .args(["live", "--quiet", "--server", server])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn runnel live")
}

#[test]
fn live_runs_records_and_stops_cleanly_on_sigint() {
    let jack = PrivateJack::start("runnel-live-cli-test", SAMPLE_RATE, PERIOD, Stdio::null(), Stdio::null())
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("runnel-live-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("take.wav");
    let wav_text = wav.to_str().unwrap();
    // Every stage off but a +6 dB output gain, set through the preset and --set texts.
    let live = spawn_live(
        jack.name(),
        &[
            "--preset",
            "Slapback",
            "--set",
            "filter_on=off",
            "--set",
            "delay_on=off",
            "--set",
            "reverb_on=off",
            "--set",
            "out_gain=6",
            "--record",
            wav_text,
        ],
    );
    let probe = jack.client("probe");
    let deadline = Instant::now() + Duration::from_secs(10);
    while probe.port_by_name("runnel-live:out_1").is_none() {
        assert!(Instant::now() < deadline, "runnel live did not register its ports");
        std::thread::sleep(Duration::from_millis(50));
    }

    let meter = JackLoop {
        client_name: "meter".into(),
        playback: vec!["runnel-live:in_1".into()],
        capture: "runnel-live:out_1".into(),
        max_latency_seconds: 0.1,
    };
    let estimate = meter.measure().expect("measure").result.expect("a clean loop");
    println!("live_jack: {estimate}");
    assert!((estimate.frames - f64::from(PERIOD)).abs() < 0.1, "only JACK's graph cycle: {estimate}");

    let _ = Command::new("kill").args(["-INT", &live.id().to_string()]).status();
    let output = live.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("live_jack: {stderr}{stdout}");
    assert!(output.status.success(), "SIGINT is a clean stop: {:?}\n{stderr}", output.status);
    assert!(stderr.contains("at 48000 Hz, period 128 frames"), "{stderr}");
    assert!(stdout.contains("runnel live: ran") && stdout.contains("dropped 0"), "{stdout}");

    // The recording is a finished WAV holding the chirps (left channel), 6 dB up.
    let reader = hound::WavReader::open(&wav).expect("a valid WAV after SIGINT");
    let samples: Vec<f32> = reader.into_samples().map(Result::unwrap).collect();
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let expected = 0.25 * 10f32.powf(6.0 / 20.0);
    assert!((peak - expected).abs() < 0.01 * expected, "peak {peak}, expected {expected}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn live_refuses_bad_settings_and_a_missing_server_with_one_line() {
    for (args, expected) in [
        (vec!["--set", "nope=1"], "unknown parameter `nope`"),
        (vec!["--set", "hp_freq=loud"], "--set hp_freq=loud"),
        (vec!["--preset", "No Such Preset"], "no preset named `No Such Preset`"),
        (vec![], "no JACK server is running"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_runnel"))
            .args(["live", "--server", "runnel-no-such-server"])
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
