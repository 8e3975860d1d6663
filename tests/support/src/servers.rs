//! External programs the end-to-end suites start: finding them, stopping them gracefully, and a
//! private X server for editor tests and a private JACK server for the live-audio tests.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a server may take to come up before the test fails.
pub const SERVER_TIMEOUT: Duration = Duration::from_secs(10);

/// The full path of `tool` on `PATH`, or a test failure saying which Debian package to install.
/// A missing tool fails rather than skips: a suite that silently does nothing proves nothing.
pub fn require_tool(tool: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{tool}` is not on PATH; this test needs it (Debian package `{package}`, \
                 installed by scripts/system-deps.sh)"
            )
        })
}

/// Stops a server gracefully (SIGTERM, so it removes its sockets, lock files and shared
/// memory), then forcibly after 3 s.
pub fn terminate(mut child: Child) {
    // std has no SIGTERM and this crate has no libc dependency; kill(1) is always there.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A child process that is killed (and reaped) when the guard is dropped, unless
/// [`ChildGuard::take`] took it back first: a test that panics must not leave the program it
/// started running (a stray standalone kept a CPU busy and made later runs miss JACK cycles).
pub struct ChildGuard(Option<Child>);

impl ChildGuard {
    /// Guards `child`.
    pub fn new(child: Child) -> Self {
        Self(Some(child))
    }

    /// The child's process ID.
    pub fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// The child, no longer guarded (e.g. for [`interrupt`]).
    pub fn take(mut self) -> Child {
        self.0.take().expect("guarded until taken")
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends SIGINT (what Ctrl-C sends) to `child` and collects its output; a child still running
/// 10 s later is killed and the test fails, naming `what` ignored the signal.
pub fn interrupt(child: Child, what: &str) -> std::process::Output {
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let pid = child.id();
    let waiter = std::thread::spawn(move || child.wait_with_output().expect("wait"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !waiter.is_finished() {
        if Instant::now() > deadline {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("{what} ignored SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    waiter.join().expect("the waiting thread")
}

/// A private X server (Xvfb, 1280×800×24, no TCP); dropping it stops the server.
pub struct PrivateDisplay {
    /// The Xvfb process; `None` only while dropping.
    server: Option<Child>,
    /// Its display name, e.g. `:3`.
    name: String,
}

impl PrivateDisplay {
    /// Starts Xvfb on a display number it picks itself (`-displayfd`, so it never meets a running
    /// server), with its diagnostics going to `stderr`. Errors (as text, to be shown with the
    /// caller's logs) if Xvfb does not report its display within [`SERVER_TIMEOUT`].
    pub fn start(stderr: Stdio) -> Result<Self, String> {
        Self::start_with_screen(stderr, 1280, 800)
    }

    /// Like [`start`](Self::start) with a `width`×`height`×24 screen (for windows larger than
    /// the default screen, e.g. the editor at 200 %).
    pub fn start_with_screen(stderr: Stdio, width: u32, height: u32) -> Result<Self, String> {
        let xvfb = require_tool("Xvfb", "xvfb");
        let screen = format!("{width}x{height}x24");
        let mut server = Command::new(xvfb)
            .args(["-displayfd", "1", "-screen", "0", &screen, "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("spawn Xvfb: {e}"))?;
        let stdout = server.stdout.take().expect("Xvfb stdout is piped");
        // Xvfb writes the display number once it accepts connections. Read it on a thread so a
        // hung server cannot hang the test; EOF (Xvfb died) also ends the read.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(SERVER_TIMEOUT).unwrap_or_default();
        match line.trim().parse::<u32>() {
            Ok(number) => Ok(Self { server: Some(server), name: format!(":{number}") }),
            Err(_) => {
                terminate(server);
                Err(format!("Xvfb did not report a display number (got {line:?})"))
            }
        }
    }

    /// The display name for `DISPLAY`, e.g. `:3`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PrivateDisplay {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            terminate(server);
        }
    }
}

/// A private JACK server (`jackd --no-realtime`, dummy driver) under a server name of its own, so
/// a test never meets a developer's JACK; dropping it stops the server.
///
/// libjack picks the server for a process's clients from `JACK_DEFAULT_SERVER`, so [`start`]
/// sets it: one private server per test process. Start it once per test binary and run every
/// check against it: libjack keeps per-process state from the first server it met, and a
/// second server started by the same process (another test, even one at a time) is often not
/// reachable; tests in parallel each starting one also switch each other's clients.
///
/// [`start`]: PrivateJack::start
pub struct PrivateJack {
    /// The jackd process; `None` only while dropping.
    server: Option<Child>,
    /// Its server name.
    name: String,
}

impl PrivateJack {
    /// Starts jackd with the dummy driver at `sample_rate` and `period_frames`, named after
    /// `label` and this process, diagnostics to `stdout`/`stderr`, and returns once it accepts
    /// clients (or an error with what jackd said, when it is not up within [`SERVER_TIMEOUT`]).
    pub fn start(
        label: &str,
        sample_rate: u32,
        period_frames: u32,
        stdout: Stdio,
        stderr: Stdio,
    ) -> Result<Self, String> {
        let jackd = require_tool("jackd", "jackd2");
        clear_stale_jack_registry();
        let name = format!("{label}-{}", std::process::id());
        std::env::set_var("JACK_DEFAULT_SERVER", &name);
        let server = Command::new(jackd)
            .args(["--no-realtime", "-n", &name, "-d", "dummy"])
            .args(["-r", &sample_rate.to_string(), "-p", &period_frames.to_string()])
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("spawn jackd: {e}"))?;
        let mut jack = Self { server: Some(server), name };
        let deadline = Instant::now() + SERVER_TIMEOUT;
        loop {
            // A moment before each attempt: every failed one makes libjack print a few lines.
            std::thread::sleep(Duration::from_millis(200));
            if let Ok(Some(status)) = jack.server.as_mut().expect("running").try_wait() {
                return Err(format!("jackd exited early ({status})"));
            }
            // NO_START_SERVER: never let libjack spawn some other default server behind our back.
            if jack::Client::new("runnel-probe", jack::ClientOptions::NO_START_SERVER).is_ok() {
                return Ok(jack);
            }
            if Instant::now() >= deadline {
                if let Some(server) = jack.server.take() {
                    terminate(server);
                }
                return Err(format!("jackd did not accept clients within {SERVER_TIMEOUT:?}"));
            }
        }
    }

    /// The server name (what `JACK_DEFAULT_SERVER` or a tool's `--server` option takes).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new client of this server (which must be running), never starting another server.
    pub fn client(&self, client_name: &str) -> jack::Client {
        jack::Client::new(client_name, jack::ClientOptions::NO_START_SERVER)
            .unwrap_or_else(|e| panic!("open JACK client {client_name} on {}: {e:?}", self.name))
            .0
    }
}

impl Drop for PrivateJack {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            terminate(server);
        }
    }
}

/// Clears JACK's shared-memory registry left behind by servers that were killed rather than
/// stopped (an interrupted test run, a machine reset). JACK2 keeps at most 8 servers in
/// `/dev/shm/jack-shm-registry` and never reclaims a slot whose server died under another name,
/// so eight killed runs make every later `jackd` fail with "Too many servers already active".
/// Only done when no `jackd` process runs at all, so a user's live server is never touched.
fn clear_stale_jack_registry() {
    let jackd_running = std::fs::read_dir("/proc").into_iter().flatten().flatten().any(|entry| {
        std::fs::read_to_string(entry.path().join("comm")).is_ok_and(|comm| comm.trim() == "jackd")
    });
    if jackd_running {
        return;
    }
    for entry in std::fs::read_dir("/dev/shm").into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("jack") {
            let path = entry.path();
            let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        }
    }
}

/// A private home directory whose `.asoundrc` defines an ALSA PCM of `type jack` described as
/// `description` (the device name cpal shows), wired to nothing: tests connect its JACK ports
/// themselves. Run the program under test with `HOME` set to it and `JACK_DEFAULT_SERVER` naming
/// a [`PrivateJack`]; the PCM's clients are named after the program: `<program>.C.<pid>.<n>`
/// (capture, ports `in_000`…) and `<program>.P.<pid>.<n>` (playback, `out_000`…).
pub fn alsa_jack_home(tag: &str, description: &str) -> PathBuf {
    let plugin_present =
        ["/usr/lib/x86_64-linux-gnu/alsa-lib", "/usr/lib/aarch64-linux-gnu/alsa-lib", "/usr/lib/alsa-lib"]
            .iter()
            .any(|dir| std::path::Path::new(dir).join("libasound_module_pcm_jack.so").is_file());
    assert!(
        plugin_present,
        "ALSA's jack PCM plugin is missing: install libasound2-plugins (scripts/system-deps.sh)"
    );
    let home = std::env::temp_dir().join(format!("runnel-alsa-home-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    // Ports are named so the PCM opens (an empty name fails hw_params); the dummy driver's system
    // ports carry silence, and the test adds its own connections.
    std::fs::write(
        home.join(".asoundrc"),
        format!(
            "pcm.runneljack {{\n  type jack\n  playback_ports {{ 0 system:playback_1 1 system:playback_2 }}\n  \
             capture_ports {{ 0 system:capture_1 1 system:capture_2 }}\n  hint {{ show on description \"{description}\" }}\n}}\n"
        ),
    )
    .unwrap();
    home
}
