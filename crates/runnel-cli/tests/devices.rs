//! `runnel devices` as a user runs it: the ALSA backend with ALSA's always-present `null` PCM,
//! and a running JACK server (a private `jackd`, dummy driver) with its rate and period; then the
//! same with no server. Needs `jackd` (Debian `jackd2`, installed by scripts/system-deps.sh).

use std::process::{Command, Output, Stdio};

use test_support::servers::PrivateJack;

/// Runs the built `runnel devices` with `args`.
fn devices(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runnel"))
        .arg("devices")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

#[test]
fn devices_lists_alsa_and_the_running_jack_server() {
    let jack = PrivateJack::start("runnel-devices-test", 44_100, 128, Stdio::null(), Stdio::null())
        .unwrap_or_else(|e| panic!("{e}"));
    let output = devices(&[]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    println!("{text}");
    assert!(text.contains("JACK server: 44100 Hz, period 128 frames (2.90 ms)"), "{text}");
    if cfg!(target_os = "linux") {
        // ALSA's `null` PCM is defined by alsa-lib itself, so every Linux machine lists it.
        assert!(text.lines().any(|l| l == "ALSA"), "{text}");
        assert!(text.contains("id:  null"), "{text}");
        assert!(text.contains("out: 1–64 ch; f32"), "{text}");
    }

    let output = devices(&["--json"]);
    assert!(output.status.success());
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(listing["jack"]["sample_rate"], 44_100, "{listing}");
    assert_eq!(listing["jack"]["period_frames"], 128, "{listing}");
    if cfg!(target_os = "linux") {
        let alsa =
            listing["backends"].as_array().unwrap().iter().find(|b| b["name"] == "ALSA").expect("ALSA");
        let null = alsa["devices"].as_array().unwrap().iter().find(|d| d["id"] == "null").expect("null PCM");
        assert!(null["output"]["common_rates"].as_array().unwrap().contains(&48_000.into()), "{null}");
        assert!(null["output"]["formats"].as_array().unwrap().contains(&"i16".into()), "{null}");
    }

    drop(jack);
    let output = devices(&[]);
    assert!(output.status.success(), "no JACK server is not an error");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("JACK: no JACK server is running"), "{text}");
}
