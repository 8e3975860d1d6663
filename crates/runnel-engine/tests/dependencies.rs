//! The framework-free rule as a checked fact: the engine may pull in neither the plugin framework,
//! a GUI toolkit nor an audio backend, directly or through any dependency; the command-line tool
//! and the live-audio crate may use audio backends (`runnel devices`, `latency`, `live` are their
//! job) but never the plugin framework or a GUI. Asks `cargo tree` for the normal (non-dev)
//! dependency graph, so a new dependency that drags one of them in fails here.

use std::process::Command;

/// Plugin framework and GUI crates, by name prefix: never in the engine's, the CLI's or the
/// live-audio crate's graph.
const FRAMEWORK_AND_GUI: &[&str] =
    &["nice-plug", "nih-plug", "baseview", "egui", "eframe", "winit", "x11", "clap-sys"];
/// Audio backends, by name prefix: never in the engine's graph.
const AUDIO_BACKENDS: &[&str] = &["cpal", "jack", "alsa"];

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

/// Asserts that no crate in `package`'s graph starts with any of `forbidden`.
fn assert_free_of(package: &str, forbidden: &[&str]) {
    let names = dependency_names(package);
    assert!(names.iter().any(|n| n == package), "{package} missing from its own tree: {names:?}");
    let offending: Vec<&String> =
        names.iter().filter(|name| forbidden.iter().any(|f| name.starts_with(f))).collect();
    assert!(offending.is_empty(), "{package} depends on {offending:?} (full graph: {names:?})");
}

#[test]
fn the_engine_depends_on_no_plugin_framework_gui_or_audio_backend() {
    assert_free_of("runnel-engine", FRAMEWORK_AND_GUI);
    assert_free_of("runnel-engine", AUDIO_BACKENDS);
}

#[test]
fn the_command_line_tools_depend_on_no_plugin_framework_or_gui() {
    assert_free_of("runnel-cli", FRAMEWORK_AND_GUI);
    assert_free_of("runnel-live", FRAMEWORK_AND_GUI);
}

#[test]
fn the_check_would_see_the_plugin_framework() {
    // The same query on the plugin package must find nice-plug, or the check above proves
    // nothing (e.g. a cargo tree output format change).
    let names = dependency_names("runnel-plugin");
    assert!(names.iter().any(|n| n.starts_with("nice-plug")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("egui")), "{names:?}");
}
