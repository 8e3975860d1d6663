//! The built `runnel` binary as a user runs it.

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
