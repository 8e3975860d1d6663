//! The framework-free rule as a checked fact: neither the engine nor the command-line tool may
//! pull in the plugin framework, a GUI toolkit or an audio backend, directly or through any
//! dependency. Asks `cargo tree` for the normal (non-dev) dependency graph, so a new dependency
//! that drags one of them in fails here.

use std::process::Command;

/// Crates that must never be in the engine's or the CLI's graph, by name prefix.
const FORBIDDEN: &[&str] = &[
    "nice-plug",
    "nih-plug",
    "baseview",
    "egui",
    "eframe",
    "winit",
    "cpal",
    "jack",
    "alsa",
    "x11",
    "clap-sys",
];

/// The names of every crate in `package`'s normal dependency graph (itself included).
fn dependency_names(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "--locked", "-p", package, "-e", "normal", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
    let mut names: Vec<String> =
        text.lines().filter_map(|line| line.split_whitespace().next()).map(str::to_string).collect();
    names.sort();
    names.dedup();
    names
}

fn assert_framework_free(package: &str) {
    let names = dependency_names(package);
    assert!(names.iter().any(|n| n == package), "{package} missing from its own tree: {names:?}");
    let offending: Vec<&String> =
        names.iter().filter(|name| FORBIDDEN.iter().any(|f| name.starts_with(f))).collect();
    assert!(offending.is_empty(), "{package} depends on {offending:?} (full graph: {names:?})");
}

#[test]
fn the_engine_depends_on_no_plugin_framework_gui_or_audio_backend() {
    assert_framework_free("runnel-engine");
}

#[test]
fn the_command_line_tool_depends_on_no_plugin_framework_gui_or_audio_backend() {
    assert_framework_free("runnel-cli");
}

#[test]
fn the_check_would_see_the_plugin_framework() {
    // The same query on the plugin package must find nice-plug, or the check above proves
    // nothing (e.g. a cargo tree output format change).
    let names = dependency_names("runnel-plugin");
    assert!(names.iter().any(|n| n.starts_with("nice-plug")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("egui")), "{names:?}");
}
