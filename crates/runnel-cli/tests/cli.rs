//! The built `runnel` binary as a user runs it.

mod common;

use std::process::Command;

#[test]
fn params_lists_every_parameter_id() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_runnel")).arg("params").output().expect("run runnel params");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    for id in ["in_gain", "hp_freq", "dly_time", "rv_decay", "bypass"] {
        assert!(text.lines().any(|l| l.starts_with(id)), "{id} missing from:\n{text}");
    }
}

/// `runnel params` lists the infinite-ratio switch and the AGC's loudness rows in LUFS.
#[test]
fn params_lists_the_infinite_ratio_switch_and_lufs_rows() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_runnel")).arg("params").output().expect("run runnel params");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    // Each parameter is a block: its id line, then its unit/range/default and accepted forms.
    let block = |id: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} missing from:\n{text}"));
        lines[at..(at + 3).min(lines.len())].join("\n")
    };
    let ratio_inf = block("comp_ratio_inf");
    assert!(ratio_inf.contains("Compressor Infinite Ratio [Compressor]"), "{ratio_inf}");
    assert!(ratio_inf.contains("default Off") && ratio_inf.contains("on/off"), "{ratio_inf}");
    for (id, default) in [("agc_target", "-18.0 LUFS"), ("agc_gate", "-50.0 LUFS")] {
        let listed = block(id);
        assert!(listed.contains("unit LUFS") && listed.contains(&format!("default {default}")), "{listed}");
        assert!(listed.contains("accepts LUFS: -23, -23 LUFS, -23LUFS"), "{listed}");
    }
}

/// `runnel render --set comp_ratio_inf=on` compresses at ∞:1 whatever the ratio says: a DC
/// level 24 dB over the threshold comes out at the threshold (at the set 2:1 it would be 12 dB
/// over), and a value the switch does not take is refused with the forms it does take.
#[test]
fn render_with_set_comp_ratio_inf_on_compresses_at_infinite_ratio() {
    let dir = common::temp_dir("ratio-inf");
    let input = dir.join("dc.wav");
    let level = 10f32.powf(-6.0 / 20.0);
    common::write_wav_f32(&input, 48_000, &[vec![level; 48_000], vec![level; 48_000]]);
    let base = [
        "filter_on=off",
        "delay_on=off",
        "reverb_on=off",
        "compressor_on=on",
        "comp_threshold=-30",
        "comp_ratio=2",
        "comp_knee=0",
        "comp_attack=1ms",
    ];
    let render = |extra: Option<&str>, name: &str| {
        let out = dir.join(name);
        let mut args = vec!["render", "--out-dir", out.to_str().unwrap(), "--tail", "0", "--quiet"];
        for set in base.iter().copied().chain(extra) {
            args.extend(["--set", set]);
        }
        args.push(input.to_str().unwrap());
        let output = common::run(&args);
        assert!(output.status.success(), "{}", common::stderr(&output));
        let (_, channels) = common::read_wav(&out.join("dc.wav"));
        20.0 * channels[0][channels[0].len() - 1].abs().log10()
    };
    let infinite = render(Some("comp_ratio_inf=on"), "on");
    let finite = render(None, "off");
    println!("DC at -6 dBFS, threshold -30 dB: ∞:1 → {infinite:.3} dB, 2:1 → {finite:.3} dB");
    assert!((infinite - -30.0).abs() < 0.1, "∞:1 gave {infinite} dB, want -30");
    assert!((finite - -18.0).abs() < 0.1, "2:1 gave {finite} dB, want -18");

    let refused = common::run(&[
        "render",
        "--out-dir",
        dir.join("refused").to_str().unwrap(),
        "--set",
        "comp_ratio_inf=maybe",
        input.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    assert!(common::stderr(&refused).contains("on/off"), "{}", common::stderr(&refused));
}
