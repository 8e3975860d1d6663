//! Ctrl-C: SIGINT in the middle of a batch keeps the outputs that were finished, leaves nothing
//! under the final name of the file being rendered, removes every temporary, reports what
//! finished and exits with 130.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn sigint_mid_render_leaves_no_partial_output_and_no_temporary() {
    let dir = temp_dir("interrupt");
    let rate = 48_000;
    let short = dir.join("a-short.wav");
    write_wav_f32(&short, rate, &test_support::signals::program(0.5, rate as f64, 1));
    // Long enough that the render is still running when the signal comes (minutes of audio).
    let long = dir.join("b-long.wav");
    let minutes = test_support::signals::program(240.0, rate as f64, 2);
    write_wav_f32(&long, rate, &minutes);
    drop(minutes);
    let out = dir.join("out");
    let child = runnel()
        .args(["render", short.to_str().unwrap(), long.to_str().unwrap(), "--out-dir", out.to_str().unwrap()])
        .args(["--jobs", "1", "--json", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the long file's temporary exists: the render is under way.
    let started = Instant::now();
    let temp_of_long = || {
        std::fs::read_dir(&out)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".b-long.wav.runnel-"))
    };
    while !temp_of_long() {
        assert!(started.elapsed() < Duration::from_secs(60), "the long render never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted; 1 of 2 files finished"), "{err}");
    // The finished file stays; nothing else is there, not even hidden.
    assert_eq!(files_in(&out), [out.join("a-short.wav")]);
    let summary = json(&output);
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["files"][0]["status"], "ok");
    assert_eq!(summary["files"][1]["status"], "interrupted");
}

#[test]
fn a_second_sigint_exits_at_once_and_still_leaves_no_temporary() {
    let dir = temp_dir("interrupt-twice");
    let rate = 48_000;
    let long = dir.join("long.wav");
    let minutes = test_support::signals::program(120.0, rate as f64, 3);
    write_wav_f32(&long, rate, &minutes);
    drop(minutes);
    let out = dir.join("out");
    // Two passes (--normalize): the first pass's float temporary exists while it runs.
    let child = runnel()
        .args(["render", long.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "--normalize", "-16"])
        .args(["--jobs", "1", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !out.exists() || files_in(&out).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "the render never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    // Both signals back to back: the second arrives before the render threads have unwound.
    let pid = child.id().to_string();
    let status =
        Command::new("sh").args(["-c", &format!("kill -INT {pid}; kill -INT {pid}")]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_eq!(files_in(&out), Vec::<std::path::PathBuf>::new(), "nothing left, not even hidden");
}
