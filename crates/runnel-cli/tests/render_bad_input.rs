//! Bad input: each problem gives one clear line naming the file (or the option), the documented
//! exit code, nothing under the final name, no temporary left behind, and the other files in
//! the batch are still rendered.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const RATE: u32 = 44_100;

/// A folder with one good file and the bad ones; returns (folder, good file).
fn fixtures(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let good = dir.join("good.wav");
    write_wav_f32(&good, RATE, &test_support::signals::program(0.5, RATE as f64, 1));
    std::fs::write(dir.join("empty.wav"), b"").unwrap();
    let whole = std::fs::read(&good).unwrap();
    std::fs::write(dir.join("truncated.wav"), &whole[..20]).unwrap();
    let mut rng = test_support::rng::Rng::new(4);
    let noise: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    std::fs::write(dir.join("random.wav"), noise).unwrap();
    let quad = test_support::signals::channels(vec![0.1; 4410], 4);
    write_wav_f32(&dir.join("quad.wav"), RATE, &quad);
    std::fs::create_dir_all(dir.join("no-audio")).unwrap();
    std::fs::write(dir.join("no-audio/readme.txt"), b"not audio").unwrap();
    (dir, good)
}

/// Lines of standard error that start with `runnel: <path>:`.
fn error_line<'a>(err: &'a str, path: &Path) -> Option<&'a str> {
    err.lines().find(|l| l.starts_with(&format!("runnel: {}:", path.display())))
}

/// No hidden temporaries (`.NAME.runnel-…`) anywhere under `dir`.
fn assert_no_temporaries(dir: &Path) {
    let left: Vec<_> =
        files_in(dir).into_iter().filter(|p| p.to_string_lossy().contains(".runnel-")).collect();
    assert!(left.is_empty(), "temporaries left: {left:?}");
}

#[test]
fn each_bad_file_gets_one_line_and_the_batch_goes_on() {
    let (dir, good) = fixtures("bad-files");
    let out = dir.join("out");
    let bad = [
        (dir.join("empty.wav"), "empty file"),
        (dir.join("truncated.wav"), "not a supported audio file"),
        (dir.join("random.wav"), "not a supported audio file"),
        (dir.join("quad.wav"), "4 channels; runnel renders mono and stereo files only"),
        (dir.join("no-audio"), "directory holds no audio files"),
        (dir.join("missing.wav"), "no such file or directory"),
        (dir.join("*.nothing"), "no file matches this pattern"),
    ];
    let mut args = vec!["render".to_string(), "--out-dir".into(), out.display().to_string(), "-q".into()];
    args.extend(bad.iter().map(|(p, _)| p.display().to_string()));
    args.push(good.display().to_string());
    let output = runnel().args(&args).output().unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    for (path, reason) in &bad {
        let line = error_line(&err, path).unwrap_or_else(|| panic!("no line for {}:\n{err}", path.display()));
        assert!(line.contains(reason), "{line}");
    }
    assert_eq!(err.lines().filter(|l| l.starts_with("runnel: /")).count(), bad.len(), "{err}");
    // Only the good file was written.
    assert_eq!(files_in(&out), [out.join("good.wav")]);
    assert_no_temporaries(&dir);
}

#[test]
fn an_unwritable_output_folder_fails_each_file_clearly() {
    let (dir, good) = fixtures("unwritable");
    // A regular file where the output folder should be: no one, not even root, can create it.
    std::fs::write(dir.join("blocker"), b"file").unwrap();
    let out = dir.join("blocker/out");
    let output = run(&["render", good.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "-q"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(error_line(&err, &good).is_some_and(|l| l.contains("cannot create the folder")), "{err}");
    // A read-only file system (procfs refuses new files, even to root).
    let output = run(&["render", good.to_str().unwrap(), "-o", "/proc/runnel-test-output.wav", "-q"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(error_line(&err, &good).is_some_and(|l| l.contains("cannot write the output")), "{err}");
    assert!(!Path::new("/proc/runnel-test-output.wav").exists());
    assert_no_temporaries(&dir);
}

#[test]
fn an_input_is_never_overwritten_and_an_existing_output_needs_force() {
    let (dir, good) = fixtures("same-path");
    let before = std::fs::read(&good).unwrap();
    // Same path, and the same file through another spelling.
    let other_spelling = dir.join("no-audio/../good.wav");
    for target in [good.clone(), other_spelling] {
        let output =
            run(&["render", good.to_str().unwrap(), "-o", target.to_str().unwrap(), "--force", "-q"]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(
            error_line(&err, &good).is_some_and(|l| l.contains("refusing to overwrite an input")),
            "{err}"
        );
    }
    // --out-dir equal to the input's folder, in the input's format.
    let output = run(&["render", good.to_str().unwrap(), "--out-dir", dir.to_str().unwrap(), "-q"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(std::fs::read(&good).unwrap(), before, "the input is untouched");

    // An existing output: refused without --force (and left as it was), replaced with it.
    let out = dir.join("existing.wav");
    std::fs::write(&out, b"keep me").unwrap();
    let output = run(&["render", good.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("exists; use --force"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let output = run(&["render", good.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q", "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read_wav(&out).1[0].len() > (RATE as f64 * 0.5) as usize, "rendered over the old file");
    assert_no_temporaries(&dir);
}

#[test]
fn bad_parameters_and_presets_are_usage_errors_that_render_nothing() {
    let (dir, good) = fixtures("bad-options");
    let out = dir.join("out");
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--set", "hp_frq=100"], &["unknown parameter `hp_frq`", "hp_freq"]),
        (&["--set", "colour=warm"], &["unknown parameter `colour`", "in_gain", "rv_mix"]),
        (&["--set", "hp_freq=loud"], &["`loud` is not a value of `hp_freq`", "accepted:"]),
        (&["--set", "hp_freq"], &["not an assignment", "id=value"]),
        (&["--preset", "No Such Preset"], &["no preset named `No Such Preset`", "\"Vocal Plate\""]),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["render", good.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "-q"];
        args.extend(extra);
        let output = run(&args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {err}");
        for text in expected {
            assert!(err.contains(text), "{extra:?}: `{text}` missing from {err}");
        }
        assert!(!out.exists(), "{extra:?} rendered something");
    }
    // Out of range is also refused, naming the range.
    let output =
        run(&["render", good.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "--set", "hp_freq=5"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("20 Hz"), "{}", stderr(&output));
}
