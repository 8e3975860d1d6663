//! Output formats round trip (WAV 16/24/32f, FLAC 16/24: what is written decodes back to the
//! float render within half an integer step without dither, and sox reads the FLAC with the
//! same length); TPDF dither (the default) adds an error of 0.5 LSB RMS independent of the
//! signal, keeps a sine below one LSB that rounding alone erases, and is reproducible; and
//! AIFF, MP3 and Ogg Vorbis inputs (made at test time with sox, lame and oggenc) render; an MP3
//! with LAME's info tag decodes gapless (the source's exact length, aligned at lag 0).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use runnel_cli::render::decode::AudioDecoder;
use test_support::servers::require_tool;

const RATE: u32 = 44_100;

/// Decodes any supported file with the render's own decoder: (rate, channels × frames).
fn decode(path: &Path) -> (u32, Vec<Vec<f32>>) {
    let mut decoder = AudioDecoder::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channels = decoder.channels;
    let mut out = vec![Vec::new(); channels];
    while let Some(chunk) = decoder.next_chunk().unwrap() {
        for frame in chunk.chunks(channels) {
            for (c, x) in frame.iter().enumerate() {
                out[c].push(*x);
            }
        }
    }
    (decoder.sample_rate, out)
}

/// Runs a tool, failing the test with its output when it fails.
fn tool(program: &Path, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(output.status.success(), "{program:?} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_output_format_decodes_back_to_the_float_render() {
    let dir = temp_dir("formats");
    let input = dir.join("in.wav");
    write_wav_f32(&input, RATE, &test_support::signals::program(1.0, RATE as f64, 8));
    // Without dither, so every sample is the float render rounded to nearest.
    let render = |format: &str, ext: &str| {
        let out = dir.join(format!("{format}.{ext}"));
        let output = run(&[
            "render",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--format",
            format,
            "--dither",
            "none",
        ]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        out
    };
    let (_, reference) = read_wav(&render("wav32f", "wav"));
    let sox = require_tool("sox", "sox");
    for (format, ext, bits) in
        [("wav16", "wav", 16), ("wav24", "wav", 24), ("flac16", "flac", 16), ("flac24", "flac", 24)]
    {
        let out = render(format, ext);
        let (rate, decoded) = decode(&out);
        assert_eq!(rate, RATE, "{format}");
        assert_eq!(decoded.len(), 2, "{format}");
        let step = 1.0 / (1u64 << (bits - 1)) as f32;
        for c in 0..2 {
            assert_eq!(decoded[c].len(), reference[c].len(), "{format}");
            let worst =
                decoded[c].iter().zip(&reference[c]).map(|(d, r)| (d - r).abs()).fold(0.0f32, f32::max);
            assert!(
                worst <= 0.5 * step * 1.0001,
                "{format} channel {c}: error {worst}, half step {}",
                0.5 * step
            );
        }
        if ext == "flac" {
            // An independent decoder reads the same number of frames from the STREAMINFO we wrote.
            let frames: usize = tool(&sox, &["--i", "-s", out.to_str().unwrap()]).trim().parse().unwrap();
            assert_eq!(frames, reference[0].len(), "{format} per sox");
            // The FLAC holds exactly the WAV's integers.
            let wav = read_wav(&dir.join(format!("wav{bits}.wav"))).1;
            assert_eq!(decoded, wav, "{format} = wav{bits}");
        }
    }
}

#[test]
fn aiff_mp3_and_vorbis_inputs_render() {
    let dir = temp_dir("lossy-inputs");
    let source = dir.join("source.wav");
    let signal = test_support::signals::program(2.0, RATE as f64, 21);
    // 16-bit source, the form every encoder takes.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&source, spec).unwrap();
    for n in 0..signal[0].len() {
        for c in &signal {
            writer.write_sample((c[n] * 32767.0).round() as i16).unwrap();
        }
    }
    writer.finalize().unwrap();
    let sox = require_tool("sox", "sox");
    let lame = require_tool("lame", "lame");
    let oggenc = require_tool("oggenc", "vorbis-tools");
    let s = source.to_str().unwrap();
    let aiff = dir.join("aiff.aiff");
    tool(&sox, &[s, aiff.to_str().unwrap()]);
    let mp3 = dir.join("mp3.mp3");
    tool(&lame, &["--quiet", "-b", "192", s, mp3.to_str().unwrap()]);
    let ogg = dir.join("vorbis.ogg");
    tool(&oggenc, &["--quiet", "-q", "6", s, "-o", ogg.to_str().unwrap()]);

    let out = dir.join("out");
    let output = run(&[
        "render",
        aiff.to_str().unwrap(),
        mp3.to_str().unwrap(),
        ogg.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--tail",
        "0",
        "--json",
        "-q",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = json(&output);
    assert_eq!(summary["ok"], 3, "{summary}");
    // The AIFF is the WAV's samples: it renders exactly like the WAV.
    let wav_out = dir.join("wav-out.wav");
    assert!(run(&["render", s, "-o", wav_out.to_str().unwrap(), "--tail", "0", "-q"]).status.success());
    let (_, from_wav) = read_wav(&wav_out);
    assert_eq!(read_wav(&out.join("aiff.wav")).1, from_wav, "AIFF input = WAV input");
    // MP3 and Vorbis: the same length, the same level within 0.5 dB, at the same rate, stereo.
    let rms = |x: &[f32]| (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    for name in ["mp3.mp3", "vorbis.ogg"] {
        let file = summary["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["input"].as_str().unwrap().ends_with(name))
            .unwrap();
        assert_eq!(file["sample_rate"], RATE, "{name}");
        assert_eq!(file["channels"], 2, "{name}");
        let output_name = Path::new(file["output"].as_str().unwrap()).to_path_buf();
        let (_, rendered) = read_wav(&output_name);
        let extra = rendered[0].len() as i64 - from_wav[0].len() as i64;
        // Both decode to the source's exact length: MP3 gapless from LAME's tag, Vorbis from
        // its granule positions.
        assert_eq!(extra, 0, "{name}: {extra} frames more than the source");
        let level = 20.0 * (rms(&rendered[0]) / rms(&from_wav[0])).log10();
        assert!(level.abs() < 0.5, "{name}: {level:.2} dB from the WAV's render");
    }
}

#[test]
fn a_lame_mp3_decodes_to_its_sources_length_and_alignment() {
    let dir = temp_dir("mp3-gapless");
    let source = dir.join("source.wav");
    // A length that is no multiple of MP3's 1152-sample frame, and a broadband signal with a
    // sharp correlation peak.
    let frames = 2 * RATE as usize + 777;
    let signal: Vec<Vec<f32>> = test_support::signals::program(frames as f64 / RATE as f64, RATE as f64, 5)
        .into_iter()
        .map(|mut c| {
            c.resize(frames, 0.0);
            c
        })
        .collect();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&source, spec).unwrap();
    for n in 0..frames {
        for c in &signal {
            writer.write_sample((c[n].clamp(-1.0, 1.0) * 32767.0).round() as i16).unwrap();
        }
    }
    writer.finalize().unwrap();
    let (_, source_samples) = read_wav(&source);
    let lame = require_tool("lame", "lame");
    let mp3 = dir.join("gapless.mp3");
    tool(&lame, &["--quiet", "-b", "320", source.to_str().unwrap(), mp3.to_str().unwrap()]);
    let (rate, decoded) = decode(&mp3);
    assert_eq!(rate, RATE);
    assert_eq!(decoded[0].len(), frames, "decoded length vs the source's");
    // Cross-correlation of the left channels over ±1200 lags (more than LAME's 1105-sample
    // delay), over half a second in the middle: the peak is at lag 0.
    let window = frames as i64 / 4..frames as i64 / 4 + RATE as i64 / 2;
    let correlation = |lag: i64| -> f64 {
        window
            .clone()
            .filter_map(|n| {
                let m = n + lag;
                (0..frames as i64)
                    .contains(&m)
                    .then(|| f64::from(source_samples[0][n as usize]) * f64::from(decoded[0][m as usize]))
            })
            .sum()
    };
    let best = (-1200..=1200i64).max_by(|a, b| correlation(*a).total_cmp(&correlation(*b))).unwrap();
    assert_eq!(best, 0, "cross-correlation peak at lag {best}");
    // And the decoded audio is the source within the codec's error (> 20 dB below the signal).
    let error: f64 = source_samples[0].iter().zip(&decoded[0]).map(|(s, d)| f64::from(s - d).powi(2)).sum();
    let energy: f64 = source_samples[0].iter().map(|s| f64::from(*s).powi(2)).sum();
    let snr = 10.0 * (energy / error).log10();
    eprintln!("mp3: {} frames, lag {best}, SNR {snr:.1} dB", decoded[0].len());
    assert!(snr > 20.0, "SNR {snr:.1} dB");
}

#[test]
fn tpdf_dither_keeps_a_sine_below_one_lsb_and_adds_half_an_lsb_rms() {
    let dir = temp_dir("dither");
    let lsb = 1.0 / 32768.0;
    // A 1 kHz sine of 0.4 LSB: rounding to nearest writes nothing but zeros.
    let frames = RATE as usize * 2;
    let quiet = test_support::signals::sine(frames, 1000.0, 0.4 * lsb, RATE as f64);
    let input = dir.join("quiet.wav");
    write_wav_f32(&input, RATE, &[quiet.clone(), quiet.clone()]);
    let neutral = ["--set", "filter_on=off", "--set", "delay_on=off", "--set", "reverb_on=off"];
    let render = |name: &str, extra: &[&str]| {
        let out = dir.join(format!("{name}.wav"));
        let mut args = vec!["render", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--tail", "0"];
        args.extend(["--format", "wav16", "-q"]);
        args.extend(neutral);
        args.extend(extra);
        let output = run(&args);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        read_wav(&out).1
    };
    let (float_out, rounded, dithered, again) = (
        {
            let out = dir.join("float.wav");
            let mut args =
                vec!["render", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--tail", "0", "-q"];
            args.extend(neutral);
            assert!(run(&args).status.success());
            read_wav(&out).1
        },
        render("rounded", &["--dither", "none"]),
        render("dithered", &[]),
        render("again", &["--dither", "tpdf"]),
    );
    assert!(rounded[0].iter().all(|x| *x == 0.0), "rounding alone erases a 0.4 LSB sine");
    assert_eq!(dithered, again, "the dither is reproducible");
    // Projection onto the sine: the dithered file still carries it (amplitude within 10 %).
    let reference: Vec<f64> =
        (0..frames).map(|n| (std::f64::consts::TAU * 1000.0 * n as f64 / RATE as f64).sin()).collect();
    let amplitude = |x: &[f32]| {
        2.0 * x.iter().zip(&reference).map(|(a, r)| f64::from(*a) * r).sum::<f64>() / frames as f64
    };
    let kept = amplitude(&dithered[0]) / lsb;
    assert!((kept - 0.4).abs() < 0.04, "dithered amplitude {kept:.3} LSB");
    // The error against the float render: within ±1.5 LSB, mean 0, RMS 0.5 LSB (dither 1/6 +
    // rounding 1/12 = 1/4 LSB²) — the same on both channels.
    for c in 0..2 {
        let errors: Vec<f64> =
            dithered[c].iter().zip(&float_out[c]).map(|(d, f)| f64::from(d - f) / lsb).collect();
        let mean = errors.iter().sum::<f64>() / frames as f64;
        let rms = (errors.iter().map(|e| e * e).sum::<f64>() / frames as f64).sqrt();
        eprintln!("dither channel {c}: kept {kept:.3} LSB, error mean {mean:.4} LSB, RMS {rms:.4} LSB");
        assert!(errors.iter().all(|e| e.abs() <= 1.5 + 1e-6));
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((rms - 0.5).abs() < 0.01, "{rms}");
    }
}
