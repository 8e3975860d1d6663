//! Where the suites that run the built bundles find them, and how they start the standalone.
// Each suite that runs a bundle includes this module and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::servers::{ChildGuard, PrivateDisplay, PrivateJack};

/// The bundled standalone binary: `$RUNNEL_BUNDLE_DIR/Runnel`, by default under this crate's
/// `target/bundled` (`RUNNEL_BUNDLE_DIR` lets a checkout test another checkout's bundle).
pub fn standalone_binary() -> PathBuf {
    let dir = std::env::var_os("RUNNEL_BUNDLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundled"));
    let binary = dir.join("Runnel");
    assert!(
        binary.is_file(),
        "{} does not exist; build it with `cargo xtask bundle runnel --release`",
        binary.display()
    );
    binary
}

/// The bundled standalone on the private JACK server `jack` (client `runnel`) with its editor on
/// `display`, started with `args` and the extra environment `env`, its output piped; returns
/// once its main ports are registered (failing the test after 20 s), seen through `probe`.
pub fn standalone_on_jack(
    display: &PrivateDisplay,
    jack: &PrivateJack,
    probe: &jack::Client,
    args: &[&str],
    env: &[(&str, &str)],
) -> ChildGuard {
    let standalone = ChildGuard::new(
        Command::new(standalone_binary())
            .args(["--backend", "jack"])
            .args(args)
            .envs(env.iter().copied())
            .env("DISPLAY", display.name())
            .env("JACK_DEFAULT_SERVER", jack.name())
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the standalone"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while ["input_1", "input_2", "output_1", "output_2"]
        .iter()
        .any(|p| probe.port_by_name(&format!("runnel:{p}")).is_none())
    {
        assert!(Instant::now() < deadline, "the standalone's ports never appeared in JACK");
        std::thread::sleep(Duration::from_millis(100));
    }
    standalone
}
