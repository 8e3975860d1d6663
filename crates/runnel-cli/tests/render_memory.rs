//! Constant memory: the peak resident memory of `runnel render` (measured by GNU time) does not
//! grow with the file's length — a 10 s and a 60 s stereo file, plain and with the two-pass
//! `--normalize`/`--true-peak`, differ by less than 5 MiB and stay under 40 MiB. The 10 min vs
//! 60 min case is scripts/render-memory.sh (too slow for the test command).

mod common;

use std::path::Path;

use common::*;
use test_support::servers::require_tool;

/// Peak RSS in KiB of `runnel args…`.
fn peak_rss_kib(args: &[&str]) -> u64 {
    let time = require_tool("time", "time");
    let report = std::env::temp_dir().join(format!("runnel-rss-{}.txt", std::process::id()));
    let output = std::process::Command::new(time)
        .args(["-f", "%M", "-o", report.to_str().unwrap(), env!("CARGO_BIN_EXE_runnel")])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let kib = std::fs::read_to_string(&report).unwrap().trim().parse().unwrap();
    let _ = std::fs::remove_file(report);
    kib
}

/// Writes `seconds` of stereo 48 kHz program material, a second at a time.
fn write_long(path: &Path, seconds: usize) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    let second = test_support::signals::program(1.0, 48_000.0, 5);
    for _ in 0..seconds {
        for (l, r) in second[0].iter().zip(&second[1]) {
            writer.write_sample((l * 30_000.0) as i16).unwrap();
            writer.write_sample((r * 30_000.0) as i16).unwrap();
        }
    }
    writer.finalize().unwrap();
}

#[test]
fn peak_memory_does_not_grow_with_the_file_length() {
    let dir = temp_dir("memory");
    let (short, long) = (dir.join("short.wav"), dir.join("long.wav"));
    write_long(&short, 10);
    write_long(&long, 60);
    for extra in [&[][..], &["--normalize", "-16", "--true-peak", "-1"][..]] {
        let mut rss = Vec::new();
        for input in [&short, &long] {
            let out = dir.join("out.wav");
            let mut args =
                vec!["render", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--force", "-q"];
            args.extend(["--format", "wav16", "--jobs", "1"]);
            args.extend(extra);
            rss.push(peak_rss_kib(&args));
        }
        let growth = rss[1] as i64 - rss[0] as i64;
        eprintln!("peak RSS {extra:?}: 10 s {} KiB, 60 s {} KiB, growth {growth} KiB", rss[0], rss[1]);
        assert!(growth < 5 * 1024, "{extra:?}: grew by {growth} KiB from 10 s to 60 s");
        assert!(rss[1] < 40 * 1024, "{extra:?}: peak {} KiB", rss[1]);
    }
}
