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

/// The bundled standalone on its cpal ALSA path: `--backend alsa` on the PCM described `pcm`
/// (input and output) at `sample_rate` Hz and `period` frames, with `home` as its home (whose
/// `.asoundrc` defines the PCM, `test_support::servers::alsa_jack_home`), its editor on
/// `display` and the PCM's JACK clients on `jack`; started with `args` and the extra environment
/// `env`, its output piped. Returns at once: [`standalone_pcm_ports`] waits for the PCM.
#[allow(clippy::too_many_arguments)]
pub fn standalone_on_alsa(
    home: &Path,
    display: &PrivateDisplay,
    jack: &PrivateJack,
    pcm: &str,
    sample_rate: u32,
    period: usize,
    args: &[&str],
    env: &[(&str, &str)],
) -> ChildGuard {
    ChildGuard::new(
        Command::new(standalone_binary())
            .args(["--backend", "alsa", "--input-device", pcm, "--output-device", pcm])
            .args(["--sample-rate", &sample_rate.to_string(), "--period-size", &period.to_string()])
            .args(args)
            .envs(env.iter().copied())
            .env("HOME", home)
            .env("DISPLAY", display.name())
            .env("JACK_DEFAULT_SERVER", jack.name())
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the standalone"),
    )
}

/// The JACK ports of the ALSA PCM the standalone with process id `pid` opened, seen through
/// `probe` (the PCM's clients are named after the process, `Runnel.C.<pid>.<n>` for capture and
/// `Runnel.P.…` for playback): its capture side's `in_000` and `in_001`, where a test plays in,
/// then its playback side's `out_000` and `out_001`, where the output returns. Fails the test
/// when they have not appeared within 20 s.
pub fn standalone_pcm_ports(probe: &jack::Client, pid: u32) -> [String; 4] {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let find = |side: &str, port: &str| {
            let pattern = format!("^Runnel\\.{side}\\.{pid}\\.[^:]*:{port}$");
            probe.ports(Some(&pattern), None, jack::PortFlags::empty()).into_iter().next()
        };
        let found = [find("C", "in_000"), find("C", "in_001"), find("P", "out_000"), find("P", "out_001")];
        if found.iter().all(Option::is_some) {
            return found.map(Option::unwrap);
        }
        assert!(Instant::now() < deadline, "the standalone's ALSA PCM never appeared in JACK");
        std::thread::sleep(Duration::from_millis(50));
    }
}
